"""The journey engine: scenario + visitor index → the requests that visitor sends.

One generator feeds every runner (the CLI sender, the desktop app, the Locust
runtime), so the journey logic and cart arithmetic exist once. Every random
choice is drawn from the visitor's own generator, seeded from the run's key
(the scenario's name and the seed) and the index, in a fixed order: the same
scenario, seed and index always give the same request stream, whoever runs it
and whenever. A run without a seed draws one (:func:`fresh_seed`); the engine
says which in :attr:`JourneyEngine.seed`, so the run can be replayed.

Rules that keep journeys valid (the collector checks them): ``removefromcart``
is skipped when the product is not in the cart; a visitor whose cart is empty
at ``checkout`` leaves (a shop would not let it check out); ``buy`` repeats the
items of the checkout before it and gets a fresh order id.

A returning visitor (a share of them, see ``identities.returning``) comes back
for more sessions after a pause, with the same browser IDs, device, address,
identity and cart; it identifies once.
"""

from __future__ import annotations

import bisect
import itertools
import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from simulator_app.core.cart import Cart
from simulator_app.core.contract import (
    RequestSpec,
    TrackerOptions,
    VisitorRequests,
    slot_setters,
)
from simulator_app.core.format import Range
from simulator_app.core.identities import People, Visitor, randbelow
from simulator_app.core.model import (
    IN_CART,
    LAST_ADDED,
    RANDOM,
    Journey,
    Product,
    Scenario,
    Step,
)
from simulator_app.core.permute import Permutation, key_of
from simulator_app.core.schedule import CURVE_HOURS, LocalClock, arrival_offsets
from simulator_app.core.shop import Shop
from simulator_app.core.world import Population

DEFAULT_TARGETS = {
    "view": RANDOM,
    "categoryview": RANDOM,
    "productview": "category",
    "updatecart": "viewed",
    "removefromcart": IN_CART,
}
MAX_ORDERS = 16  # orders one visitor may place (repeats of buy, later sessions)


def fresh_seed() -> int:
    """A new run's seed: nine digits, easy to read out and type back with ``--seed``."""
    return 100_000_000 + secrets.randbelow(900_000_000)


def run_key(scenario: Scenario, seed: int) -> int:
    """What every visitor of a run is made from: the scenario's name and the seed."""
    return key_of("nitrox-run", scenario.name, seed)


@dataclass(frozen=True, slots=True)
class PlannedRequest:
    """A request and the think time, in seconds, the visitor waits after it."""

    spec: RequestSpec
    think: float
    journey: str

    def __init__(self, spec: RequestSpec, think: float, journey: str) -> None:
        # One per request: set the frozen slots directly (see RequestSpec.__init__).
        s = _PLANNED_SLOTS
        s[0](self, spec)
        s[1](self, think)
        s[2](self, journey)


_PLANNED_SLOTS = slot_setters(PlannedRequest, ("spec", "think", "journey"))


def draw_int(rng: random.Random, value: Range) -> int:
    """A whole number drawn from ``value``."""
    low, high = int(value.low), int(value.high)
    return low if low >= high else low + randbelow(rng, high - low + 1)  # = randint(low, high)


def draw_float(rng: random.Random, value: Range) -> float:
    """A number drawn from ``value``."""
    return value.low if value.low >= value.high else rng.uniform(value.low, value.high)


_StepRow = tuple[Step, str, object, int, int, float, float, float]


def _step_row(step: Step) -> _StepRow:
    """A step with its target resolved and its ranges as plain numbers (see ``plan_drawn``)."""
    target = step.target if step.target is not None else DEFAULT_TARGETS.get(step.type)
    return (
        step,
        step.type,
        target,
        int(step.repeat.low),
        int(step.repeat.high),
        step.think.low,
        step.think.high,
        step.proceed,
    )


class _VisitorState:
    """What one visitor has done so far: the last category and product, its cart."""

    __slots__ = (
        "cart",
        "category",
        "checkout_items",
        "identified",
        "orders",
        "product",
        "requests",
    )

    def __init__(self, base_url: str, requests: VisitorRequests) -> None:
        self.requests = requests
        self.cart = Cart(base_url)
        self.category: str | None = None
        self.product: Product | None = None
        self.checkout_items: list[dict[str, Any]] | None = None
        self.orders = 0
        self.identified = False


