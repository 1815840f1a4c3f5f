"""Click-through mode for QA: one visitor, one request at a time, each answer shown.

The visitor's requests come from the same journey engine as every runner.
QA picks a journey and gets the first visitor who takes it (*New visitor*
moves on to the next such visitor). An edit of the scenario keeps the
transcript unless it changes what this visitor would send.
Each request is sent by a :class:`SingleSender` (the load run's send path on a
small loop of its own) on a one-thread executor (never on the GUI thread); a
short timer notices the answer. Records also go to the
area's pending buffer, so they appear in the log and the stats like any other.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from simulator_app.core.journey import JourneyEngine, PlannedRequest
from simulator_app.core.model import Scenario
from simulator_app.core.record import RequestRecord
from simulator_app.core.safety import target_problem
from simulator_app.gui.sending.describe import (
    identify_payload,
    outcome_lines,
    pretty_body,
    verdict_kind,
)
from simulator_app.gui.widgets import ElidedLabel, plural
from simulator_app.sender import SingleSender

REQUEST_TIMEOUT = 10.0  # seconds a click-through request may take
POLL_MS = 15
ANY_JOURNEY = ""  # the journey picker's "by weight" entry


# The transcript's colour for each way a request can end (see describe.verdict_kind).
VERDICT_COLOURS = {
    "good": "#1b7a35",
    "warn": "#9a5b00",
    "bad": "#b3261e",
    "failed": "#b3261e",
    "unjudged": "#5f6368",
}


def transcript_parts(record: RequestRecord) -> tuple[str, list[str], str]:
    """One exchange: the request, the answer's verdict lines, the response body."""
    lines = [f"→ {record.method} {record.url}"]
    if record.request_body is not None:
        lines.append(pretty_body(record.request_body))
    payload = identify_payload(record)
    if payload is not None:
        lines.append("identify payload: " + payload)
    body = pretty_body(record.response_body) if record.response_body else ""
    return "\n".join(lines), outcome_lines(record), body


def transcript(record: RequestRecord) -> str:
    """How one exchange reads in the click-through transcript (as plain text)."""
    request, outcome, body = transcript_parts(record)
    return "\n".join([request, *outcome, *([body] if body else [])]) + "\n"


