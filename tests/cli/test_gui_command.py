"""``nitrox-sim gui`` on a machine that cannot show the window says why in one line."""

from __future__ import annotations

import ctypes.util

import pytest

from simulator_app.cli import main


def _no_xcb_cursor(name: str) -> str | None:
    return None if name == "xcb-cursor" else f"lib{name}.so"


@pytest.mark.parametrize("platform", [None, "xcb"])
def test_a_missing_xcb_cursor_library_is_named_with_its_package(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], platform: str | None
) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    if platform is None:
        monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    else:
        monkeypatch.setenv("QT_QPA_PLATFORM", platform)
    monkeypatch.setattr(ctypes.util, "find_library", _no_xcb_cursor)
    assert main(["gui"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "libxcb-cursor" in err and "sudo apt install libxcb-cursor0" in err


def test_other_platforms_need_no_xcb_library(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator_app.cli.gui import _missing_x11_library

    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(ctypes.util, "find_library", _no_xcb_cursor)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert not _missing_x11_library()
    monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert not _missing_x11_library()
    monkeypatch.delenv("WAYLAND_DISPLAY")
    assert _missing_x11_library()
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: f"lib{name}.so.0")
    assert not _missing_x11_library()
