"""Campaigns: a scenario's daily or weekly curve laid on the wall clock for days, resumable.

A campaign is one long run of one journey engine: visitor ``i`` of the
campaign is visitor ``i`` of an engine whose schedule spans the whole
campaign (``--for``), so every visitor, e-mail, phone, order id and
``nitro_id`` of a campaign is made once (the engine's keyed permutations
make them distinct by index). The curve's hours are the UTC hours of the
campaign clock, and the engine's :class:`~.schedule.LocalClock` lays each
country's curve at its own local time.

The campaign clock is the wall clock, or a faster one for tests and demos
(``scale`` campaign seconds per wall second). Arrivals are a monotonic
function of the index, so resuming at the current clock time means
starting at the first index not yet reserved whose arrival is still to
come: the hours missed stay missed, and nothing is sent twice.

What the campaign file keeps (:class:`Campaign`) is written atomically
(:func:`~.atomic.write_atomically`): a crash leaves the old file or the new.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulator_app.core.atomic import write_atomically
from simulator_app.core.model import Scenario
from simulator_app.core.schedule import CURVE_HOURS, LocalClock

FORMAT = 1  # the campaign file's format version
DAY = 86_400.0
MAX_LENGTH = 366 * DAY  # campaign seconds a campaign may last ("until stopped" is this long)
MAX_CAMPAIGN_VISITORS = 10_000_000  # the identity spaces' room (see core.identities)
_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": DAY, "w": 7 * DAY}
_MONDAY = datetime.datetime(1970, 1, 5, tzinfo=datetime.UTC).timestamp()  # a Monday, 00:00 UTC


class CampaignError(ValueError):
    """A campaign that cannot be made or read (one line: file, field, what)."""


def parse_span(text: str, option: str = "--for") -> float:
    """``"7d"``, ``"36h"``, ``"90m"``, ``"45s"`` or ``"3600"`` as seconds."""
    found = _SPAN.match(text)
    if not found:
        raise CampaignError(f"{option}: {text!r} is not a time such as 7d, 36h, 90m or 600")
    seconds = float(found.group(1)) * _UNITS[found.group(2)]
    if seconds <= 0 or seconds > MAX_LENGTH:
        raise CampaignError(f"{option}: must be above 0 and at most 366d, got {text}")
    return seconds


def hour_of_week(epoch: float) -> float:
    """Hours since the last Monday 00:00 UTC (0 <= h < 168)."""
    return ((epoch - _MONDAY) / 3600.0) % 168.0


@dataclass
class DayCount:
    """What one campaign day (UTC, of the campaign clock) sent."""

    visitors: int = 0
    requests: int = 0
    failures: int = 0
    orders: int = 0
    revenue_cents: int = 0
    countries: dict[str, int] = field(default_factory=dict)
    devices: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)


@dataclass
class Session:
    """One process's part of the campaign: when it began and ended, which indices it began at."""

    began: float  # wall epoch
    first_index: int
    skipped: int  # indices passed over at the start: the visitors of the hours missed
    ended: float | None = None
    how: str = "running"  # running, finished, stopped, or killed (found running on resume)