class ClickPanel(QWidget):
    """Step one visitor through its journey.

    Signals: ``busy_changed(bool)`` while a request is in flight (or a Run to
    end is going), so the run controls can wait.
    """

    busy_changed = Signal(bool)

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
        self.engine: JourneyEngine | None = None  # kept while the scenario is: one seed
        self.plan: list[PlannedRequest] | None = None
        self.position = 0
        self.records: list[RequestRecord] = []
        self.blocked = False  # set while a load run is going
        self._to_end = False
        self._future: concurrent.futures.Future[RequestRecord] | None = None
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._sender: SingleSender | None = None  # made for self.target on the first send
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._check)

        self.journey = QComboBox()
        self.journey.setToolTip("the journey to click through: the visitor is one who takes it")
        self.journey.currentIndexChanged.connect(self._journey_chosen)
        self.visitor = QSpinBox()
        self.visitor.setRange(0, 2**31 - 1)
        self.visitor.setToolTip("the visitor's number in a run (the same visitor a run sends)")
        self.visitor.valueChanged.connect(self.reset)
        self.new_visitor_button = QPushButton("New visitor")
        self.new_visitor_button.setToolTip("the next visitor who takes the chosen journey")
        self.new_visitor_button.clicked.connect(self.new_visitor)
        self.next_button = QPushButton("Next")
        self.to_end_button = QPushButton("Run to end")
        self.reset_button = QPushButton("Reset")
        self.next_button.clicked.connect(self.next_step)
        self.to_end_button.clicked.connect(self.run_to_end)
        self.reset_button.clicked.connect(self.reset)
        self.position_label = ElidedLabel()
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.output.setPlaceholderText("Press Next to send this visitor's first request.")
        # Two short rows, not one long one: the pane is narrow on a 1024-pixel screen.
        choose = QHBoxLayout()
        choose.addWidget(QLabel("Journey"))
        choose.addWidget(self.journey, 1)
        who = QHBoxLayout()
        who.addWidget(QLabel("Visitor"))
        who.addWidget(self.visitor, 1)
        who.addWidget(self.new_visitor_button)
        row = QHBoxLayout()
        for button in (self.next_button, self.to_end_button, self.reset_button):
            row.addWidget(button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(choose)
        layout.addLayout(who)
        layout.addLayout(row)
        layout.addWidget(self.position_label)
        layout.addWidget(self.output, 1)
        self._update()

    # -- inputs ---------------------------------------------------------------

    def set_scenario(self, scenario: Scenario | None) -> None:
        """Step ``scenario`` from now on; the transcript stays if this visitor sends the same."""
        if scenario == self.scenario:
            return
        old_plan = self.plan
        seed = self.engine.seed if self.engine is not None else None
        self.scenario = scenario
        self.engine = None
        self._fill_journeys()
        if old_plan is None or self.busy or scenario is None:
            self.reset()
            return
        # Same seed, same visitor: an unrelated edit (a think time, another journey) keeps it.
        engine = self._engine(seed)
        plan = list(engine.plan(self.visitor.value()))
        if [p.spec for p in plan] != [p.spec for p in old_plan]:
            self.reset()
            return
        self.plan = plan
        self._begin_run(dataclasses.replace(scenario, seed=engine.seed))
        self._update()

    def _engine(self, seed: int | None = None) -> JourneyEngine:
        """The journey engine of this scenario, one seed for as long as the scenario lasts."""
        assert self.scenario is not None
        if self.engine is None:
            # a seed in the file wins; without one, the seed drawn first is kept
            keep = seed if self.scenario.seed is None else None
            self.engine = JourneyEngine(self.scenario, seed=keep)
        return self.engine

    def _fill_journeys(self) -> None:
        """The picker lists the scenario's journeys; the chosen one stays chosen by name."""
        chosen = self.chosen_journey()
        names = [j.name for j in self.scenario.journeys] if self.scenario is not None else []
        self.journey.blockSignals(True)
        self.journey.clear()
        self.journey.addItem("any (by weight)", ANY_JOURNEY)
        for name in names:
            self.journey.addItem(name, name)
        at = self.journey.findData(chosen)
        self.journey.setCurrentIndex(max(at, 0))
        self.journey.blockSignals(False)

    def chosen_journey(self) -> str:
        """The journey picked ("" for any)."""
        data = self.journey.currentData()
        return str(data) if data is not None else ANY_JOURNEY

    def choose_journey(self, name: str) -> bool:
        """Pick journey ``name`` (and a visitor who takes it); False if there is none."""
        at = self.journey.findData(name)
        if at < 0:
            return False
        self.journey.setCurrentIndex(at)
        return True

    def _journey_chosen(self, *_: object) -> None:
        if self.scenario is None or self.busy:
            return
        journey = self.chosen_journey()
        engine = self._engine()
        if not journey or engine.journey_for(engine.rng(self.visitor.value())).name == journey:
            return  # any visitor will do, or this one already takes it
        self._find_visitor(0)

    def new_visitor(self) -> None:
        """The next visitor (after the one shown) who takes the chosen journey; starts afresh."""
        if self.scenario is None or self.busy:
            return
        before = self.visitor.value()
        self._find_visitor(before + 1)
        if self.visitor.value() == before:
            self.reset()

    def _find_visitor(self, start: int) -> None:
        journey = self.chosen_journey()
        found = self._engine().visitor_on(journey, start) if journey else start
        if found is None:
            self.output.appendPlainText(f"No visitor near #{start} takes the journey “{journey}”.")
            return
        self.visitor.setValue(found)  # resets the transcript when it is another visitor

    def set_target(self, url: str) -> None:
        if url != self.target:
            self.target = url
            self.reset()

    def set_blocked(self, blocked: bool) -> None:
        self.blocked = blocked
        self._update()

    @property
    def busy(self) -> bool:
        return self._future is not None

    @property
    def at_end(self) -> bool:
        return self.plan is not None and self.position >= len(self.plan)

    def _update(self) -> None:
        can_send = (
            self.scenario is not None
            and bool(self.target)
            and not self.blocked
            and not self.busy
            and not self.at_end
        )
        self.next_button.setEnabled(can_send)
        self.to_end_button.setEnabled(can_send)
        self.reset_button.setEnabled(not self.busy)
        for control in (self.visitor, self.journey, self.new_visitor_button):
            control.setEnabled(not self.busy and self.scenario is not None)
        if self.plan is None:
            self.position_label.setText("Not started.")
        else:
            end = " · journey complete" if self.at_end else ""
            journeys = list(dict.fromkeys(p.journey for p in self.plan)) or ["?"]
            self.position_label.setText(
                f"Journey “{' then '.join(journeys)}”:"
                f" {self.position} of {plural(len(self.plan), 'request')} sent{end}"
            )

    # -- stepping -------------------------------------------------------------

    def reset(self) -> None:
        """Back to the visitor's first request (nothing in flight is abandoned)."""
        if self.busy:
            return
        self.plan = None
        self.position = 0
        self.records = []
        self._to_end = False
        self.output.clear()
        self._update()

    def next_step(self) -> bool:
        """Send the visitor's next request; False (with a message) when it cannot."""
        if self.busy or self.blocked or self.scenario is None:
            return False
        problem = target_problem(self.target)
        if problem is not None:
            self.output.appendPlainText(f"Target: {problem}")
            return False
        if self.plan is None:
            engine = self._engine()
            self.plan = list(engine.plan(self.visitor.value()))
            # the log rebuilds older rows from this scenario: with the seed they were sent with
            self._begin_run(dataclasses.replace(self.scenario, seed=engine.seed))
            if not self.plan:
                self.output.appendPlainText("This visitor sends nothing (it leaves at once).")
        if self.at_end:
            self._to_end = False
            self._update()
            return False
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(1, "click-through")
        if self._sender is None or self._sender.target != self.target:
            if self._sender is not None:  # closed on the executor's thread, after its last send
                self._executor.submit(self._sender.close)
            self._sender = SingleSender(self.target, REQUEST_TIMEOUT)
        planned = self.plan[self.position]
        self._future = self._executor.submit(self._sender.send, planned)
        self._poll.start()
        self._update()
        self.busy_changed.emit(True)
        return True

    def run_to_end(self) -> None:
        self._to_end = True
        if not self.next_step():
            self._to_end = False

    def _check(self) -> None:
        future = self._future
        if future is None or not future.done():
            return
        self._poll.stop()
        self._future = None
        try:
            record = future.result()
        except Exception as exc:  # send never raises on I/O; anything else is shown
            self.output.appendPlainText(f"The request could not be sent: {exc}")
            self._to_end = False
            self._update()
            self.busy_changed.emit(False)
            return
        self.position += 1
        self.records.append(record)
        self.show_exchange(record)
        self._sink([record])
        if self._to_end and not self.at_end and self.next_step():
            return
        self._to_end = False
        self._update()
        self.busy_changed.emit(False)

    def show_exchange(self, record: RequestRecord) -> None:
        """Add one exchange to the transcript, its verdict lines in the verdict's colour."""
        request, outcome, body = transcript_parts(record)
        self.output.appendPlainText(request)
        cursor = self.output.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        coloured = QTextCharFormat()
        coloured.setForeground(QColor(VERDICT_COLOURS[verdict_kind(record)]))
        coloured.setFontWeight(QFont.Weight.Bold)
        cursor.insertBlock()
        cursor.insertText("\n".join(outcome), coloured)
        cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        cursor.insertText(body + "\n" if body else "", QTextCharFormat())
        self.output.setTextCursor(cursor)
        self.output.ensureCursorVisible()

    def shutdown(self) -> None:
        """Wait for any request in flight and close the connection (the window is closing)."""
        self._poll.stop()
        self._to_end = False
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        self._future = None
        if self._sender is not None:
            self._sender.close()
            self._sender = None
