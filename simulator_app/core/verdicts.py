"""What a run's records say, counted as they come: one run state for the app and the CLI.

:class:`RunTally` is fed every batch of records (a runner's ``on_records``)
and keeps bounded counters, never a record. The command line's summary, its
JSON and JUnit files, the HTML report and every view of the app (the Run
panel, the status bar, the dashboard, the stats view, the log's status line,
the Locust tab) read one tally, so they count the same requests in the same
words (:meth:`RunTally.line`). Each request falls in exactly one outcome:

- ``transport``: no answer, or an answer the contract counts as failed (an
  error status, a ``Payload Error`` body: the record has an ``error``);
  ``throttled`` are those answered 429 (a part of ``transport``);
- otherwise it ``succeeded``, and the receiver judged it ``good`` (with or
  without warnings), ``bad`` (``RequestRecord.contract_failed``), or gave no
  verdict (``not_judged``).

So ``sent == succeeded + transport`` and ``succeeded == good + bad + not_judged``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from simulator_app.core.record import RequestRecord
from simulator_app.core.words import plural

MAX_CODES = 50  # distinct reason codes kept; the rest count as OTHER
MAX_FIELDS = 20  # distinct fields kept per code
MAX_TEXT = 200  # characters of an example's description
THROTTLED_STATUS = 429  # answered "too many requests": a transport failure, counted apart too
OTHER = "OTHER"  # codes (or fields) past the bounds
NO_CODE = "UNCODED"  # a message without a code (a receiver that gives none)
NO_MESSAGE = "NO_MESSAGE"  # a bad verdict that came with no message at all


@dataclass(frozen=True, slots=True)
class Example:
    """One bad request of a code: what it was, and the first message of that code it got."""

    name: str  # stats name: identify, event/buy
    visitor: int
    journey: str
    field: str
    description: str


@dataclass(slots=True)
class CodeGroup:
    """The bad requests of one reason code: how many, on which fields, and one example."""

    code: str
    requests: int = 0  # requests with at least one message of this code
    fields: Counter[str] = field(default_factory=Counter)  # messages of this code per field
    example: Example | None = None


def _text(value: object) -> str:
    """A receiver's text as one printable line: whitespace runs as one space, no lone surrogate."""
    text = " ".join(str(value).encode("utf-8", "replace").decode("utf-8").split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."


class RunTally:
    """The run's outcome counts (see the module), bad verdicts by reason code and field,
    verdicts, journeys, and when requests were in flight.

    Feed it every record (:meth:`add`, or call it as ``on_records``). Memory
    is bounded by :data:`MAX_CODES` × :data:`MAX_FIELDS` and the journeys'
    names (a scenario's journeys, or a recording's visitors).
    """

    def __init__(self) -> None:
        self.codes: dict[str, CodeGroup] = {}
        self.sent = 0
        self.succeeded = 0  # went through (no error): good + bad + not_judged
        self.transport = 0  # failed: no answer, or an answer the contract counts as failed
        self.throttled = 0  # of those, answered 429
        self.good = 0  # went through, judged good (with or without warnings)
        self.bad = 0  # went through, judged bad
        self.not_judged = 0  # went through, no verdict
        self.verdicts: Counter[str] = Counter()  # good / warn / bad of requests that went through
        self.first_sent: float | None = None  # epoch seconds
        self.last_done: float | None = None  # epoch seconds the last answer (or failure) came
        self.requests_by_journey: Counter[str] = Counter()
        self.failures_by_journey: Counter[str] = Counter()
        self.bad_by_journey: Counter[str] = Counter()

    def __call__(self, records: list[RequestRecord]) -> None:
        self.add(records)

    def add(self, records: Iterable[RequestRecord]) -> None:
        for record in records:
            sent = record.time
            done = sent + max(record.latency_ms, 0.0) / 1000
            if self.first_sent is None or sent < self.first_sent:
                self.first_sent = sent
            if self.last_done is None or done > self.last_done:
                self.last_done = done
            journey = record.journey
            self.sent += 1
            self.requests_by_journey[journey] += 1
            if record.error is not None:
                self.transport += 1
                self.throttled += record.status == THROTTLED_STATUS
                self.failures_by_journey[journey] += 1
                continue
            self.succeeded += 1
            verdict = record.verdict
            if verdict is None:
                self.not_judged += 1
                continue
            self.verdicts[verdict] += 1
            if verdict == "bad":
                self.bad += 1
                self.bad_by_journey[journey] += 1
                self._bad(record)
            else:
                self.good += 1

    def _bad(self, record: RequestRecord) -> None:
        seen: set[str] = set()
        messages = record.verdict_messages or ({"code": NO_MESSAGE, "description": ""},)
        for message in messages:
            code = _text(message.get("code") or NO_CODE)[:60]
            group = self.codes.get(code)
            if group is None:
                if len(self.codes) >= MAX_CODES:
                    code = OTHER
                    group = self.codes.get(OTHER)
                if group is None:
                    group = self.codes[code] = CodeGroup(code)
            where = _text(message.get("fieldPath", ""))
            if where not in group.fields and len(group.fields) >= MAX_FIELDS:
                where = OTHER
            group.fields[where] += 1
            if code not in seen:
                seen.add(code)
                group.requests += 1
            if group.example is None:
                group.example = Example(
                    record.name,
                    record.visitor,
                    record.journey,
                    where,
                    _text(message.get("description", "")),
                )

    @property
    def judged_bad(self) -> int:
        """The summary's name for :attr:`bad`: went through, judged bad by the receiver."""
        return self.bad

    def counts(self) -> dict[str, int]:
        """The outcome counts, by the names the summary JSON gives them."""
        return {
            "sent": self.sent,
            "succeeded": self.succeeded,
            "transport": self.transport,
            "throttled": self.throttled,
            "judged_good": self.good,
            "judged_bad": self.bad,
            "not_judged": self.not_judged,
        }

    def line(self) -> str:
        """One line for the summary, the Run panel, the status bar and the dashboard."""
        if not self.sent:
            return "No requests sent yet."
        throttled = f", {self.throttled:,} throttled" if self.throttled else ""
        return (
            f"{plural(self.sent, 'request')} sent: {self.succeeded:,} succeeded,"
            f" {self.transport:,} failed (transport{throttled}) · judged {self.good:,} good,"
            f" {self.bad:,} bad, {self.not_judged:,} not judged"
        )

    def short(self) -> str:
        """The status bar's compact form of :meth:`line`."""
        if not self.sent:
            return "Run: nothing sent"
        return (
            f"Run: {self.sent:,} sent · {self.transport:,} failed · {self.good:,} good"
            f" · {self.bad:,} bad · {self.not_judged:,} not judged"
        )

    def ranked(self) -> list[CodeGroup]:
        """The codes, most requests first (then by name)."""
        return sorted(self.codes.values(), key=lambda g: (-g.requests, g.code))

    @property
    def sending_time(self) -> float:
        """Seconds from the first request sent to the last answer: the time requests were in flight."""
        if self.first_sent is None or self.last_done is None:
            return 0.0
        return max(self.last_done - self.first_sent, 0.0)
