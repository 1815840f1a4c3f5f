"""The sending area: run and click-through controls, the request log, live stats.

Every record, from a load run's worker thread or from click-through, goes
into one :class:`PendingBuffer`; a ~100 ms timer on the GUI thread takes the
whole buffer once per tick and hands it to the log (one insert, one trim)
and the stats. Nothing else crosses from the sending threads to Qt.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QLabel, QSplitter, QTabWidget, QVBoxLayout, QWidget

from simulator_app.core.model import Scenario
from simulator_app.gui.sending.click_panel import ClickPanel
from simulator_app.gui.sending.feed import PendingBuffer
from simulator_app.gui.sending.live_stats import LiveStats
from simulator_app.gui.sending.log_panel import LogPanel
from simulator_app.gui.sending.run_panel import RunPanel
from simulator_app.gui.sending.stats_view import StatsPanel
from simulator_app.gui.sending.store import LogStore

FLUSH_MS = 100


class SendingArea(QWidget):
    """Sending (run and click-through), the request log and live statistics.

    Signals: ``run_state_changed(bool)``: True when a load run starts, False
    once it has ended (its thread is gone and its last records are logged).
    """

    run_state_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None, store: LogStore | None = None) -> None:
        super().__init__(parent)
        self.buffer = PendingBuffer()
        self.stats = LiveStats()
        self.log = LogPanel(store)
        self.stats_panel = StatsPanel(self.stats)
        self.run_panel = RunPanel(self.buffer.put, self.begin_run)
        self.click_panel = ClickPanel(self.buffer.put, self.begin_run)
        self.run_panel.run_state_changed.connect(self._run_state)
        self.click_panel.busy_changed.connect(self.run_panel.set_blocked)

        self.target_label = QLabel()
        self.target_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.modes = QTabWidget()
        self.modes.addTab(self.run_panel, "Run")
        self.modes.addTab(self.click_panel, "Click-through")
        side = QTabWidget()
        side.addTab(self.modes, "Send")
        side.addTab(self.stats_panel, "Stats")
        self.side = side
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(side)
        split.addWidget(self.log)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 5)
        layout = QVBoxLayout(self)
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

    # -- public API -----------------------------------------------------------

    def set_scenario(self, scenario: Scenario | None) -> None:
        """The scenario to send; None disables sending (e.g. it is invalid)."""
        self.run_panel.set_scenario(scenario)
        self.click_panel.set_scenario(scenario)
        if not self.run_panel.running:
            self.stats.scenario = scenario
            self.stats_panel.refresh()

    def set_target(self, url: str) -> None:
        """Where requests go (the main window checks and confirms it)."""
        self.run_panel.set_target(url)
        self.click_panel.set_target(url)
        self.target_label.setText(f"Target: {url}" if url else "Target: none set")

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
            self.stats_panel.refresh()
        self.run_state_changed.emit(running)

    def flush(self) -> None:
        """One tick: take every pending record to the log and the stats."""
        ended = self.run_panel.finished()  # before taking: the run's last batch is in
        records = self.buffer.take()
        if records:
            self.log.ingest(records)
            self.stats.add(records)
            self.stats_panel.refresh()
        if self.run_panel.running:
            self.run_panel.poll()
        if ended:
            self.run_panel.collect()

    def shutdown(self) -> None:
        """Stop sending and wait for the threads; call before the window goes away."""
        self.timer.stop()
        self.run_panel.shutdown()
        self.click_panel.shutdown()
        self.log.shutdown()
