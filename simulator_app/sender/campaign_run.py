"""A campaign's session: the one load run (:class:`~.runner.LoadRun`) on the campaign's engine.

:class:`CampaignPlanner` is what the load run sends from: the journey engine
of the whole campaign (:meth:`Campaign.schedule_of`), its arrivals from the
first index still due, shifted to the session's start. Before visitor ``i``
sends anything the campaign file says that ``i`` may have been sent
(indices are reserved a block at a time, written atomically), so a kill -9
at any moment leaves a file from which nothing is sent twice.

:class:`CampaignTally` is the run's records callback: it counts each day's
visitors, orders, revenue, countries, devices and failures into the
campaign, prints a line when a day is over and saves the file as it goes.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from typing import TextIO

from simulator_app.core.campaign import Campaign, DayCount, Session, first_due
from simulator_app.core.funnel import order_value
from simulator_app.core.journey import JourneyEngine, PlannedRequest
from simulator_app.core.record import RequestRecord

SAVE_EVERY = 2.0  # wall seconds between saves of the counts (reservations are saved at once)


class CampaignPlanner:
    """The campaign's visitors still due; see the module docstring.

    Where the session starts is decided when the load run starts dispatching
    (:meth:`arrivals`), not when it is made: at a compressed clock the
    seconds a collector takes to start are hours of the campaign.
    """

    def __init__(
        self,
        engine: JourneyEngine,
        campaign: Campaign,
        reserve: Callable[[int], None],
        on_begin: Callable[[Session], None] | None = None,
    ) -> None:
        assert engine.clock is not None  # a campaign's schedule is always a curve
        self.engine = engine
        self.clock = engine.clock
        self.campaign = campaign
        self.reserve = reserve
        self.on_begin = on_begin
        self.total = engine.scenario.schedule.visitors
        self.session: Session | None = None

    def arrivals(self) -> Iterator[tuple[int, float]]:
        session = self.session = begin_session(self.campaign, self.engine, time.time())
        if self.on_begin is not None:
            self.on_begin(session)
        assert self.campaign.wall_start is not None
        already = session.began - self.campaign.wall_start
        offset = self.clock.offset
        for index in range(session.first_index, self.total):
            yield index, offset(index) - already

    def arrival_offsets(self) -> Iterator[float]:
        return (offset for _, offset in self.arrivals())

    def plan(self, index: int) -> Iterator[PlannedRequest]:
        self.reserve(index)  # on disk before its first request goes out
        return self.engine.plan(index)

    @property
    def preview(self) -> JourneyEngine:
        """The same plans without reserving anyone (the run's time left samples them)."""
        return self.engine


class CampaignTally:
    """Counts the campaign's days and keeps its file; see the module docstring."""

    def __init__(
        self,
        campaign: Campaign,
        path: str,
        engine: JourneyEngine,
        out: TextIO | None = None,
        block: int = 16,
    ) -> None:
        self.campaign = campaign
        self.path = path
        self.engine = engine
        self.out = out or sys.stdout
        self.block = max(1, block)
        self._saved = 0.0
        self.day: str | None = None
        self.save_error: str | None = None

    # -- the visitors --------------------------------------------------------------

    def reserve(self, index: int) -> None:
        """Visitor ``index`` starts: counted on its day; the file reserves it first."""
        campaign = self.campaign
        if index >= campaign.next_index:
            campaign.next_index = index + self.block
            self.save(force=True)
        clock = self.engine.clock
        assert clock is not None
        day = self._count_day(campaign.day_of(clock.offset(index) * campaign.scale))
        visitor = self.engine.visitor(index)
        day.visitors += 1
        day.countries[visitor.country] = day.countries.get(visitor.country, 0) + 1
        kind = visitor.device.kind
        day.devices[kind] = day.devices.get(kind, 0) + 1

    def _count_day(self, name: str) -> DayCount:
        if self.day is not None and name > self.day:
            self.print_day(self.day)
        if self.day is None or name > self.day:
            self.day = name
        found = self.campaign.days.get(name)
        if found is None:
            found = self.campaign.days[name] = DayCount()
        return found

    # -- the requests ------------------------------------------------------------

    def __call__(self, records: list[RequestRecord]) -> None:
        campaign = self.campaign
        for record in records:
            day = self._count_day(campaign.day_of(campaign.clock_at(record.time)))
            day.requests += 1
            if record.error is not None:
                day.failures += 1
                day.errors[record.error] = day.errors.get(record.error, 0) + 1
            elif record.step == "buy" and record.request_body is not None:
                order = order_value(record.request_body)
                if order is not None:
                    day.orders += 1
                    day.revenue_cents += order[1]
        self.save()

    def save(self, force: bool = False) -> None:
        now = time.time()
        if not force and now - self._saved < SAVE_EVERY:
            return
        self._saved = now
        if self.campaign.sessions:
            self.campaign.sessions[-1].ended = now
        try:
            self.campaign.save(self.path)
            self.save_error = None
        except OSError as exc:  # said in the summary; the run goes on
            self.save_error = exc.strerror or str(exc)

    def print_day(self, name: str) -> None:
        """The day's line: what was sent, what the dashboard should show, what failed."""
        print(day_line(name, self.campaign.days.get(name, DayCount())), file=self.out, flush=True)


def day_line(name: str, day: DayCount) -> str:
    countries = ", ".join(
        f"{c} {n}" for c, n in sorted(day.countries.items(), key=lambda kv: -kv[1])[:5]
    )
    devices = ", ".join(f"{k} {n}" for k, n in sorted(day.devices.items()))
    failed = f"{day.failures} failed"
    if day.errors:
        worst = max(day.errors.items(), key=lambda kv: kv[1])
        failed += f" (most: {worst[0]} x{worst[1]})"
    return (
        f"{name}: {day.visitors} visitors, {day.orders} orders,"
        f" revenue {day.revenue_cents / 100:.2f}; countries {countries or '-'};"
        f" devices {devices or '-'}; {day.requests} requests, {failed}"
    )


def mark_killed(campaign: Campaign) -> int:
    """Sessions that never said they ended (killed, or the machine went down): marked so."""
    killed = 0
    for old in campaign.sessions:
        if old.how == "running":
            old.how = "killed"
            killed += 1
    return killed


def begin_session(campaign: Campaign, engine: JourneyEngine, now: float) -> Session:
    """The session that starts now: past the reserved indices and past the arrivals gone.

    The first session anchors the campaign clock to the wall clock here.
    """
    mark_killed(campaign)
    if campaign.wall_start is None:
        campaign.wall_start = now
    clock = engine.clock
    assert clock is not None
    total = engine.scenario.schedule.visitors
    elapsed_wall = now - campaign.wall_start
    first = first_due(clock, total, elapsed_wall, campaign.next_index)
    session = Session(began=now, first_index=first, skipped=first - campaign.next_index)
    campaign.sessions.append(session)
    campaign.next_index = max(campaign.next_index, first)
    return session
