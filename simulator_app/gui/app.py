"""Starting the desktop app: the QApplication, settings, the main window and the excepthook."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import NoReturn

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from simulator_app.gui.main_window import MainWindow

ORGANIZATION = "NitroxSim"
APPLICATION = "nitrox-sim"

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


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
    window = MainWindow(settings)
    previous = install_excepthook(window)
    app.aboutToQuit.connect(window.shutdown)
    last = settings.value("file/last", "", type=str)
    path = scenario or (str(last) if last else None)
    if path:
        window.open_file(Path(path))
    window.show()
    try:
        status = app.exec()
    finally:
        sys.excepthook = previous
    settings.sync()
    leave(status)


def leave(status: int) -> NoReturn:
    """End the process now that the window has closed and everything is saved.

    The interpreter's own finalization can crash in PySide6's and pyqtgraph's
    destructors ("deallocating None"), after the app's work is done; like
    ``pyqtgraph.exit()``, skip it: flush what was written, then exit.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
