"""What a run's records say, counted as they come: bad verdicts by reason code, the sending span.

:class:`RunTally` is fed every batch of records (a runner's ``on_records``)
and keeps bounded counters, never a record. The summary, its JSON and JUnit
files and the HTML report read one tally, so they count the same requests:
a request the summary calls "judged bad" is one whose record went through
(no ``error``) with the receiver's ``bad`` verdict (``RequestRecord.contract_failed``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from simulator_app.core.record import RequestRecord

MAX_CODES = 50  # distinct reason codes kept; the rest count as OTHER
MAX_FIELDS = 20  # distinct fields kept per code
MAX_TEXT = 200  # characters of an example's description
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
    """Bad verdicts by reason code and field, verdicts, journeys, and when requests were in flight.

    Feed it every record (:meth:`add`, or call it as ``on_records``). Memory
    is bounded by :data:`MAX_CODES` × :data:`MAX_FIELDS` and the journeys'
    names (a scenario's journeys, or a recording's visitors).
    """

    def __init__(self) -> None:
        self.codes: dict[str, CodeGroup] = {}
        self.judged_bad = 0  # requests that went through, judged bad
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
            self.requests_by_journey[journey] += 1
            if record.error is not None:
                self.failures_by_journey[journey] += 1
                continue
            if record.verdict is not None:
                self.verdicts[record.verdict] += 1
            if record.verdict == "bad":
                self.judged_bad += 1
                self.bad_by_journey[journey] += 1
                self._bad(record)

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

    def ranked(self) -> list[CodeGroup]:
        """The codes, most requests first (then by name)."""
        return sorted(self.codes.values(), key=lambda g: (-g.requests, g.code))

    @property
    def sending_time(self) -> float:
        """Seconds from the first request sent to the last answer: the time requests were in flight."""
        if self.first_sent is None or self.last_done is None:
            return 0.0
        return max(self.last_done - self.first_sent, 0.0)