@dataclass
class Campaign:
    """What a campaign file holds; see the module docstring."""

    scenario: str  # the scenario file's path, as given
    seed: int
    start: float  # the campaign clock's epoch at its beginning (its dates and hours)
    length: float  # campaign seconds it lasts
    visitors_per_day: float
    scale: float = 1.0  # campaign seconds per wall second (1: the wall clock)
    target: str | None = None  # None: the embedded collector
    rate: float | None = None  # requests per second at most
    next_index: int = 0  # every index below may have been sent; none at or above it was
    funnel: dict[str, float] = field(default_factory=dict)  # funnel targets (--funnel)
    wall_start: float | None = None  # wall epoch the first visitor was due: the clock's anchor
    sessions: list[Session] = field(default_factory=list)
    days: dict[str, DayCount] = field(default_factory=dict)

    # -- the clock -------------------------------------------------------------

    @property
    def visitors(self) -> int:
        return max(1, round(self.visitors_per_day * self.length / DAY))

    def clock_at(self, wall: float) -> float:
        """Campaign seconds elapsed at wall time ``wall`` (0 before the first session sent)."""
        if self.wall_start is None:
            return 0.0
        return (wall - self.wall_start) * self.scale

    def wall_remaining(self, wall: float) -> float:
        """Wall seconds from ``wall`` to the campaign's end."""
        if self.wall_start is None:
            return self.wall_length
        return self.wall_start + self.wall_length - wall

    def moment(self, campaign_seconds: float) -> float:
        """The campaign clock's epoch (what the dashboard's hour is) that many seconds in."""
        return self.start + campaign_seconds

    def day_of(self, campaign_seconds: float) -> str:
        moment = datetime.datetime.fromtimestamp(self.moment(campaign_seconds), datetime.UTC)
        return moment.date().isoformat()

    @property
    def wall_length(self) -> float:
        return self.length / self.scale

    def schedule_of(self, scenario: Scenario) -> Scenario:
        """The scenario with its schedule spanning the campaign: its daily or weekly curve
        (weekly by default) from the start's UTC hour, ``duration`` in wall seconds."""
        schedule = scenario.schedule
        pattern = schedule.pattern if schedule.pattern in CURVE_HOURS else "weekly"
        curve = schedule.curve if schedule.pattern in CURVE_HOURS else ()
        start = hour_of_week(self.start)
        if pattern == "daily":
            start %= 24.0
        schedule = dataclasses.replace(
            schedule,
            pattern=pattern,
            curve=curve,
            visitors=self.visitors,
            duration=self.wall_length,
            start_hour=start,
            hours=self.length / 3600.0,
        )
        return dataclasses.replace(scenario, schedule=schedule, seed=self.seed)

    # -- the file ----------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, **dataclasses.asdict(self)}

    @classmethod
    def from_json(cls, data: Any, where: str) -> Campaign:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise CampaignError(f"{where}: not a nitrox-sim campaign file (format {FORMAT})")
        try:
            sessions = [Session(**s) for s in data.get("sessions", [])]
            days = {str(k): DayCount(**v) for k, v in data.get("days", {}).items()}
            campaign = cls(
                scenario=str(data["scenario"]),
                seed=int(data["seed"]),
                start=float(data["start"]),
                length=float(data["length"]),
                visitors_per_day=float(data["visitors_per_day"]),
                scale=float(data.get("scale", 1.0)),
                target=data.get("target"),
                rate=None if data.get("rate") is None else float(data["rate"]),
                next_index=int(data.get("next_index", 0)),
                funnel={str(k): float(v) for k, v in data.get("funnel", {}).items()},
                wall_start=None if data.get("wall_start") is None else float(data["wall_start"]),
                sessions=sessions,
                days=days,
            )
        except KeyError as exc:
            raise CampaignError(f"{where}: field {exc.args[0]!r} is missing") from None
        except (TypeError, ValueError) as exc:
            raise CampaignError(f"{where}: a field has the wrong kind of value: {exc}") from None
        if not (campaign.scale > 0 and campaign.length > 0 and campaign.visitors_per_day > 0):
            raise CampaignError(f"{where}: scale, length and visitors_per_day must be above 0")
        return campaign

    def save(self, path: str) -> None:
        """Write atomically (OSError when it cannot: the old file is left as it was)."""
        write_atomically(path, json.dumps(self.to_json(), indent=1, sort_keys=True) + "\n")

    @classmethod
    def load(cls, path: str) -> Campaign:
        try:
            with open(path, encoding="utf-8") as stream:
                text = stream.read()
        except OSError as exc:
            raise CampaignError(f"{path}: cannot read: {exc.strerror}") from None
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise CampaignError(f"{path}: line {getattr(exc, 'lineno', '?')}: not JSON") from None
        return cls.from_json(data, path)


def first_due(clock: LocalClock, total: int, elapsed_wall: float, at_least: int) -> int:
    """The first index at or after ``at_least`` whose arrival is not yet past.

    Arrivals grow with the index (see :meth:`LocalClock.hour`), so this is a bisection.
    """
    offsets = _Offsets(clock.offset)
    return max(at_least, bisect.bisect_left(offsets, elapsed_wall, 0, total))


class _Offsets:
    """A lazy sequence of arrival offsets, for bisect."""

    def __init__(self, offset: Callable[[int], float]) -> None:
        self.offset = offset

    def __getitem__(self, index: int) -> float:
        return self.offset(index)


def ceiling_rate(peak_visitors_per_second: float, requests_per_visitor: float) -> float:
    """The default rate ceiling: three times the busiest quarter hour's requests, at least 1/s."""
    return max(1.0, math.ceil(3 * peak_visitors_per_second * max(requests_per_visitor, 1.0)))
