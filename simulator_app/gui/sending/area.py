"""The sending area: run and click-through controls beside the request log and the dashboard.

Left: Run and Click-through tabs; right: the Log and the Dashboard tabs (the
dashboard can leave for a window of its own). The run's progress shows in the
Run tab and on the dashboard, so progress and figures are on screen together.

Every record, from a load run's worker thread or from click-through, goes
into one :class:`PendingBuffer`; a ~100 ms timer on the GUI thread takes the
whole buffer once per tick and hands it to the log (one insert, one trim)
and the stats. Nothing else crosses from the sending threads to Qt.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from simulator_app.core.model import Scenario
from simulator_app.gui.document import ScenarioDocument
from simulator_app.gui.edits import MISSING, SetValue, get, to_yaml
from simulator_app.gui.sending.click_panel import ClickPanel
from simulator_app.gui.sending.dashboard import DashboardHost
from simulator_app.gui.sending.feed import PendingBuffer
from simulator_app.gui.sending.live_stats import LiveStats
from simulator_app.gui.sending.log_panel import LogPanel
from simulator_app.gui.sending.run_panel import RunPanel
from simulator_app.gui.sending.store import LogStore
from simulator_app.gui.widgets import ElidedLabel, scrolled

FLUSH_MS = 100


class SendingArea(QWidget):
    """Sending (run and click-through), the request log and live statistics.

    Signals: ``run_state_changed(bool)``: True when a load run starts, False
    once it has ended (its thread is gone and its last records are logged);
    ``progress_changed(int, int, str)``: visitors done, of how many, and the
    line the Run tab shows (the toolbar's progress follows it).
    """

    run_state_changed = Signal(bool)
    progress_changed = Signal(int, int, str)

    def __init__(self, parent: QWidget | None = None, store: LogStore | None = None) -> None:
        super().__init__(parent)
        self.buffer = PendingBuffer()
        self.stats = LiveStats()
        self.log = LogPanel(store)
        self.dashboard_host = DashboardHost(self.stats)
        self.dashboard = self.dashboard_host.dashboard
        self.stats_panel = self.dashboard.tables
        self.run_panel = RunPanel(self.buffer.put, self.begin_run)
        self.click_panel = ClickPanel(self.buffer.put, self.begin_run)
        self.run_panel.run_state_changed.connect(self._run_state)
        self.document: ScenarioDocument | None = None
        self.run_panel.schedule_edited.connect(self._save_schedule)
        self.click_panel.busy_changed.connect(self.run_panel.set_blocked)

        # The run's counts for the window's status bar (the main window places it there); cut
        # at its end rather than widening the window when the figures grow (whole in the tooltip).
        self.counts_label = ElidedLabel()
        self.counts_label.HINT_WIDTH = 460
        self.target_label = QLabel()
        self.target_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A long target URL must not widen the window: the label takes what it is given.
        self.target_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.modes = QTabWidget()
        # In scroll areas: the left pane narrows to what the splitter gives it (a 1024 px screen).
        self.modes.addTab(scrolled(self.run_panel), "Run")
        self.modes.addTab(scrolled(self.click_panel), "Click-through")
        self.views = QTabWidget()
        self.views.addTab(self.log, "Log")
        self.views.addTab(self.dashboard_host, "Dashboard")
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.modes)
        split.addWidget(self.views)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 5)
        split.setChildrenCollapsible(False)
        split.setSizes([380, 900])  # the run controls' width on a 1024-pixel screen
        self.modes.setMinimumWidth(0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.target_label)
        layout.addWidget(split, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(FLUSH_MS)
        self.timer.timeout.connect(self.flush)
        self.timer.start()
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self.set_target("")
        self.set_scenario(None)
        self._show_counts()

    # -- public API -----------------------------------------------------------

    def set_scenario(self, scenario: Scenario | None) -> None:
        """The scenario to send; None disables sending (e.g. it is invalid)."""
        self.run_panel.set_scenario(scenario)
        self.click_panel.set_scenario(scenario)
        if not self.run_panel.running:
            self.stats.scenario = scenario
            self.dashboard.refresh()

    def set_target(self, url: str) -> None:
        """Where requests go (the main window checks and confirms it)."""
        self.run_panel.set_target(url)
        self.click_panel.set_target(url)
        self.target_label.setText(f"Target: {url}" if url else "Target: none set")

    def set_document(self, document: ScenarioDocument | None) -> None:
        """The open file: run settings edited in the Run tab are saved to its ``schedule``."""
        self.document = document

    def _save_schedule(self, field: str, value: object) -> None:
        document = self.document
        if document is None or not isinstance(document.data, dict):
            return
        label = {"think_scale": "think time scale", "pattern": "arrival pattern"}.get(field, field)
        if get(document.data, ("schedule",)) is MISSING:
            edit = SetValue(("schedule",), to_yaml({field: value}))
        else:
            edit = SetValue(("schedule", field), to_yaml(value))
        document.apply(edit, f"Change the run's {label}", merge_key=f"schedule.{field}")

    def focus_filter(self) -> None:
        """Show the log and put the cursor in its search box (Ctrl+F)."""
        self.views.setCurrentWidget(self.log)
        self.log.focus_filter()

    def start(self) -> bool:
        """Start a load run with the Run tab's settings (Ctrl+Enter); False when it cannot."""
        self.modes.setCurrentIndex(0)
        return self.run_panel.start()

    def show_dashboard(self) -> None:
        """Bring the dashboard to the front (in the window, or its own window when detached)."""
        if self.dashboard_host.window_ is not None:
            self.dashboard_host.window_.raise_()
            self.dashboard_host.window_.activateWindow()
        else:
            self.views.setCurrentWidget(self.dashboard_host)

    # -- plumbing -------------------------------------------------------------

    def begin_run(self, scenario: Scenario) -> None:
        """Rows from now on come from ``scenario``; log what came before first."""
        self.flush()
        self.log.store.begin_run(scenario)
        self.stats.scenario = scenario

    def _run_state(self, running: bool) -> None:
        self.click_panel.set_blocked(running)
        if running:
            self.stats.reset()
        self._show_counts()
        self.dashboard.refresh()  # empty at the start, the final figures at the end
        self._show_progress()
        self.run_state_changed.emit(running)

    def flush(self) -> None:
        """One tick: take every pending record to the log and the stats."""
        ended = self.run_panel.finished()  # before taking: the run's last batch is in
        records = self.buffer.take()
        if records:
            self.log.ingest(records)
            self.stats.add(records)  # the dashboard redraws on its own 4 Hz timer
        if self.run_panel.running:
            self.run_panel.poll(self.stats.tally)
            self._show_progress()
        if ended:
            self.run_panel.collect(self.stats.tally)
        if records or ended:
            self._show_counts()

    def _show_counts(self) -> None:
        """The tally's figures in the status bar, the log's status line and the dashboard."""
        tally = self.stats.tally
        self.counts_label.setText(tally.short())
        self.counts_label.setToolTip(
            f"{tally.line()}. The Run tab, the dashboard and the log's"
            " status line show the same figures."
        )
        self.log.set_tally(tally)
        self.dashboard.set_counts(tally)
        self.run_panel.set_counts(tally)

    def _show_progress(self) -> None:
        panel = self.run_panel
        line = panel.message.text() if not panel.running else panel.time_left.text()
        self.dashboard.set_progress(panel.progress.value(), panel.progress.maximum(), line)
        self.progress_changed.emit(panel.progress.value(), panel.progress.maximum(), line)

    def shutdown(self) -> None:
        """Stop sending and wait for the threads; call before the window goes away."""
        self.timer.stop()
        self.run_panel.shutdown()
        self.click_panel.shutdown()
        self.log.shutdown()
        self.dashboard_host.shutdown()
