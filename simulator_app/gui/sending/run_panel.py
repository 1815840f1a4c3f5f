"""Run mode: settings prefilled from the scenario, Start / Pause / Stop, progress and time left.

The :class:`LoadRun` runs in one worker thread (it owns its asyncio loop);
the GUI talks to it only through its thread-safe ``stop``/``pause``/
``resume``/``progress``. Its record batches go to the area's pending buffer,
and :meth:`RunPanel.poll` is called on every flush tick to show progress and
notice the end.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from simulator_app.core.model import ARRIVAL_PATTERNS, Scenario
from simulator_app.core.record import RequestRecord
from simulator_app.core.report import RunAggregate, write_report
from simulator_app.core.safety import needs_confirmation, target_problem
from simulator_app.core.verdicts import RunTally
from simulator_app.core.words import plural
from simulator_app.gui.widgets import ask_user
from simulator_app.sender import LoadRun, RunResult, RunSettings

JOIN_TIMEOUT = 15.0  # seconds shutdown waits for a stopped run's thread


def format_duration(seconds: float | None) -> str:
    """``1:02:03``, ``4:05`` or ``—`` when unknown."""
    if seconds is None:
        return "—"
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class RunPanel(QWidget):
    """Run controls for a load run.

    Signals: ``run_state_changed(bool)`` when a run starts (True) and when it
    has ended and its thread is gone (False); ``schedule_edited(str, object)``
    when the user changes a setting the scenario file keeps (the field of
    ``schedule`` and its new value), never when the panel prefills itself;
    ``controls_changed()`` when Start, Pause or Stop changed state or words
    (the toolbar's copies follow).
    """

    run_state_changed = Signal(bool)
    schedule_edited = Signal(str, object)
    controls_changed = Signal()

    def __init__(
        self,
        sink: Callable[[list[RequestRecord]], None],
        begin_run: Callable[[Scenario], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._sink = sink
        self._begin_run = begin_run
        self.scenario: Scenario | None = None
        self.target = ""
        self.run: LoadRun | None = None
        self.result: RunResult | None = None
        self.aggregate: RunAggregate | None = None  # what the report of the last run shows
        self._thread: threading.Thread | None = None
        self._error: str | None = None
        self.confirm: Callable[[str], bool] = lambda question: ask_user(self, question)
        self.blocked = False  # set while click-through is sending
        self._stopping = False  # Stop was pressed; the run's thread has not ended yet

        self.visitors = QSpinBox()
        self.visitors.setRange(1, 10_000_000)
        self.duration = QDoubleSpinBox()
        self.duration.setRange(0, 7 * 86_400)
        self.duration.setSuffix(" s")
        self.concurrency = QSpinBox()
        self.concurrency.setRange(1, 10_000)
        self.concurrency.setValue(50)
        self.rate = QDoubleSpinBox()
        self.rate.setRange(0, 1_000_000)
        self.rate.setDecimals(1)
        self.rate.setSpecialValueText("unlimited")
        self.rate.setSuffix(" req/s")
        self.think = QDoubleSpinBox()
        self.think.setRange(0, 100)
        self.think.setSingleStep(0.1)
        self.think.setValue(1.0)
        self.think.setSuffix(" ×")
        self.pattern = QComboBox()
        self.pattern.addItems(ARRIVAL_PATTERNS)
        self._prefilling = False
        for field, widget, changed in (
            ("visitors", self.visitors, self.visitors.valueChanged),
            ("duration", self.duration, self.duration.valueChanged),
            ("concurrency", self.concurrency, self.concurrency.valueChanged),
            ("think_scale", self.think, self.think.valueChanged),
            ("pattern", self.pattern, self.pattern.currentTextChanged),
        ):
            widget.setToolTip("Saved to the scenario file (schedule)")
            changed.connect(lambda value, f=field: self._edited(f, value))
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # a narrow pane
        form.addRow("Visitors", self.visitors)
        form.addRow("Arrivals over", self.duration)
        form.addRow("Arrival pattern", self.pattern)
        form.addRow("Concurrency", self.concurrency)
        form.addRow("Rate limit", self.rate)
        form.addRow("Think time scale", self.think)

        self.start_button = QPushButton("Start")
        self.pause_button = QPushButton("Pause")
        self.stop_button = QPushButton("Stop")
        self.start_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop)
        buttons = QHBoxLayout()
        for button in (self.start_button, self.pause_button, self.stop_button):
            buttons.addWidget(button)
        self.report_button = QPushButton("Export report…")
        self.report_button.setToolTip(
            "The last run as one HTML file that opens offline: charts, endpoints, verdicts, funnel"
        )
        self.report_button.clicked.connect(self.ask_export_report)
        self.progress = QProgressBar()
        self.progress.setFormat("%v / %m visitors")
        self.time_left = QLabel("Time left: —")
        # Fixed-size labels: a label that grows with its text re-lays out the window each tick.
        self.time_left.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.time_left.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        # The run's counts, live and after it: the same tally the status bar and dashboard show.
        self.counts = QLabel("No requests sent yet.")
        self.counts.setWordWrap(True)
        self.counts.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        # Why Start is off, or what the scenario will make the receiver judge bad.
        self.start_note = QLabel()
        self.start_note.setWordWrap(True)
        self.start_note.setStyleSheet("color: #9a3b00;")
        policy = self.start_note.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # the controls below stay put as it comes and goes
        self.start_note.setSizePolicy(policy)
        self.warnings: list[str] = []
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.start_note)
        layout.addWidget(self.progress)
        layout.addWidget(self.time_left)
        layout.addWidget(self.counts)
        layout.addWidget(self.message)
        layout.addWidget(self.report_button)
        layout.addStretch(1)
        self._update_buttons()

    # -- inputs ---------------------------------------------------------------

    def set_scenario(self, scenario: Scenario | None) -> None:
        """Prefill the settings from ``scenario`` (only when it changed); None disables Start."""
        if scenario is not None and scenario != self.scenario:
            schedule = scenario.schedule
            self._prefilling = True
            try:
                self.visitors.setValue(schedule.visitors)
                self.duration.setValue(schedule.duration)
                self.pattern.setCurrentText(schedule.pattern)
                self.concurrency.setValue(schedule.concurrency)
                self.think.setValue(schedule.think_scale)
            finally:
                self._prefilling = False
        self.scenario = scenario
        self._update_buttons()

    def _edited(self, field: str, value: object) -> None:
        if self._prefilling or self.scenario is None:
            return
        if getattr(self.scenario.schedule, field) != value:
            self.schedule_edited.emit(field, value)

    def set_target(self, url: str) -> None:
        self.target = url
        self._update_buttons()

    @property
    def running(self) -> bool:
        return self._thread is not None

    def settings(self) -> RunSettings:
        rate = self.rate.value()
        return RunSettings(
            target=self.target,
            visitors=self.visitors.value(),
            duration=self.duration.value(),
            concurrency=self.concurrency.value(),
            rate=rate if rate > 0 else None,
            think_scale=self.think.value(),
        )

    def start_problem(self) -> str | None:
        """Why Start is off now, in one line; None when a run can start."""
        if self.running:
            return "a run is going"
        if self.scenario is None:
            return "the scenario has problems: fix them first (see the Problems list)"
        if not self.target:
            return "no target yet (the embedded collector is starting, or none is set)"
        if self.blocked:
            return "click-through is sending"
        return None

    def set_warnings(self, warnings: list[str]) -> None:
        """Setups the core warns will be judged bad (shown under Start, which stays on)."""
        self.warnings = warnings
        self._update_buttons()

    def _update_buttons(self) -> None:
        running = self.running
        problem = self.start_problem()
        self.start_button.setEnabled(problem is None)
        self.start_button.setToolTip(f"Start is off: {problem}" if problem else "Start the run")
        if problem is not None and not running:
            note = f"Start is off: {problem}."
        elif self.warnings and not running:
            note = "Warning: " + " · ".join(self.warnings)
        else:
            note = ""
        self.start_note.setText(note)
        self.start_note.setVisible(bool(note))
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.report_button.setEnabled(not running and self.result is not None)
        for widget in (
            self.visitors,
            self.duration,
            self.concurrency,
            self.rate,
            self.think,
            self.pattern,
        ):
            widget.setEnabled(not running)
        if not running:
            self.pause_button.setText("Pause")
        self.controls_changed.emit()

    def set_counts(self, tally: RunTally) -> None:
        """The run's counts (the tally every view reads), live and after the run."""
        line = tally.line()
        if self.counts.text() != line:
            self.counts.setText(line)

    def set_blocked(self, blocked: bool) -> None:
        self.blocked = blocked
        self._update_buttons()

    # -- control --------------------------------------------------------------

    def start(self) -> bool:
        """Start a run with the settings shown; False (and a message) when it cannot."""
        if self.running:
            return False
        if self.scenario is None:
            self.message.setText(f"Not started: {self.start_problem()}.")
            return False
        problem = target_problem(self.target)
        if problem is not None:
            self.message.setText(f"Target: {problem}")
            return False
        settings = self.settings()
        if needs_confirmation(self.target, settings.rate) and not self.confirm(
            f"{self.target} is not on this machine, and this run sends"
            f" {'without a rate limit' if settings.rate is None else f'{settings.rate:g} req/s'}."
            " Send real traffic there?"
        ):
            self.message.setText("Not started: the target was not confirmed.")
            return False
        schedule = dataclasses.replace(self.scenario.schedule, pattern=self.pattern.currentText())
        scenario = dataclasses.replace(self.scenario, schedule=schedule)
        aggregate = RunAggregate()

        def sink(records: list[RequestRecord]) -> None:
            aggregate.add(records)  # the run's thread: read only after it has ended
            self._sink(records)

        try:
            run = LoadRun(scenario, settings, on_records=sink)
        except ValueError as exc:
            self.message.setText(f"Cannot start: {exc}")
            return False
        self.aggregate = aggregate
        self._begin_run(dataclasses.replace(run.scenario, seed=run.seed))  # rows rebuild as sent
        self.run, self.result, self._error = run, None, None
        self._stopping = False
        self._thread = threading.Thread(target=self._work, args=(run,), name="load-run")
        self._thread.start()
        self.progress.setRange(0, run.scenario.schedule.visitors)
        self.progress.setValue(0)
        self.message.setText(f"Sending to {self.target}…")
        self._update_buttons()
        self.run_state_changed.emit(True)
        return True

    def _work(self, run: LoadRun) -> None:
        try:
            self.result = run.run()
        except Exception as exc:  # shown in the window when the thread is collected
            self._error = f"{type(exc).__name__}: {exc}"

    def toggle_pause(self) -> None:
        if self.run is None:
            return
        if self.run.progress().paused:
            self.run.resume()
            self.pause_button.setText("Pause")
            self.message.setText(f"Sending to {self.target}…")
        else:
            self.run.pause()
            self.pause_button.setText("Resume")
            self.message.setText("Paused: requests in flight finish, no new one starts.")
        self.controls_changed.emit()

    def stop(self) -> None:
        if self.run is not None:
            self.run.stop()
            self._stopping = True
            self.time_left.setText("Time left: stopping (requests in flight finish)")
            self.stop_button.setEnabled(False)
            self.pause_button.setEnabled(False)
            self.message.setText("Stopping: requests in flight get a moment to finish…")
            self.controls_changed.emit()

    # -- every flush tick -----------------------------------------------------

    def finished(self) -> bool:
        """True when a run's thread has ended and :meth:`collect` should be called."""
        return self._thread is not None and not self._thread.is_alive()

    def poll(self, tally: RunTally) -> None:
        """Show the run's progress, time left and its counts (the one tally every view reads)."""
        if self.run is None or self._thread is None:
            return
        progress = self.run.progress()
        self.progress.setMaximum(max(1, progress.visitors_total))
        self.progress.setValue(progress.visitors_done)
        if self._stopping:
            left = "stopping"
        elif progress.paused:
            left = "paused"
        else:
            left = format_duration(progress.eta)
        self.time_left.setText(f"Time left: {left} · elapsed {format_duration(progress.elapsed)}")
        self.set_counts(tally)

    def collect(self, tally: RunTally) -> None:
        """Join the ended run's thread and say how it went, in the tally's figures."""
        if self._thread is None:
            return
        self._thread.join()
        self._thread = None
        self._stopping = False
        result = self.result
        elapsed = format_duration(result.elapsed) if result is not None else "—"
        self.time_left.setText(f"Time left: none, the run has ended · took {elapsed}")
        if self._error is not None:
            self.message.setText(f"The run failed: {self._error}")
        elif result is not None:
            how = "Stopped" if result.stopped else "Finished"
            if result.time_limit_hit:
                how = "Stopped at the time limit"
            self.message.setText(
                f"{how}: {plural(result.visitors_done, 'visitor')} in {elapsed} ·"
                f" {tally.line()}."
                + (
                    " Every request failed: is the target reachable?"
                    if tally.sent and tally.transport == tally.sent
                    else ""
                )
            )
        self._update_buttons()
        self.run_state_changed.emit(False)

    def ask_export_report(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export the run's report", "report.html", "HTML files (*.html);;All files (*)"
        )
        if name:
            self.export_report(Path(name))

    def export_report(self, path: Path) -> bool:
        """Write the last run's report (the CLI's ``--report``) to ``path``; say how it went."""
        if self.run is None or self.result is None or self.aggregate is None or self.running:
            self.message.setText("Export a report after a run has ended.")
            return False
        try:
            write_report(path, self.run.scenario, self.run.settings, self.aggregate, self.result)
        except OSError as exc:
            self.message.setText(f"Could not write {path}: {exc.strerror or exc}")
            return False
        self.message.setText(f"Report written to {path}.")
        return True

    def shutdown(self) -> None:
        """Stop any run and wait for its thread (the window is closing)."""
        if self.run is not None and self._thread is not None:
            self.run.stop()
            self._thread.join(JOIN_TIMEOUT)
            self._thread = None
