"""What a campaign will put on the dashboard, per day and per hour, before anything is sent.

The plan reads the same :class:`~.schedule.LocalClock` the campaign's
engine sends by (each country's curve at its local time, quarter hour by
quarter hour), and the scenario's expected orders and revenue per visitor
(:func:`~.funnel.expected_orders`, from planned visitors): one truth for
the plan and the run.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections import defaultdict
from dataclasses import dataclass, field

from simulator_app.core.campaign import Campaign
from simulator_app.core.schedule import LocalClock

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass
class PlanRow:
    """Expected figures of one day or one hour (UTC, of the campaign clock)."""

    start: datetime.datetime
    visitors: float = 0.0
    countries: dict[str, float] = field(default_factory=dict)

    def orders(self, per_visitor: float) -> float:
        return self.visitors * per_visitor


@dataclass
class CampaignPlan:
    """Per day and per hour: visitors, countries; orders, revenue and devices by rate."""

    days: list[PlanRow]
    hours: list[PlanRow]
    countries: tuple[str, ...]
    orders_per_visitor: float
    revenue_per_visitor: float
    mobile_share: float

    def week_grid(self) -> list[list[float]]:
        """Mean expected visitors per hour of the week (UTC), Monday first."""
        sums = [[0.0] * 24 for _ in range(7)]
        counts = [[0] * 24 for _ in range(7)]
        for row in self.hours:
            sums[row.start.weekday()][row.start.hour] += row.visitors
            counts[row.start.weekday()][row.start.hour] += 1
        return [
            [s / c if c else 0.0 for s, c in zip(d, n, strict=True)]
            for d, n in zip(sums, counts, strict=True)
        ]

    def text(self) -> str:
        """The plan as a terminal shows it."""
        out = [
            f"plan: {sum(r.visitors for r in self.days):,.0f} visitors,"
            f" {sum(r.visitors for r in self.days) * self.orders_per_visitor:,.0f} orders,"
            f" revenue {sum(r.visitors for r in self.days) * self.revenue_per_visitor:,.2f}"
            f" ({self.orders_per_visitor:.2%} of visitors buy;"
            f" {self.mobile_share:.0%} on phones and tablets)",
            "day (UTC)    visitors   orders    revenue  countries",
        ]
        for row in self.days:
            top = sorted(row.countries.items(), key=lambda kv: -kv[1])[:5]
            out.append(
                f"{row.start:%a %Y-%m-%d} {row.visitors:8.0f} {row.orders(self.orders_per_visitor):8.1f}"
                f" {row.visitors * self.revenue_per_visitor:10.2f}  "
                + ", ".join(f"{c} {n:.0f}" for c, n in top)
            )
        out.append("visitors per hour of the week (UTC hours 0..23):")
        for name, hours in zip(WEEKDAYS, self.week_grid(), strict=True):
            out.append(f"  {name} " + " ".join(f"{v:4.0f}" for v in hours))
        return "\n".join(out) + "\n"

    def csv(self) -> str:
        """One row per day and per hour: period, start, visitors, orders, revenue, devices,
        then visitors per country."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(
            [
                "period",
                "start_utc",
                "visitors",
                "orders",
                "revenue",
                "mobile",
                "desktop",
                *self.countries,
            ]
        )
        for period, rows in (("day", self.days), ("hour", self.hours)):
            for row in rows:
                writer.writerow(
                    [
                        period,
                        row.start.isoformat(),
                        f"{row.visitors:.2f}",
                        f"{row.visitors * self.orders_per_visitor:.2f}",
                        f"{row.visitors * self.revenue_per_visitor:.2f}",
                        f"{row.visitors * self.mobile_share:.2f}",
                        f"{row.visitors * (1 - self.mobile_share):.2f}",
                        *(f"{row.countries.get(c, 0.0):.2f}" for c in self.countries),
                    ]
                )
        return buffer.getvalue()


def campaign_plan(
    campaign: Campaign,
    clock: LocalClock,
    countries: tuple[str, ...],
    orders_per_visitor: float,
    revenue_per_visitor: float,
    mobile_share: float,
) -> CampaignPlan:
    """The expected figures of ``campaign``, whose engine arrives by ``clock``.

    ``countries`` name the clock's zones in order.
    """
    visitors = clock.visitors
    total = clock.total
    days: dict[datetime.datetime, PlanRow] = {}
    hours: dict[datetime.datetime, PlanRow] = {}
    for k, weights in enumerate(clock.slot_weights):
        middle = campaign.moment((k + 0.5) * clock.slot_hours * 3600.0)
        moment = datetime.datetime.fromtimestamp(middle, datetime.UTC)
        hour = moment.replace(minute=0, second=0, microsecond=0)
        day = hour.replace(hour=0)
        for key, table in ((hour, hours), (day, days)):
            row = table.get(key)
            if row is None:
                row = table[key] = PlanRow(key)
            share = visitors / total
            row.visitors += sum(weights) * share
            per: defaultdict[str, float] = defaultdict(float, row.countries)
            for code, weight in zip(countries, weights, strict=True):
                per[code] += weight * share
            row.countries = dict(per)
    return CampaignPlan(
        days=[days[k] for k in sorted(days)],
        hours=[hours[k] for k in sorted(hours)],
        countries=countries,
        orders_per_visitor=orders_per_visitor,
        revenue_per_visitor=revenue_per_visitor,
        mobile_share=mobile_share,
    )
