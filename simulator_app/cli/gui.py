"""``nitrox-sim gui``: the desktop app."""

from __future__ import annotations

import argparse
import ctypes
import os
import sys

from simulator_app.cli._common import CliError

COMMAND = "gui"
HELP = "the desktop app: build scenarios, send live, watch every request"
DESCRIPTION = """\
The desktop app. It starts an embedded collector on 127.0.0.1 (the default
target), opens SCENARIO (or the file used last, or a demo mix when there is
none) and remembers the target, the last file and the window between sessions.
"""
EPILOG = """\
examples:
  nitrox-sim gui
  nitrox-sim gui scenarios/demo_mix.yaml
  nitrox-sim gui --collector-port 8787
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", nargs="?", metavar="SCENARIO", help="scenario file to open")
    parser.add_argument(
        "--collector-port",
        type=int,
        metavar="PORT",
        help="port of the embedded collector (default: the one used last, else any free port)",
    )


def _has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM") or not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


XCB_CURSOR = "libxcb-cursor.so.0"  # what Qt's xcb plugin links against, by this name
# The system libraries Qt's xcb plugin links against (``objdump -p libQt6XcbQpa.so.6``, but
# glib's, which Qt's core library needs already), with the Debian/Ubuntu and Fedora packages.
X11_LIBRARIES = {
    XCB_CURSOR: ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
}


def _missing_x11_libraries() -> list[str]:
    """The libraries Qt's X11 plugin needs and cannot load (Qt prints a page, then aborts).

    Empty where that plugin is not the one Qt takes (another platform, a
    Wayland session, no Linux).
    """
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if not sys.platform.startswith("linux") or not os.environ.get("DISPLAY"):
        return []
    if platform:
        if platform.partition(":")[0] != "xcb":
            return []  # another platform plugin, which needs no xcb library
    elif os.environ.get("WAYLAND_DISPLAY") and os.environ.get("XDG_SESSION_TYPE") != "x11":
        return []  # Qt takes its Wayland plugin here
    missing = []
    for name in X11_LIBRARIES:
        try:
            ctypes.CDLL(name)  # the dynamic loader's own search, LD_LIBRARY_PATH included
        except OSError:
            missing.append(name)
    return missing


def _x11_problem(missing: list[str]) -> str:
    debian = " ".join(dict.fromkeys(X11_LIBRARIES[name][0] for name in missing))
    fedora = " ".join(dict.fromkeys(X11_LIBRARIES[name][1] for name in missing))
    return (
        f"Qt's X11 plugin needs system libraries that are not installed ({', '.join(missing)}):"
        f" on Debian or Ubuntu run sudo apt install {debian} (Fedora: sudo dnf install {fedora})"
    )


def _qt_problem(exc: ImportError) -> str | None:
    """What to tell the user when the app's import failed for want of Qt; None: another failure."""
    if (exc.name or "").partition(".")[0] not in ("PySide6", "shiboken6"):
        return None
    if isinstance(exc, ModuleNotFoundError) and exc.name in ("PySide6", "shiboken6"):
        return (
            "the desktop app needs PySide6, which is not installed: run pip install '.[gui]'"
            " in the project folder (or pip install PySide6-Essentials)"
        )
    return f"PySide6 cannot load: {exc}"  # installed, but a system library is missing


def run(args: argparse.Namespace) -> int:
    if args.collector_port is not None and not 0 <= args.collector_port <= 65535:
        raise CliError(f"--collector-port {args.collector_port} is not a port (0-65535)")
    try:
        from simulator_app.gui.app import main
    except ImportError as exc:
        problem = _qt_problem(exc)
        if problem is None:
            raise
        raise CliError(problem) from None
    if not _has_display():
        raise CliError(
            "no display to show the window on (DISPLAY is not set); "
            "for a headless run set QT_QPA_PLATFORM=offscreen"
        )
    missing = _missing_x11_libraries()
    if missing:
        raise CliError(_x11_problem(missing))

    from simulator_app.cli._qt_messages import install

    install()  # Qt's font noise as one line that says what to install
    return main(args.scenario, args.collector_port)
