"""Save writes the whole file or nothing: a full disk keeps the old file and the unsaved buffer."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest

from simulator_app.core import atomic
from simulator_app.gui.main_window import MainWindow
from tests.gui.conftest import DEMO


def _disk_full(fd: int) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_failed_save_keeps_the_file_and_the_buffer(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "demo.yaml"
    shutil.copy(DEMO, path)
    before = path.read_bytes()
    assert window.open_file(path)
    window.builder.journeys_model.setData(window.builder.journeys_model.index(1, 1), 30)
    assert window.document.modified

    monkeypatch.setattr(atomic.os, "fsync", _disk_full)  # the write fails once half is out
    assert not window.save()
    assert path.read_bytes() == before  # in place, it was left half written
    assert [p.name for p in tmp_path.iterdir() if p.name != "settings.ini"] == ["demo.yaml"]
    assert window.document.modified  # the edit is still there, unsaved
    assert "weight: 30" in window.document.text()
    assert "No space left on device" in window.banner.text.text()

    monkeypatch.undo()
    assert window.save()
    assert "    weight: 30" in path.read_text(encoding="utf-8")
    assert not window.document.modified


def test_saving_keeps_the_file_permissions(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("old", encoding="utf-8")
    os.chmod(path, 0o640)
    atomic.write_atomically(path, "new")
    assert path.read_text(encoding="utf-8") == "new"
    assert path.stat().st_mode & 0o777 == 0o640
