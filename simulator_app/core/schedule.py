"""Arrival schedules: when each visitor starts, as seconds after the run begins.

Patterns: ``burst`` (everyone at once), ``steady`` (evenly spaced), ``ramp``
(the arrival rate grows linearly from zero), ``poisson`` (random arrivals at a
constant mean rate) and ``daily`` (the rate follows an hour-of-day curve, for
long demo runs; ``hours`` of the curve are compressed into ``duration``).
Offsets are produced lazily and are the same for the same seed.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Iterator

from simulator_app.core.model import Schedule

# Share of a day's shop visits in each clock hour: quiet nights, a lunch bump,
# the evening peak.
DEFAULT_DAILY_CURVE: tuple[float, ...] = (
    1.0, 0.6, 0.4, 0.3, 0.3, 0.5, 1.0, 2.0, 3.0, 3.6, 4.0, 4.4,
    5.0, 4.8, 4.2, 4.0, 4.2, 4.8, 5.6, 6.4, 6.8, 6.0, 4.2, 2.4,
)  # fmt: skip


def arrival_offsets(schedule: Schedule, seed: int) -> Iterator[float]:
    """Start offsets, in seconds and in order, for ``schedule.visitors`` visitors."""
    n, span = schedule.visitors, max(schedule.duration, 0.0)
    if n <= 0:
        return
    if schedule.pattern == "burst" or span == 0:
        yield from itertools.repeat(0.0, n)
    elif schedule.pattern == "steady":
        for i in range(n):
            yield span * i / n
    elif schedule.pattern == "ramp":
        # rate(t) ∝ t, so the share arrived by t is (t/span)²
        for i in range(n):
            yield span * math.sqrt(i / n)
    elif schedule.pattern == "poisson":
        rng = random.Random(f"nitrox-arrivals/{seed}")
        t, mean_gap = 0.0, span / n
        for _ in range(n):
            yield min(t, span)
            # a unit exponential scaled, not expovariate(1 / mean_gap): a tiny
            # duration would make that rate infinite
            t += rng.expovariate(1.0) * mean_gap
    elif schedule.pattern == "daily":
        yield from _daily(schedule, span, seed)
    else:
        raise ValueError(f"unknown arrival pattern {schedule.pattern!r}")


def _daily(schedule: Schedule, span: float, seed: int) -> Iterator[float]:
    curve = schedule.curve or DEFAULT_DAILY_CURVE
    # Piecewise-constant rate over the run, one piece per (part of a) curve hour.
    hours = max(schedule.hours, 1e-9)
    edges = [0.0]
    weights: list[float] = []
    clock = schedule.start_hour
    left = hours
    while left > 1e-9:
        piece = min(left, math.floor(clock) + 1 - clock)
        weights.append(curve[int(clock) % 24] * piece)
        edges.append(edges[-1] + piece)
        clock += piece
        left -= piece
    cum = list(itertools.accumulate(weights))
    total = cum[-1] or 1.0
    rng = random.Random(f"nitrox-arrivals/{seed}")
    n = schedule.visitors
    for i in range(n):
        share = (i + rng.random()) / n * total
        k = min(bisect.bisect_left(cum, share), len(weights) - 1)
        before = cum[k - 1] if k else 0.0
        within = (share - before) / weights[k] if weights[k] else 0.0
        hour = edges[k] + within * (edges[k + 1] - edges[k])
        yield span * hour / hours
