"""``nitrox-sim gui`` on a machine that cannot show the window says why in one line."""

from __future__ import annotations

import ctypes
from typing import Any

import pytest

from simulator_app.cli import main
from simulator_app.cli.gui import X11_LIBRARIES, XCB_CURSOR, _missing_x11_libraries, _x11_problem


def _without_xcb_cursor(name: str, *args: Any, **kwargs: Any) -> object:
    if name == XCB_CURSOR:
        raise OSError(f"{name}: cannot open shared object file: No such file or directory")
    return object()


@pytest.fixture
def x11(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A Linux X11 session without libxcb-cursor."""
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    for name in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(ctypes, "CDLL", _without_xcb_cursor)
    return monkeypatch


@pytest.mark.parametrize("platform", [None, "xcb"])
def test_a_missing_xcb_cursor_library_is_named_with_its_package(
    x11: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], platform: str | None
) -> None:
    if platform is not None:
        x11.setenv("QT_QPA_PLATFORM", platform)
    assert main(["gui"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "libxcb-cursor.so.0" in err and "sudo apt install libxcb-cursor0 " in err


def test_every_missing_library_is_named_in_one_apt_command(
    x11: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A machine seen here had libxcb-cursor but not libxcb-icccm nor libxcb-keysyms."""
    present = set(X11_LIBRARIES) - {"libxcb-icccm.so.4", "libxcb-keysyms.so.1"}

    def load(name: str, *args: Any, **kwargs: Any) -> object:
        if name not in present:
            raise OSError(f"{name}: cannot open shared object file: No such file or directory")
        return object()

    x11.setattr(ctypes, "CDLL", load)
    assert main(["gui"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "(libxcb-icccm.so.4, libxcb-keysyms.so.1)" in err
    assert "sudo apt install libxcb-icccm4 libxcb-keysyms1 (" in err
    assert "sudo dnf install xcb-util-wm xcb-util-keysyms)" in err


def test_packages_that_bring_several_libraries_are_named_once(x11: pytest.MonkeyPatch) -> None:
    x11.setattr(ctypes, "CDLL", lambda name, *a, **k: _without_xcb_cursor("libxcb-cursor.so.0"))
    missing = _missing_x11_libraries()
    assert missing == list(X11_LIBRARIES)
    problem = _x11_problem(missing)
    assert problem.count(" libxcb ") + problem.endswith(" libxcb)") == 1  # Fedora's, once
    assert "sudo apt install libxcb-cursor0 libxcb-icccm4 " in problem


def test_other_platforms_need_no_xcb_library(x11: pytest.MonkeyPatch) -> None:
    assert _missing_x11_libraries()
    x11.setenv("QT_QPA_PLATFORM", "offscreen")
    assert not _missing_x11_libraries()
    x11.delenv("QT_QPA_PLATFORM")
    x11.setenv("WAYLAND_DISPLAY", "wayland-0")  # Qt takes its Wayland plugin
    assert not _missing_x11_libraries()
    x11.setenv("XDG_SESSION_TYPE", "x11")  # ... but not in an X11 session
    assert _missing_x11_libraries()
    x11.setattr(ctypes, "CDLL", lambda name, *args, **kwargs: object())  # it is there
    assert not _missing_x11_libraries()
