"""Per-endpoint statistics with bucketed latencies, as Locust keeps them.

Latencies are not stored one by one: each is rounded into a bucket (about 1%
wide: 147 ms counts as 150 ms), so memory stays bounded on a run of millions
of requests and percentiles come straight from the bucket counts.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from dataclasses import dataclass, field


def bucket(latency_ms: float) -> float:
    """The bucket a latency falls in: two significant digits, as Locust rounds."""
    if latency_ms <= 0:
        return 0.0
    if latency_ms < 100:
        return round(latency_ms, 1) if latency_ms < 10 else float(round(latency_ms))
    digits = int(math.log10(latency_ms)) - 1
    step = 10**digits
    return float(round(latency_ms / step) * step)


@dataclass(slots=True)
class EndpointStats:
    """Counts, failures and a latency histogram for one endpoint."""

    name: str
    count: int = 0
    failures: int = 0
    total_ms: float = 0.0
    max_ms: float = 0.0
    histogram: Counter[float] = field(default_factory=Counter)

    def record(self, latency_ms: float, ok: bool) -> None:
        self.count += 1
        if not ok:
            self.failures += 1
        self.total_ms += latency_ms
        self.max_ms = max(self.max_ms, latency_ms)
        self.histogram[bucket(latency_ms)] += 1

    def merge(self, other: EndpointStats) -> None:
        self.count += other.count
        self.failures += other.failures
        self.total_ms += other.total_ms
        self.max_ms = max(self.max_ms, other.max_ms)
        self.histogram.update(other.histogram)

    @property
    def mean_ms(self) -> float:
        return self.total_ms / self.count if self.count else 0.0

    def percentile(self, q: float) -> float:
        """The latency below which a share ``q`` (0..1) of requests fell."""
        if not self.count:
            return 0.0
        wanted = max(1, math.ceil(q * self.count))
        seen = 0
        for value in sorted(self.histogram):
            seen += self.histogram[value]
            if seen >= wanted:
                return value
        return self.max_ms


@dataclass(frozen=True, slots=True)
class StatsRow:
    """One line of a statistics table."""

    name: str
    count: int
    failures: int
    p50: float
    p95: float
    p99: float
    mean: float
    max: float


class StatsTable:
    """Statistics per endpoint name, plus a total."""

    TOTAL = "Total"

    def __init__(self) -> None:
        self.endpoints: dict[str, EndpointStats] = {}

    def record(self, name: str, latency_ms: float, ok: bool) -> None:
        stats = self.endpoints.get(name)
        if stats is None:
            stats = self.endpoints[name] = EndpointStats(name)
        stats.record(latency_ms, ok)

    def total(self) -> EndpointStats:
        out = EndpointStats(self.TOTAL)
        for stats in self.endpoints.values():
            out.merge(stats)
        return out

    @property
    def failures(self) -> int:
        return sum(s.failures for s in self.endpoints.values())

    def rows(self, with_total: bool = True) -> list[StatsRow]:
        """One row per endpoint, sorted by name, and the total last."""
        items = [self.endpoints[k] for k in sorted(self.endpoints)]
        if with_total:
            items.append(self.total())
        return [
            StatsRow(
                s.name,
                s.count,
                s.failures,
                s.percentile(0.50),
                s.percentile(0.95),
                s.percentile(0.99),
                s.mean_ms,
                s.max_ms,
            )
            for s in items
        ]


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """One slot of a :class:`TimeSeries`: its start, rates and latency percentiles."""

    start: float  # seconds from the series' start
    width: float  # seconds
    ok: int  # successful requests sent in the slot
    failures: int
    p50: float  # latency percentiles of the successful requests, ms (0 when none)
    p95: float
    p99: float

    @property
    def ok_per_second(self) -> float:
        return self.ok / self.width

    @property
    def failures_per_second(self) -> float:
        return self.failures / self.width


# Slot widths in seconds, each a whole multiple of the one before, so slots of one
# width merge into the next without splitting any; past the last, widths double.
WIDTHS = (0.01, 0.02, 0.1, 0.2, 1.0, 2.0, 10.0, 20.0, 60.0, 120.0, 600.0, 1200.0, 3600.0,
          7200.0, 21600.0, 43200.0, 86400.0)  # fmt: skip


def wider(width: float) -> float:
    """The next slot width after ``width``: a whole multiple of it."""
    for candidate in WIDTHS:
        ratio = candidate / width
        if candidate > width and abs(ratio - round(ratio)) < 1e-9:
            return candidate
    return width * 2


class TimeSeries:
    """Requests per time slot (by when they were sent), in bounded memory.

    Slots start ``width`` seconds wide (1 s by default; the report's start at
    10 ms, so a sub-second run is drawn at its own pace). A run that outlasts
    ``max_slots`` of them has its slots widened to the next of :data:`WIDTHS`,
    neighbouring slots merged, so an hour-long run or a week-long one keeps
    at most ``max_slots`` histograms of bucketed latencies. Latency
    percentiles are those of the successful requests: a refused connection's
    few microseconds say nothing of the target's speed.
    """

    def __init__(self, start: float | None = None, width: float = 1.0, max_slots: int = 600):
        if width <= 0 or max_slots < 2:
            raise ValueError("width must be positive and max_slots at least 2")
        self.start = start
        self.width = width
        self.max_slots = max_slots
        self._ok: list[EndpointStats] = []
        self._failures: list[int] = []

    def record(self, at: float, latency_ms: float, ok: bool) -> None:
        """Count one request sent at epoch time ``at``."""
        start = self.start
        if start is None:
            start = self.start = at
        index = int((at - start) // self.width) if at > start else 0
        if index >= len(self._failures):
            index = self._grow(at - start)
        if ok:
            self._ok[index].record(latency_ms, True)
        else:
            self._failures[index] += 1

    def _grow(self, offset: float) -> int:
        """Slots up to ``offset`` seconds from the start (wider ones past max_slots); its index."""
        index = int(offset // self.width)
        while index >= self.max_slots:
            self._widen(wider(self.width))
            index = int(offset // self.width)
        while len(self._failures) <= index:
            self._ok.append(EndpointStats(""))
            self._failures.append(0)
        return index

    def _widen(self, width: float) -> None:
        """Slots ``width`` wide (a whole multiple of the current width), fewer of them."""
        ok, failures = self._merged(round(width / self.width))
        self._ok, self._failures, self.width = ok, failures, width

    def _merged(self, k: int) -> tuple[list[EndpointStats], list[int]]:
        """The slots merged ``k`` at a time (new objects: the series is left as it is)."""
        ok: list[EndpointStats] = []
        failures: list[int] = []
        for i in range(0, len(self._failures), k):
            merged = EndpointStats("")
            for stats in self._ok[i : i + k]:
                merged.merge(stats)
            ok.append(merged)
            failures.append(sum(self._failures[i : i + k]))
        return ok, failures

    def succeeded(self) -> EndpointStats:
        """Every successful request of the series together (its latency percentiles)."""
        out = EndpointStats("succeeded")
        for stats in self._ok:
            out.merge(stats)
        return out

    def points(self) -> list[SeriesPoint]:
        """Every slot from the first to the last request, empty ones included."""
        return self._points(self._ok, self._failures, self.width)

    def chart_points(self, length: float, bins: int = 120) -> list[SeriesPoint]:
        """Slots for a chart of a run ``length`` seconds long: at most ``bins`` of them.

        The width is the narrowest of :data:`WIDTHS` (from the series' own) that
        covers ``length`` in ``bins`` slots, so a 0.2 s run is drawn in 10 ms
        bars and an hour in 60 s ones. The last slot is as wide as the run
        lasted into it, so its rate is not diluted by time after the run.
        """
        length = max(length, 1e-9)
        width = self.width
        while math.ceil(length / width - 1e-9) > bins:
            width = wider(width)
        ok, failures = self._merged(max(1, round(width / self.width)))
        points = self._points(ok, failures, width)
        if points:
            last = points[-1]
            covered = length - last.start
            if 0 < covered < width:
                points[-1] = dataclasses.replace(last, width=covered)
        return points

    @staticmethod
    def _points(ok: list[EndpointStats], failures: list[int], width: float) -> list[SeriesPoint]:
        return [
            SeriesPoint(
                i * width,
                width,
                s.count,
                n,
                s.percentile(0.50),
                s.percentile(0.95),
                s.percentile(0.99),
            )
            for i, (s, n) in enumerate(zip(ok, failures, strict=True))
        ]
