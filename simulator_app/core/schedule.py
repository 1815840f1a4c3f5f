"""Arrival schedules: when each visitor starts, as seconds after the run begins.

Patterns: ``burst`` (everyone at once), ``steady`` (evenly spaced), ``ramp``
(the arrival rate grows linearly from zero), ``poisson`` (random arrivals at a
constant mean rate), ``daily`` and ``weekly`` (the rate follows an hour-of-day
or hour-of-week curve; ``hours`` of the curve are compressed into
``duration``). Offsets are produced lazily and are the same for the same seed.

Daily and weekly curves are the visitors' own clocks: when the run covers
18:00 UTC, shoppers in India (UTC+5:30) are near midnight and few, shoppers in
the US at lunch. :class:`LocalClock` adds up each country's curve shifted by
its UTC offset, spreads arrivals by that sum, and says which countries are
awake when each visitor arrives (the engine draws its country by those odds).
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Iterator, Sequence

from simulator_app.core.model import Scenario, Schedule
from simulator_app.core.permute import key_of

# Share of a day's shop visits in each clock hour: quiet nights, a lunch bump,
# the evening peak.
DEFAULT_DAILY_CURVE: tuple[float, ...] = (
    1.0, 0.6, 0.4, 0.3, 0.3, 0.5, 1.0, 2.0, 3.0, 3.6, 4.0, 4.4,
    5.0, 4.8, 4.2, 4.0, 4.2, 4.8, 5.6, 6.4, 6.8, 6.0, 4.2, 2.4,
)  # fmt: skip
# Monday to Sunday: a little busier towards the weekend, quieter on Saturday.
_DAY_FACTORS = (0.95, 0.95, 1.0, 1.0, 1.1, 0.9, 1.1)
DEFAULT_WEEKLY_CURVE: tuple[float, ...] = tuple(
    round(h * d, 3) for d in _DAY_FACTORS for h in DEFAULT_DAILY_CURVE
)
CURVE_HOURS = {"daily": 24, "weekly": 168}
_SLOTS_PER_HOUR = 4  # quarter hours: half-hour time zones (India) fall on a slot edge

Zones = Sequence[tuple[float, float]]  # (share of visitors, UTC offset in hours) per country


class LocalClock:
    """Arrivals of a daily or weekly pattern, in the visitors' own time zones.

    ``zones`` lists each country's share and UTC offset (none: one clock, the
    curve's own). ``start_hour`` is the run's start on the curve, in UTC.
    """

    def __init__(self, schedule: Schedule, seed: int, zones: Zones = ()) -> None:
        length = CURVE_HOURS[schedule.pattern]
        default = DEFAULT_DAILY_CURVE if length == 24 else DEFAULT_WEEKLY_CURVE
        self.curve = schedule.curve if len(schedule.curve) == length else default
        self.length = length
        self.zones = tuple(zones) or ((1.0, 0.0),)
        self.hours = max(schedule.span_hours, 1e-9)
        self.start = schedule.start_hour
        self.span = max(schedule.duration, 0.0)
        self.visitors = schedule.visitors
        self._key = key_of("nitrox-arrivals", seed)
        slots = max(1, math.ceil(self.hours * _SLOTS_PER_HOUR))
        self.slot_hours = self.hours / slots
        self.slot_weights = [
            self.country_weights(self.start + (k + 0.5) * self.slot_hours) for k in range(slots)
        ]
        self.upto = list(itertools.accumulate(sum(w) for w in self.slot_weights))
        self.total = self.upto[-1] or 1.0

    def country_weights(self, utc_hour: float) -> list[float]:
        """Each country's arrival rate at ``utc_hour`` of the curve: share × curve at its local hour."""
        return [
            share * self.curve[math.floor(utc_hour + offset) % self.length]
            for share, offset in self.zones
        ]

    def _draw(self, index: int) -> float:
        return random.Random(self._key ^ index).random()

    def hour(self, index: int) -> float:
        """Visitor ``index``'s arrival, in hours of the curve after the start."""
        n = max(self.visitors, 1)
        wanted = (index + self._draw(index)) / n * self.total
        k = min(bisect.bisect_left(self.upto, wanted), len(self.upto) - 1)
        before = self.upto[k - 1] if k else 0.0
        weight = self.upto[k] - before
        within = (wanted - before) / weight if weight else 0.0
        return (k + min(max(within, 0.0), 1.0)) * self.slot_hours

    def offset(self, index: int) -> float:
        """Visitor ``index``'s start, in seconds of the run."""
        return min(self.span, self.span * self.hour(index) / self.hours)

    def slot(self, index: int) -> int:
        """The quarter hour visitor ``index`` arrives in (its countries' odds: ``slot_weights``)."""
        return min(int(self.hour(index) / self.slot_hours), len(self.slot_weights) - 1)


def arrival_offsets(schedule: Schedule, seed: int, zones: Zones = ()) -> Iterator[float]:
    """Start offsets, in seconds and in order, for ``schedule.visitors`` visitors.

    ``zones`` (each country's share and UTC offset) matter to daily and weekly only.
    """
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
    elif schedule.pattern in CURVE_HOURS:
        clock = LocalClock(schedule, seed, zones)
        for i in range(n):
            yield clock.offset(i)
    else:
        raise ValueError(f"unknown arrival pattern {schedule.pattern!r}")


SLACK = 60.0  # seconds a default time limit leaves beyond what the think times can take


def longest_visit(scenario: Scenario) -> float:
    """The most think time one visitor can spend, in seconds, before the think scale.

    Every step at its most repeats and longest think, in the longest journey,
    for the first session and every later one a returning visitor can have,
    with the longest gaps between them.
    """
    journey = max(
        (sum(step.think.high * step.repeat.high for step in j.steps) for j in scenario.journeys),
        default=0.0,
    )
    returning = scenario.identities.returning
    later = int(returning.sessions.high) if returning.share > 0 else 0
    return journey * (1 + later) + returning.after.high * later


def default_time_limit(scenario: Scenario, concurrency: int, think_scale: float) -> float:
    """A hard stop no run of ``scenario`` reaches unless something is wrong.

    Visitors arrive over the schedule's duration; at most ``concurrency`` are
    in flight, so a slot may serve ``visitors / concurrency`` of them one after
    another, each at most :func:`longest_visit` long (scaled); plus a minute
    for the requests themselves.
    """
    rounds = math.ceil(scenario.schedule.visitors / max(1, concurrency))
    return scenario.schedule.duration + rounds * longest_visit(scenario) * think_scale + SLACK