class JourneyEngine:
    """Turns a :class:`Scenario` into visitors and their request streams.

    ``seed`` (else the scenario's, else a fresh one) and ``population`` (else
    the tables the data sets give for the scenario's countries) decide who the
    visitors are; :attr:`seed` says which seed it was.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int | None = None,
        population: Population | None = None,
    ) -> None:
        self.scenario = scenario
        chosen = seed if seed is not None else scenario.seed
        self.seed = chosen if chosen is not None else fresh_seed()
        self.key = run_key(scenario, self.seed)
        if population is None:
            from simulator_app.core.sources import default_countries
            from simulator_app.core.sources import population as build

            identities = scenario.identities
            countries = identities.countries or default_countries(identities.locales)
            population = build(countries, identities.locales, identities.mobile_share)
        self.population = population
        self.people = People(population, scenario.ids, self.key)
        self.shop = Shop(scenario.store)
        self.catalog = self.shop.catalog
        tracker = scenario.tracker
        self.options = TrackerOptions(
            view_method=tracker.view_method,
            tracker_headers=tracker.tracker_headers,
            cache_buster=tracker.cache_buster,
        )
        self.ip_header = tracker.ip_header
        self.full_cart = tracker.full_cart
        self.base_url = scenario.store.url_base
        self._cum_weights = list(itertools.accumulate(j.weight for j in scenario.journeys))
        self._tables = {id(j): tuple(_step_row(s) for s in j.steps) for j in scenario.journeys}
        self._orders = Permutation(key_of(self.key, "order"), 9 * 10**12)
        self.returning = scenario.identities.returning
        self.clock: LocalClock | None = None
        self._slot_countries: list[Any] = []
        if scenario.schedule.pattern in CURVE_HOURS:
            total = sum(c.weight for c in population.countries) or 1.0
            zones = [(c.weight / total, c.utc_offset) for c in population.countries]
            self.clock = LocalClock(scenario.schedule, self.seed, zones)
            if len(zones) > 1:
                self._slot_countries = [
                    self.people.country_picker(w) for w in self.clock.slot_weights
                ]

    def arrival_offsets(self) -> Iterator[float]:
        """When each visitor starts, in seconds of the run (see :mod:`.schedule`)."""
        if self.clock is not None:
            clock = self.clock
            return (clock.offset(i) for i in range(self.scenario.schedule.visitors))
        return arrival_offsets(self.scenario.schedule, self.seed)

    def _visitor(self, index: int, rng: random.Random) -> Visitor:
        countries = None
        if self._slot_countries and self.clock is not None:
            countries = self._slot_countries[self.clock.slot(index)]
        return self.people.visitor(index, rng, self.ip_header, countries)

    def rng(self, index: int) -> random.Random:
        """Visitor ``index``'s own random generator (the run's key packed above the index)."""
        return random.Random((self.key << 40) | index)

    def journey_for(self, rng: random.Random) -> Journey:
        """A journey drawn by the scenario's weights."""
        journeys = self.scenario.journeys
        if len(journeys) == 1:
            return journeys[0]
        pick = rng.random() * self._cum_weights[-1]
        return journeys[min(bisect.bisect_right(self._cum_weights, pick), len(journeys) - 1)]

    def visitor(self, index: int) -> Visitor:
        """Visitor ``index`` on its own (for previews): the same one ``plan`` uses."""
        rng = self.rng(index)
        self.journey_for(rng)
        return self._visitor(index, rng)

    def visitor_on(self, journey: str, start: int = 0, search: int = 100_000) -> int | None:
        """The first visitor index from ``start`` on that sets out on ``journey`` (None: none near)."""
        for index in range(start, start + search):
            if self.journey_for(self.rng(index)).name == journey:
                return index
        return None

    def journeys_of(self, index: int) -> list[str]:
        """The journeys visitor ``index`` sets out on, one per session (for previews)."""
        return list(dict.fromkeys(p.journey for p in self.plan(index))) or [
            self.journey_for(self.rng(index)).name
        ]

    def plan(self, index: int) -> Iterator[PlannedRequest]:
        """Visitor ``index``'s requests, in order, each with the think time after it."""
        rng = self.rng(index)
        return self.plan_drawn(index, rng, self.journey_for(rng))

    def plan_drawn(
        self, index: int, rng: random.Random, journey: Journey
    ) -> Iterator[PlannedRequest]:
        """``plan(index)`` for a caller that already drew the journey from ``rng``.

        ``rng`` must be ``self.rng(index)`` just after ``journey = self.journey_for(rng)``;
        a runner that sorts visitors by journey then seeds each generator once.
        """
        visitor = self._visitor(index, rng)
        requests = VisitorRequests(visitor.ids, self.options, index, visitor.headers)
        state = _VisitorState(self.base_url, requests)
        returning = self.returning
        sessions = 1
        if returning.share > 0 and rng.random() < returning.share:
            sessions += draw_int(rng, returning.sessions)
        for session in range(sessions):
            if session:
                journey = self.journey_for(rng)
            last: PlannedRequest | None = None
            for planned in self._session(journey, visitor, state, rng):
                if last is not None:
                    yield last
                last = planned
            if last is None:
                continue
            if session + 1 < sessions:  # the pause before coming back
                last = PlannedRequest(
                    last.spec, last.think + draw_float(rng, returning.after), last.journey
                )
            yield last

    def _session(
        self, journey: Journey, visitor: Visitor, state: _VisitorState, rng: random.Random
    ) -> Iterator[PlannedRequest]:
        name = journey.name
        request = self._request
        # Draws as draw_int / draw_float do (randint(lo, hi) is lo + randbelow(hi - lo + 1),
        # uniform is lo + (hi - lo) * random()), without the calls.
        for step, kind, target, rep_lo, rep_hi, think_lo, think_hi, proceed in self._tables[
            id(journey)
        ]:
            count = rep_lo if rep_lo >= rep_hi else rep_lo + randbelow(rng, rep_hi - rep_lo + 1)
            for _ in range(count):
                try:
                    spec = request(step, kind, target, visitor, state, rng)
                except _Leave:
                    return
                think = (
                    think_lo
                    if think_lo >= think_hi
                    else think_lo + (think_hi - think_lo) * rng.random()
                )
                if spec is not None:
                    yield PlannedRequest(spec, think, name)
            if proceed < 1.0 and rng.random() >= proceed:
                return

    # -- one step -------------------------------------------------------------

    def _request(
        self,
        step: Step,
        kind: str,
        target: object,
        visitor: Visitor,
        state: _VisitorState,
        rng: random.Random,
    ) -> RequestSpec | None:
        shop = self.shop
        body: dict[str, Any]
        if kind == "view":
            body, encoded = shop.page(rng) if target == RANDOM else shop.view_of(str(target))
            return state.requests.event(kind, body, encoded)
        elif kind == "categoryview":
            if target == RANDOM:
                category, body, encoded = shop.category(rng)
            else:
                category = str(target)
                body, encoded = shop.category_view_of(category)
            state.category = category
            return state.requests.event(kind, body, encoded)
        elif kind == "productview":
            product = shop.product(rng, target, state.category, state.product)
            state.product = product
            state.category = product.category
            body, encoded = shop.product_views[product.id]
            return state.requests.event(kind, body, encoded)
        elif kind == "updatecart":
            product = shop.product(rng, target, state.category, state.product)
            quantity = draw_int(rng, step.quantity) if step.quantity else 1
            body = state.cart.add(product, quantity, self.full_cart)
        elif kind == "removefromcart":
            lines = state.cart.lines
            if not lines:
                return None
            if target == IN_CART:
                keys = list(lines)
                pid: int | None = keys[randbelow(rng, len(keys))]
            elif target == LAST_ADDED:
                pid = state.cart.last_added
            else:
                pid = int(target) if isinstance(target, int) else None
            quantity_r = draw_int(rng, step.quantity) if step.quantity else None
            removed = (
                state.cart.remove(pid, quantity_r, self.full_cart) if pid is not None else None
            )
            if removed is None:
                return None
            body = removed
        elif kind == "checkout":
            if not state.cart:
                raise _Leave
            body = state.cart.checkout_body()
            state.checkout_items = body["items"]
        elif kind == "identify":
            if state.identified:  # a returning visitor identifies once
                return None
            state.identified = True
            return state.requests.identify(visitor.payload(step.source))
        elif kind == "buy":
            if state.checkout_items is None or state.orders >= MAX_ORDERS:
                raise _Leave
            body = {
                "checkout_url": shop.url("/checkout"),
                "order_id": self.order_id(visitor.index, state.orders),
                "items": state.checkout_items,
            }
            state.orders += 1
            state.checkout_items = None
            state.cart.clear()
        else:  # the validator rejects unknown step types before they get here
            raise ValueError(f"unknown step type {kind!r}")
        return state.requests.event(kind, body)

    def order_id(self, index: int, order: int) -> str:
        """Order ``order`` (0-based) of visitor ``index``: 13 digits, unique in the run."""
        slot = (index * MAX_ORDERS + order) % self._orders.size
        return str(10**12 + self._orders(slot))


class _Leave(Exception):
    """The visitor leaves the shop: its journey ends here."""
