"""Take the README's screenshots: ``python -m simulator_app.gui.screenshot OUT.png [SCENARIO] [WxH] [VIEW]``.

Starts the app offscreen with throw-away settings and its own embedded
collector, opens the scenario (``scenarios/demo_mix.yaml`` by default),
selects a step so the editor shows, sends a short run of it to the collector
so the request log, details and counts have something to show, and saves the
main window at 1366x768 (a laptop's screen), the size given, or maximized on
its screen (``max``: under a window manager, frame and title bar included). VIEW is
``main`` (the default), ``dashboard`` (the live dashboard in mid-run, the
editor folded away), ``details`` (a request's details: the identify
payload, decoded) or ``projector`` (the dashboard detached, full screen on its
screen, in projector mode: take it on a display of the size wanted, e.g. Xvfb
at 1920x1080).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from simulator_app.gui.main_window import MainWindow

WIDTH, HEIGHT = 1366, 768
VIEWS = ("main", "dashboard", "details", "projector")


def take(
    out: Path, scenario: Path, size: tuple[int, int] = (WIDTH, HEIGHT), view: str = "main"
) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from simulator_app.gui.main_window import MainWindow
    from simulator_app.gui.navigation import FIRST_LAUNCH_KEY

    _app = QApplication.instance() or QApplication([sys.argv[0]])  # kept alive until the end
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        settings.setValue(FIRST_LAUNCH_KEY, True)  # the README shows the app, not its hints
        window = MainWindow(settings)
        window.hint.hide()  # (a missing font is this machine's, not the app's)
        try:
            if not window.open_file(scenario):
                raise SystemExit(f"{scenario}: could not be opened: {window.banner.text.text()}")
            if size == (0, 0):  # "max": the window maximized on its screen, frame and all
                window.showMaximized()
                _wait(lambda: False, 1500)  # the window manager frames and sizes it
            else:
                window.show()
                window.resize(*size)
            window.builder.select_journey(2)
            window.builder.select_step(3)
            window.collector.wait_started()
            shot: QWidget = window
            if view in ("dashboard", "projector"):
                _dashboard_mid_run(window)
            else:
                _send_a_short_run(window)
            if view == "details":
                _show_details(window)
            if view == "projector":
                shot = _projector(window)
            if size == (0, 0) and view != "projector":  # the whole screen: frame, title bar
                window.screen().grabWindow(0).save(str(out))
            else:
                shot.grab().save(str(out))
        finally:
            window.document.undo_stack.setClean()
            window.shutdown()
            window.close()


def _wait(condition: Callable[[], bool], limit_ms: int) -> None:
    """Run the event loop until ``condition`` holds or ``limit_ms`` pass.

    (An event loop, not a processEvents() loop: PySide6 6.12's processEvents()
    drops a reference to None per call.)
    """
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    poll = QTimer()
    poll.timeout.connect(lambda: loop.quit() if condition() else None)
    poll.start(50)
    QTimer.singleShot(limit_ms, loop.quit)
    loop.exec()
    poll.stop()


def _send_a_short_run(window: MainWindow) -> None:
    """A few dozen visitors with short think times, then an identify row selected."""
    from PySide6.QtCore import Qt

    panel = window.sending.run_panel
    _wait(lambda: bool(panel.target), 60_000)  # the collector's URL arrives by a signal
    panel.visitors.setValue(60)
    panel.duration.setValue(2.0)
    panel.think.setValue(0.02)
    if not panel.start():
        raise SystemExit(f"the screenshot run did not start: {panel.message.text()}")
    _wait(panel.finished, 30_000)
    _wait(lambda: False, 1200)  # the log's flush timer and the collector's counts catch up
    log = window.sending.log
    model = log.table.model()
    rows = range(model.rowCount())
    step_column = 2
    identify = [
        r
        for r in rows
        if model.index(r, step_column).data(Qt.ItemDataRole.DisplayRole) == "identify"
    ]
    log.select_row(identify[0] if identify else max(0, model.rowCount() - 1))
    _wait(lambda: False, 300)


def _dashboard_mid_run(window: MainWindow) -> None:
    """The demo mix's visitors arriving for a while, the dashboard filling the window."""
    panel = window.sending.run_panel
    _wait(lambda: bool(panel.target), 60_000)
    panel.visitors.setValue(400)
    panel.duration.setValue(30.0)
    panel.think.setValue(0.1)
    window.editor_action.setChecked(False)  # the dashboard gets the whole height
    window.show_dashboard()
    if not panel.start():
        raise SystemExit(f"the screenshot run did not start: {panel.message.text()}")
    _wait(lambda: False, 20_000)  # mid-run: arrivals still coming, a few orders in


def _projector(window: MainWindow) -> QWidget:
    """The dashboard full screen (F11) in projector mode; its window."""
    dashboard = window.sending.dashboard
    dashboard.toggle_full_screen()
    dashboard.set_projector(True)
    _wait(lambda: False, 3000)  # full screen, the charts' next draws at the new zoom
    return dashboard.window()


def _show_details(window: MainWindow) -> None:
    """The selected identify request's decoded payload, the log folded so the details show."""
    window.editor_action.setChecked(False)
    details = window.sending.log.details
    details.tabs.setCurrentIndex(details.TABS.index("Identify payload"))
    _wait(lambda: False, 300)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    view = args.pop() if args and args[-1] in VIEWS else "main"
    size = (WIDTH, HEIGHT)
    if args and "x" in args[-1] and args[-1].replace("x", "").isdigit():
        width, _, height = args.pop().partition("x")
        size = (int(width), int(height))
    elif args and args[-1] == "max":
        args.pop()
        size = (0, 0)
    if not args or len(args) > 2:
        print(
            "usage: python -m simulator_app.gui.screenshot OUT.png [SCENARIO] [WxH|max]"
            " [main|dashboard|details|projector]",
            file=sys.stderr,
        )
        return 2
    scenario = Path(args[1]) if len(args) > 1 else Path("scenarios/demo_mix.yaml")
    take(Path(args[0]), scenario, size, view)
    print(f"saved {args[0]} ({f'{size[0]}x{size[1]}' if any(size) else 'maximized'}, {view})")
    from simulator_app.gui.app import leave

    leave(0)  # as the app leaves: past PySide6's and pyqtgraph's crashes at finalization


if __name__ == "__main__":
    sys.exit(main())
