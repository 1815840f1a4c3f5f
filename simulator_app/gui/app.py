"""Starting the desktop app: the QApplication, settings, the main window and the excepthook.

Start-up paints a window first and does the heavy work after: the
:class:`StartupWindow` (Qt's widgets alone, no plotting library, no sender, no
collector) is on screen at the saved place and size within a fraction of a
second; then the main window's modules are imported and it is built, shown
where the start-up window was, and the start-up window goes. The embedded
collector starts after that, off the GUI thread.

``NITROX_SIM_STARTUP_REPORT=1`` prints, on stderr, when each window was first
painted (seconds since the process started); with ``NITROX_SIM_STARTUP_QUIT=1``
the app quits once the main window is painted. :mod:`.startup_bench` uses both.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, NoReturn

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QWidget

if TYPE_CHECKING:
    from simulator_app.gui.main_window import MainWindow

ORGANIZATION = "NitroxSim"
APPLICATION = "nitrox-sim"

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


REPORT_ENV = "NITROX_SIM_STARTUP_REPORT"
QUIT_ENV = "NITROX_SIM_STARTUP_QUIT"


def process_age() -> float:
    """Seconds since this process started (its start time from /proc where there is one)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            started = int(stat.read().rpartition(")")[2].split()[19])
        with open("/proc/uptime", encoding="ascii") as uptime:
            up = float(uptime.read().split()[0])
        return up - started / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.perf_counter()


class _FirstPaint(QObject):
    """Calls ``then`` after the first paint of the widget it filters (once)."""

    def __init__(self, widget: QWidget, then: Callable[[], None]) -> None:
        super().__init__(widget)
        self._then: Callable[[], None] | None = then
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._then is not None:
            then, self._then = self._then, None
            QTimer.singleShot(0, then)  # after this paint has reached the screen
        return False


def _report(what: str) -> None:
    if os.environ.get(REPORT_ENV):
        print(f"startup: {what} painted after {process_age():.3f} s", file=sys.stderr, flush=True)


class StartupWindow(QMainWindow):
    """The first thing on screen: the app's title and "Starting…", where the window will be."""

    def __init__(self, settings: QSettings) -> None:
        super().__init__()
        self.setWindowTitle("Nitrox Traffic Simulator")
        label = QLabel("Starting the Nitrox Traffic Simulator…")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCentralWidget(label)
        geometry = settings.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1024, 640)


def install_excepthook(window: MainWindow) -> ExceptHook:
    """Log unexpected exceptions to stderr and say so in the status bar; returns the old hook.

    A slot that raises would otherwise only print to a console the user may
    not have, and the app would carry on as if nothing happened.
    """
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        traceback.print_exception(kind, value, tb, file=sys.stderr)
        text = " ".join(str(value).split())[:160]
        window.statusBar().showMessage(
            f"Unexpected error: {kind.__name__}: {text} (details on stderr)", 15000
        )

    sys.excepthook = hook
    return previous


def main(scenario: str | None = None, collector_port: int | None = None) -> int:
    """Run the app until its window closes; opens ``scenario`` or the last file used."""
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    settings = QSettings()
    if collector_port is not None:
        settings.setValue("collector/port", collector_port)
    startup = StartupWindow(settings)
    ready: list[MainWindow] = []
    _FirstPaint(startup, lambda: _build(startup, settings, scenario, ready))
    _FirstPaint(startup, lambda: _report("the start-up window"))
    startup.show()
    previous = sys.excepthook
    try:
        status = app.exec()
    finally:
        sys.excepthook = previous
    settings.sync()
    leave(status)


def _build(
    startup: StartupWindow, settings: QSettings, scenario: str | None, ready: list[MainWindow]
) -> None:
    """After the first paint: import and build the main window, show it where startup was."""
    from simulator_app.gui.main_window import MainWindow

    window = MainWindow(settings, start_collector=False, defer_preview=True)
    ready.append(window)
    install_excepthook(window)
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(window.shutdown)
    last = settings.value("file/last", "", type=str)
    path = scenario or (str(last) if last else None)
    if path:
        window.open_file(Path(path))
    window.setGeometry(startup.geometry())
    if startup.isMaximized():
        window.showMaximized()
    else:
        window.show()
    window.fit_screen()

    def painted() -> None:
        _report("the main window")
        window.start_collector()  # after the window is on screen
        QTimer.singleShot(0, window.identities_panel.show_preview)  # as is the preview
        if os.environ.get(QUIT_ENV):
            QTimer.singleShot(0, window.close)

    _FirstPaint(window, painted)
    startup.close()


def leave(status: int) -> NoReturn:
    """End the process now that the window has closed and everything is saved.

    The interpreter's own finalization can crash in PySide6's and pyqtgraph's
    destructors ("deallocating None"), after the app's work is done; like
    ``pyqtgraph.exit()``, skip it: flush what was written, then exit.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
