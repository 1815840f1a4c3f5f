"""Live statistics, no Qt: per-endpoint stats, requests per second, the funnel so far.

Fed with the same flushed batches as the log. The per-endpoint table is the
core's :class:`StatsTable` (bucketed latencies); the measured funnel is the
core's :class:`MeasuredFunnel`, counted as visitors go: a visitor counts once
it has sent anything, and a step type once the visitor has sent it.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable

from simulator_app.core.funnel import Funnel, MeasuredFunnel, expected_funnel
from simulator_app.core.model import Scenario
from simulator_app.core.record import RequestRecord
from simulator_app.core.stats import StatsTable

RPS_WINDOW = 300  # seconds of requests-per-second history kept for the chart
_TRACKED_VISITORS = 65_536  # visitors whose step types are remembered (the active ones)


class LiveStats:
    """What the stats tab shows, updated batch by batch."""

    def __init__(self) -> None:
        self.scenario: Scenario | None = None
        self.reset()

    def reset(self) -> None:
        self.table = StatsTable()
        self.measured = MeasuredFunnel()
        self._steps_of: OrderedDict[int, set[str]] = OrderedDict()
        self.per_second: deque[tuple[int, int]] = deque()  # (epoch second, requests)
        self.requests = 0
        self.failures = 0

    def add(self, records: Iterable[RequestRecord]) -> None:
        table, measured, steps_of, per_second = (
            self.table,
            self.measured,
            self._steps_of,
            self.per_second,
        )
        for r in records:
            ok = r.ok
            table.record(r.name, r.latency_ms, ok)
            self.requests += 1
            self.failures += not ok
            second = int(r.time)
            if per_second and per_second[-1][0] == second:
                per_second[-1] = (second, per_second[-1][1] + 1)
            elif not per_second or per_second[-1][0] < second:
                per_second.append((second, 1))
            else:  # a late record from a slower worker: add it to its own second
                self._add_late(second)
            seen = steps_of.get(r.visitor)
            if seen is None:
                seen = steps_of[r.visitor] = set()
                measured.visitors += 1
                if len(steps_of) > _TRACKED_VISITORS:
                    steps_of.popitem(last=False)
            if r.step not in seen:
                seen.add(r.step)
                measured.reached[r.step] += 1
        while per_second and per_second[-1][0] - per_second[0][0] >= RPS_WINDOW:
            per_second.popleft()

    def _add_late(self, second: int) -> None:
        for i in range(len(self.per_second) - 1, -1, -1):
            at, count = self.per_second[i]
            if at == second:
                self.per_second[i] = (at, count + 1)
                return
            if at < second:
                self.per_second.insert(i + 1, (second, 1))
                return
        if self.per_second[0][0] - second < RPS_WINDOW:
            self.per_second.appendleft((second, 1))

    def rates(self) -> list[tuple[int, int]]:
        """Requests per second, oldest first, with quiet seconds filled in as zero."""
        if not self.per_second:
            return []
        counts = dict(self.per_second)
        start, stop = self.per_second[0][0], self.per_second[-1][0]
        return [(s, counts.get(s, 0)) for s in range(start, stop + 1)]

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
