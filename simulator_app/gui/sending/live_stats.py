"""Live statistics, no Qt: per-endpoint stats, a per-second timeline, the funnel so far.

Fed with the same flushed batches as the log. The per-endpoint table is the
core's :class:`StatsTable` (bucketed latencies); the measured funnel is the
core's :class:`MeasuredFunnel`, counted as visitors go: a visitor counts once
it has sent anything, and a step type once the visitor has sent it.

The timeline keeps one :class:`Second` per epoch second of the last
:data:`RPS_WINDOW` seconds: requests, transport and contract failures, and a
bucketed latency histogram (the core's :class:`EndpointStats`), so the
dashboard draws percentiles over time from aggregates, never from rows.
A second keeps its percentiles until it gets another request, so drawing the
timeline costs only the seconds that changed. Orders and revenue are read from
the buy requests that got through and were not judged bad.

Visitors' countries and devices come from the run's journey engine (records do
not carry them). Building that engine and looking visitors up take the GUI
thread tens of milliseconds, so a worker thread does both:
:meth:`LiveStats.resolve_visitors` only counts what it found so far and starts
it when new visitors wait. It ends when nothing was left to look up for a
while, or on :meth:`LiveStats.shutdown`.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from simulator_app.core.funnel import Funnel, MeasuredFunnel, expected_funnel, order_value
from simulator_app.core.model import Scenario
from simulator_app.core.record import RequestRecord
from simulator_app.core.stats import EndpointStats, StatsTable
from simulator_app.core.verdicts import RunTally

if TYPE_CHECKING:
    from simulator_app.core.journey import JourneyEngine

RPS_WINDOW = 300  # seconds of requests-per-second history kept for the chart
_TRACKED_VISITORS = 65_536  # visitors whose step types are remembered (the active ones)
_LOOKUP_CHUNK = 16  # visitors the worker looks up between two chances for the GUI thread
_LINGER = 2.0  # seconds the worker waits for more visitors before it ends
_PENDING_VISITORS = 200_000  # new visitors waiting for that lookup, at most
RECENT_SECONDS = 5  # the window of the "requests per second now" figure


class Second:
    """One second of the timeline: requests, failures by kind, latencies."""

    __slots__ = ("_percentiles", "contract", "latency", "requests", "transport")

    def __init__(self) -> None:
        self.requests = 0
        self.transport = 0  # no answer, or an error status
        self.contract = 0  # answered, judged bad by the receiver
        self.latency = EndpointStats("")
        self._percentiles: tuple[int, float, float, float] = (0, 0.0, 0.0, 0.0)

    def percentiles(self) -> tuple[float, float, float]:
        """Latency p50, p95 and p99 in ms (0 when quiet), kept until the second changes."""
        count, p50, p95, p99 = self._percentiles
        if count != self.latency.count:
            latency = self.latency
            p50, p95, p99 = (latency.percentile(q) for q in (0.50, 0.95, 0.99))
            self._percentiles = (latency.count, p50, p95, p99)
        return p50, p95, p99


@dataclass(eq=False, slots=True)
class _Lookup:
    """One run's visitors waiting for their country and device, and those found.

    The GUI thread appends to ``pending`` and takes from ``found``; the worker
    does the opposite (both deques are safe across threads). ``wanted`` and
    ``counted`` are the GUI thread's alone.
    """

    pending: deque[int] = field(default_factory=deque)
    found: deque[tuple[str, str]] = field(default_factory=deque)
    wake: threading.Event = field(default_factory=threading.Event)  # set: more to look up
    wanted: int = 0
    counted: int = 0
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True
        self.wake.set()


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
        self._engine_lock = threading.Lock()  # one worker at a time uses the engine
        self._worker: threading.Thread | None = None
        self._lookup = _Lookup()
        self.reset()

    def reset(self) -> None:
        self.table = StatsTable()
        self.measured = MeasuredFunnel()
        self._steps_of: OrderedDict[int, set[str]] = OrderedDict()
        self.seconds: dict[int, Second] = {}  # epoch second -> its figures
        self._newest = 0
        self.tally = RunTally()  # the counts every view shows
        self.bad_by_name: Counter[str] = Counter()  # judged bad, per endpoint (stats name)
        self.orders = 0
        self.revenue_cents = 0
        self.countries: Counter[str] = Counter()
        self.devices: Counter[str] = Counter()
        self._lookup.cancel()  # its worker stops at its next chunk
        self._lookup = _Lookup()
        self.version = 0

    def add(self, records: Iterable[RequestRecord]) -> None:
        table, measured, steps_of, seconds = (
            self.table,
            self.measured,
            self._steps_of,
            self.seconds,
        )
        lookup = self._lookup
        unresolved = lookup.pending
        newest = self._newest
        records = list(records)
        self.tally.add(records)
        for r in records:
            ok = r.error is None
            bad = ok and r.verdict == "bad"
            table.record(r.name, r.latency_ms, ok)
            if bad:
                self.bad_by_name[r.name] += 1
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
                if len(unresolved) < _PENDING_VISITORS:
                    unresolved.append(r.visitor)
                    lookup.wanted += 1
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
        percentiles = [b.percentiles() for b in buckets]
        return Series(
            seconds=[s for s, _ in line],
            requests=[b.requests for b in buckets],
            p50=[p[0] for p in percentiles],
            p95=[p[1] for p in percentiles],
            p99=[p[2] for p in percentiles],
            transport=[b.transport for b in buckets],
            contract=[b.contract for b in buckets],
        )

    def recent_rate(self, now: float | None = None) -> float:
        """Requests per second over the last :data:`RECENT_SECONDS` whole seconds."""
        end = int(time.time() if now is None else now)
        seconds = self.seconds
        total = sum(seconds[s].requests for s in range(end - RECENT_SECONDS, end) if s in seconds)
        return total / RECENT_SECONDS

    def rates(self) -> list[tuple[int, int]]:
        """Requests per second, oldest first, with quiet seconds filled in as zero."""
        return [(s, b.requests if b else 0) for s, b in self.timeline()]

    @property
    def requests(self) -> int:
        return self.tally.sent

    @property
    def failures(self) -> int:
        """Transport failures (the tally's)."""
        return self.tally.transport

    @property
    def contract_failures(self) -> int:
        """Delivered and judged bad (the tally's)."""
        return self.tally.bad

    @property
    def revenue(self) -> float:
        return self.revenue_cents / 100

    @property
    def average_order_value(self) -> float:
        return self.revenue / self.orders if self.orders else 0.0

    def resolve_visitors(self) -> int:
        """Count the visitors looked up so far by country and device; returns how many are left.

        Their country and device are the run's journey engine's, for the
        visitor index each record carries (the same visitor the run sent). A
        worker thread looks them up (and builds the engine first); this call
        only counts what it found and starts it when visitors wait. Cheap
        enough for every timer tick.
        """
        lookup = self._lookup
        found = lookup.found
        countries, devices = self.countries, self.devices
        n = 0
        while found:
            country, device = found.popleft()
            countries[country] += 1
            devices[device] += 1
            n += 1
        if n:
            lookup.counted += n
            self.version += 1
        left = lookup.wanted - lookup.counted
        if self._worker is not None and not self._worker.is_alive():
            self._worker.join()
            self._worker = None
        if not lookup.pending or self.scenario is None:
            return left
        if self._worker is not None:
            lookup.wake.set()  # for a worker waiting for more
        else:
            worker = threading.Thread(
                target=self._look_up,
                args=(lookup, self.scenario),
                name="live-stats-visitors",
                daemon=True,
            )
            self._worker = worker
            worker.start()
        return left

    def _look_up(self, lookup: _Lookup, scenario: Scenario) -> None:
        """The worker: find each pending visitor's country and device; end when idle a while."""
        pending, found = lookup.pending, lookup.found
        while not lookup.cancelled:
            if not pending:
                lookup.wake.clear()
                if not pending and not lookup.wake.wait(_LINGER):
                    return
                continue
            with self._engine_lock:
                engine = self._engine_for(scenario)
                for _ in range(min(_LOOKUP_CHUNK, len(pending))):
                    visitor = engine.visitor(pending.popleft())
                    found.append((visitor.country, visitor.device.kind))
            time.sleep(0)  # let the GUI thread have the interpreter

    def _engine_for(self, scenario: Scenario) -> JourneyEngine:
        if self._engine is None or self._engine[0] is not scenario:
            from simulator_app.core.journey import JourneyEngine

            self._engine = (scenario, JourneyEngine(scenario))
        return self._engine[1]

    def shutdown(self) -> None:
        """Stop looking visitors up and wait for the worker (before the window goes away)."""
        self._lookup.cancel()
        if self._worker is not None:
            self._worker.join()
            self._worker = None

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
