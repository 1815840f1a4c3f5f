"""Funnels: the share of visitors expected to reach each step, and the share measured.

The expected funnel multiplies the journeys' weights and each step's
``continue`` probability (and, for returning visitors, their later
sessions), so the user sees what the conversion rates add up to before
sending anything. Steps that the cart can cut short (a checkout with an
emptied cart) are counted as if the cart were full: the expected figures are
an upper bound there. :func:`expected_orders` estimates orders, revenue and
the average order value by planning visitors without sending them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from simulator_app.core.contract import STEP_TYPES
from simulator_app.core.format import Range
from simulator_app.core.model import Scenario

FUNNEL_ORDER: tuple[str, ...] = (
    "view",
    "categoryview",
    "productview",
    "updatecart",
    "removefromcart",
    "checkout",
    "identify",
    "buy",
)


@dataclass(frozen=True, slots=True)
class StepReach:
    """One step of one journey and the share of that journey's visitors reaching it."""

    journey: str
    index: int
    type: str
    reach: float


@dataclass(frozen=True, slots=True)
class Funnel:
    """Per step type, the share of all visitors that send it at least once."""

    shares: dict[str, float]
    steps: tuple[StepReach, ...] = ()

    def ordered(self) -> list[tuple[str, float]]:
        """The step types in funnel order, with their shares."""
        return [(t, self.shares.get(t, 0.0)) for t in FUNNEL_ORDER]


def sends_at_least_once(repeat: Range) -> float:
    """The chance that a step repeated ``repeat`` times (drawn whole) is sent at all."""
    low, high = int(repeat.low), int(repeat.high)
    if low >= high:
        return 1.0 if low >= 1 else 0.0
    return max(0, high - max(low, 1) + 1) / (high - low + 1)


def _session_funnel(scenario: Scenario) -> Funnel:
    """The funnel of one session: a journey drawn by weight, once."""
    total = sum(j.weight for j in scenario.journeys) or 1.0
    shares: dict[str, float] = dict.fromkeys(STEP_TYPES, 0.0)
    steps: list[StepReach] = []
    for journey in scenario.journeys:
        share = journey.weight / total
        reach = 1.0
        # Per step type, the chance that none of its earlier steps was sent: a
        # step that may repeat zero times leaves its type to a later step.
        unsent: dict[str, float] = {}
        for i, step in enumerate(journey.steps):
            steps.append(StepReach(journey.name, i, step.type, reach))
            sent = sends_at_least_once(step.repeat)
            before = unsent.get(step.type, 1.0)
            shares[step.type] += share * reach * before * sent
            unsent[step.type] = before * (1 - sent)
            reach *= step.proceed
    return Funnel(shares, tuple(steps))


def expected_funnel(scenario: Scenario) -> Funnel:
    """The funnel the scenario's weights, drop-offs and returning visitors imply."""
    session = _session_funnel(scenario)
    returning = scenario.identities.returning
    if returning.share <= 0:
        return session
    low, high = int(returning.sessions.low), int(returning.sessions.high)
    more = range(low, max(low, high) + 1)
    shares = {}
    for kind, p in session.shares.items():
        # a returning visitor has 1 + k sessions, k drawn evenly from its range
        never_again = sum((1 - p) ** k for k in more) / len(more)
        missed = (1 - p) * ((1 - returning.share) + returning.share * never_again)
        shares[kind] = 1 - missed
    return Funnel(shares, session.steps)


class MeasuredFunnel:
    """Counts, per step type, the visitors that sent it at least once."""

    def __init__(self) -> None:
        self.visitors = 0
        self.reached: Counter[str] = Counter()

    def visitor_done(self, step_types: Iterable[str]) -> None:
        """Record one finished visitor and the step types it sent."""
        self.visitors += 1
        self.reached.update(set(step_types))

    def funnel(self) -> Funnel:
        n = self.visitors or 1
        return Funnel({t: self.reached.get(t, 0) / n for t in STEP_TYPES})


@dataclass(frozen=True, slots=True)
class Orders:
    """What a scenario's visitors buy, on average: estimated, nothing sent."""

    visitors: int  # planned to estimate
    orders_per_visitor: float
    revenue_per_visitor: float  # money, in the shop's currency
    average_order_value: float
    lines_per_order: float

    def for_visitors(self, visitors: int) -> tuple[float, float]:
        """(orders, revenue) expected of ``visitors`` visitors."""
        return self.orders_per_visitor * visitors, self.revenue_per_visitor * visitors


def order_of(buy_body: str) -> tuple[int, int]:
    """A ``buy`` body's (lines, value in cents): each item's ``price`` is its line's price."""
    import json

    items = json.loads(buy_body)["items"]
    return len(items), sum(round(item["price"] * 100) for item in items)


def expected_orders(scenario: Scenario, visitors: int = 5000, seed: int = 1) -> Orders:
    """Orders, revenue and average order value of ``visitors`` planned (not sent) visitors."""
    from simulator_app.core.journey import JourneyEngine

    engine = JourneyEngine(scenario, seed=seed)
    orders = lines = 0
    cents = 0
    for index in range(visitors):
        for planned in engine.plan(index):
            if planned.spec.step == "buy" and planned.spec.body is not None:
                n, value = order_of(planned.spec.body)
                orders += 1
                lines += n
                cents += value
    revenue = cents / 100
    return Orders(
        visitors=visitors,
        orders_per_visitor=orders / visitors,
        revenue_per_visitor=revenue / visitors,
        average_order_value=revenue / orders if orders else 0.0,
        lines_per_order=lines / orders if orders else 0.0,
    )
