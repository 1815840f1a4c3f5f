"""Per-endpoint statistics with bucketed latencies, as Locust keeps them.

Latencies are not stored one by one: each is rounded into a bucket (about 1%
wide: 147 ms counts as 150 ms), so memory stays bounded on a run of millions
of requests and percentiles come straight from the bucket counts.
"""

from __future__ import annotations

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
