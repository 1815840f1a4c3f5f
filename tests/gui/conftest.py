"""GUI test fixtures: throw-away settings, a main window that cleans up after itself."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings

from simulator_app.gui.document import ScenarioDocument
from simulator_app.gui.main_window import MainWindow

ROOT = Path(__file__).resolve().parent.parent.parent
DEMO = ROOT / "scenarios" / "demo_mix.yaml"


def _close(win: MainWindow) -> None:
    # Closed here, not by qtbot: its teardown runs first and would meet the unsaved-changes prompt.
    win.document.undo_stack.setClean()
    win.close()
    win.shutdown()
    win.deleteLater()


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    """Settings in a temporary INI file: tests never touch the user's."""
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def document(qtbot: object) -> ScenarioDocument:
    return ScenarioDocument()


@pytest.fixture
def window(qtbot, settings: QSettings) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    """The main window without the embedded collector (see ``live_window`` for one with it)."""
    win = MainWindow(settings, start_collector=False)
    yield win
    _close(win)


@pytest.fixture
def live_window(qtbot, settings: QSettings) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    """The main window with its embedded collector running; stopped afterwards."""
    win = MainWindow(settings, start_collector=True)
    yield win
    _close(win)


@pytest.fixture(autouse=True)
def _no_threads_left() -> Iterator[None]:
    """Fail a test that leaves a thread behind (the collector's, a sender's...)."""
    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not left, f"threads left running: {[t.name for t in left]}"
