"""Live statistics, no Qt: per-endpoint stats, a per-second timeline, the funnel so far.

Fed with the same flushed batches as the log. The per-endpoint table is the
core's :class:`StatsTable` (bucketed latencies); the measured funnel is the
core's :class:`MeasuredFunnel`, counted as visitors go: a visitor counts once
it has sent anything, and a step type once the visitor has sent it.

The timeline keeps one :class:`Second` per epoch second of the last
:data:`RPS_WINDOW` seconds: requests, transport and contract failures, and a
bucketed latency histogram (the core's :class:`EndpointStats`), so the
dashboard draws percentiles over time from aggregates, never from rows.
Orders and revenue are read from the buy requests that got through and were
not judged bad. Visitors' countries and devices come from the run's journey
engine (records do not carry them), looked up a bounded number per call of
:meth:`LiveStats.resolve_visitors`, so a fast run never stalls the window.
"""

from __future__ import annotations

from collections import Counter, OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulator_app.core.funnel import Funnel, MeasuredFunnel, expected_funnel, order_value
from simulator_app.core.model import Scenario
from simulator_app.core.record import RequestRecord
from simulator_app.core.stats import EndpointStats, StatsTable

if TYPE_CHECKING:
    from simulator_app.core.journey import JourneyEngine

RPS_WINDOW = 300  # seconds of requests-per-second history kept for the chart
_TRACKED_VISITORS = 65_536  # visitors whose step types are remembered (the active ones)
RESOLVE_PER_CALL = 2_000  # visitors' countries and devices looked up per resolve_visitors()
_PENDING_VISITORS = 200_000  # new visitors waiting for that lookup, at most


class Second:
    """One second of the timeline: requests, failures by kind, latencies."""

    __slots__ = ("contract", "latency", "requests", "transport")

    def __init__(self) -> None:
        self.requests = 0
        self.transport = 0  # no answer, or an error status
        self.contract = 0  # answered, judged bad by the receiver
        self.latency = EndpointStats("")


@dataclass(frozen=True, slots=True)
class Series:
    """The timeline as the dashboard plots it: one value per second, oldest first."""

    seconds: list[int]
    requests: list[int]
    p50: list[float]
    p95: list[float]
    p99: list[float]
    transport: list[int]
    contract: list[int]


class LiveStats:
    """What the dashboard and the stats tables show, updated batch by batch.

    ``version`` grows with every batch, so a view redraws only when it changed.
    """

    def __init__(self) -> None:
        self.scenario: Scenario | None = None
        self._engine: tuple[Scenario, JourneyEngine] | None = None
        self.reset()

    def reset(self) -> None:
        self.table = StatsTable()
        self.measured = MeasuredFunnel()
        self._steps_of: OrderedDict[int, set[str]] = OrderedDict()
        self.seconds: dict[int, Second] = {}  # epoch second -> its figures
        self._newest = 0
        self.requests = 0
        self.failures = 0  # transport failures
        self.contract_failures = 0
        self.orders = 0
        self.revenue_cents = 0
        self.countries: Counter[str] = Counter()
        self.devices: Counter[str] = Counter()
        self._unresolved: deque[int] = deque(maxlen=_PENDING_VISITORS)
        self.version = 0

    def add(self, records: Iterable[RequestRecord]) -> None:
        table, measured, steps_of, seconds = (
            self.table,
            self.measured,
            self._steps_of,
            self.seconds,
        )
        unresolved = self._unresolved
        newest = self._newest
        for r in records:
            ok = r.error is None
            bad = ok and r.verdict == "bad"
            table.record(r.name, r.latency_ms, ok)
            self.requests += 1
            self.failures += not ok
            self.contract_failures += bad
            second = int(r.time)
            bucket = seconds.get(second)
            if bucket is None:
                bucket = seconds[second] = Second()
                newest = max(newest, second)
            bucket.requests += 1
            bucket.transport += not ok
            bucket.contract += bad
            bucket.latency.record(r.latency_ms, ok)
            if ok and not bad and r.step == "buy" and r.request_body is not None:
                order = order_value(r.request_body)
                if order is not None:
                    self.orders += 1
                    self.revenue_cents += order[1]
            seen = steps_of.get(r.visitor)
            if seen is None:
                seen = steps_of[r.visitor] = set()
                measured.visitors += 1
                unresolved.append(r.visitor)
                if len(steps_of) > _TRACKED_VISITORS:
                    steps_of.popitem(last=False)
            if r.step not in seen:
                seen.add(r.step)
                measured.reached[r.step] += 1
        self._newest = newest
        if len(seconds) > RPS_WINDOW:
            for old in [s for s in seconds if newest - s >= RPS_WINDOW]:
                del seconds[old]
        self.version += 1

    def timeline(self) -> list[tuple[int, Second | None]]:
        """Every second of the window, oldest first; None for a quiet second."""
        if not self.seconds:
            return []
        start, stop = min(self.seconds), max(self.seconds)
        return [(s, self.seconds.get(s)) for s in range(start, stop + 1)]

    def series(self) -> Series:
        """Per second: requests, latency p50/p95/p99 (ms; 0 when quiet), failures by kind."""
        line = self.timeline()
        quiet = Second()
        buckets = [b or quiet for _, b in line]
        return Series(
            seconds=[s for s, _ in line],
            requests=[b.requests for b in buckets],
            p50=[b.latency.percentile(0.50) for b in buckets],
            p95=[b.latency.percentile(0.95) for b in buckets],
            p99=[b.latency.percentile(0.99) for b in buckets],
            transport=[b.transport for b in buckets],
            contract=[b.contract for b in buckets],
        )

    def rates(self) -> list[tuple[int, int]]:
        """Requests per second, oldest first, with quiet seconds filled in as zero."""
        return [(s, b.requests if b else 0) for s, b in self.timeline()]

    @property
    def revenue(self) -> float:
        return self.revenue_cents / 100

    @property
    def average_order_value(self) -> float:
        return self.revenue / self.orders if self.orders else 0.0

    def resolve_visitors(self, limit: int = RESOLVE_PER_CALL) -> int:
        """Count up to ``limit`` new visitors by country and device; returns how many are left.

        Their country and device are the run's journey engine's, for the
        visitor index each record carries (the same visitor the run sent).
        """
        pending = self._unresolved
        if not pending or self.scenario is None:
            return len(pending)
        if self._engine is None or self._engine[0] is not self.scenario:
            from simulator_app.core.journey import JourneyEngine

            self._engine = (self.scenario, JourneyEngine(self.scenario))
        engine = self._engine[1]
        for _ in range(min(limit, len(pending))):
            visitor = engine.visitor(pending.popleft())
            self.countries[visitor.country] += 1
            self.devices[visitor.device.kind] += 1
        self.version += 1
        return len(pending)

    def expected(self) -> Funnel | None:
        return None if self.scenario is None else expected_funnel(self.scenario)

    def funnel_rows(self) -> list[tuple[str, float | None, float | None]]:
        """(step type, expected share or None, measured share or None) in funnel order."""
        expected = self.expected()
        measured = self.measured.funnel() if self.measured.visitors else None
        exp = dict(expected.ordered()) if expected else {}
        got = dict(measured.ordered()) if measured else {}
        order = (expected or measured or Funnel({})).ordered()
        return [(t, exp.get(t), got.get(t)) for t, _ in order]
