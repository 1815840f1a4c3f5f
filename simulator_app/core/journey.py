"""The journey engine: scenario + visitor index → the requests that visitor sends.

One generator feeds every runner (the CLI sender, the desktop app, the
exported locustfile), so the journey logic and cart arithmetic exist once.
Every random choice is drawn from the visitor's own generator, seeded from
``(seed, index)``, in a fixed order: the same scenario, seed and index always
give the same request stream, whoever runs it and whenever.

Rules that keep journeys valid (the collector checks them): ``removefromcart``
is skipped when the product is not in the cart; a visitor whose cart is empty
at ``checkout`` leaves (a shop would not let it check out); ``buy`` repeats the
items of the checkout before it and gets a fresh order id.

"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from simulator_app.core.cart import Cart, money
from simulator_app.core.catalog import resolve_catalog
from simulator_app.core.contract import (
    RequestSpec,
    TrackerOptions,
    VisitorRequests,
    encode_json,
    slot_setters,
)
from simulator_app.core.format import Range
from simulator_app.core.identities import IdentityFactory, Visitor, randbelow
from simulator_app.core.model import (
    FROM_CATEGORY,
    IN_CART,
    LAST_ADDED,
    RANDOM,
    VIEWED,
    Journey,
    Product,
    Scenario,
    Step,
)

DEFAULT_TARGETS = {
    "view": RANDOM,
    "categoryview": RANDOM,
    "productview": FROM_CATEGORY,
    "updatecart": VIEWED,
    "removefromcart": IN_CART,
}


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


def _encoded(body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A body and its wire form, for bodies the engine keeps (never mutated)."""
    return body, encode_json(body)


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


_SEED_MASK = (1 << 64) - 1


class _VisitorState:
    """What one visitor has done so far: the last category and product, its cart."""

    __slots__ = ("cart", "category", "checkout_items", "orders", "product", "requests")

    def __init__(self, base_url: str, requests: VisitorRequests) -> None:
        self.requests = requests
        self.cart = Cart(base_url)
        self.category: str | None = None
        self.product: Product | None = None
        self.checkout_items: list[dict[str, Any]] | None = None
        self.orders = 0


class JourneyEngine:
    """Turns a :class:`Scenario` into visitors and their request streams."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.catalog = resolve_catalog(scenario.store)
        self.identities = IdentityFactory(scenario.identities, scenario.ids)
        tracker = scenario.tracker
        self.options = TrackerOptions(
            view_method=tracker.view_method,
            tracker_headers=tracker.tracker_headers,
            cache_buster=tracker.cache_buster,
        )
        self.full_cart = tracker.full_cart
        self.base_url = scenario.store.url_base
        self._cum_weights = list(itertools.accumulate(j.weight for j in scenario.journeys))
        self._by_id = {p.id: p for p in self.catalog.products}
        self._by_category: dict[str, list[Product]] = {}
        for p in self.catalog.products:
            self._by_category.setdefault(p.category, []).append(p)
        self._pages = list(scenario.store.pages) + [p.url for p in self.catalog.products[:50]]
        self._seed = scenario.identities.seed
        # What every visitor would compute the same way, computed once: plan()
        # runs per request in a Locust worker.
        # Bodies that depend on the catalog only are built and encoded once.
        self._page_bodies = [_encoded({"page": self._url(p)}) for p in self._pages]
        self._category_bodies = [(c, *_encoded({"category": c})) for c in self.catalog.categories]
        self._product_view = {
            id(p): _encoded(
                {"product_id": p.id, "price": money(p.price_cents), "product_url": self._url(p.url)}
            )
            for p in self.catalog.products
        }
        self._tables = {id(j): tuple(_step_row(s) for s in j.steps) for j in scenario.journeys}

    def rng(self, index: int) -> random.Random:
        """Visitor ``index``'s own random generator.

        The seed is packed above the index (and folded to 64 bits, since
        ``Random`` ignores an integer seed's sign), so two seeds never share a
        visitor below index 2**40.
        """
        return random.Random(((self._seed & _SEED_MASK) << 40) | index)

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
        return self.identities.visitor(index, rng)

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
        visitor = self.identities.visitor(index, rng)
        agent = (("User-Agent", visitor.user_agent),)
        requests = VisitorRequests(visitor.ids, self.options, index, agent)
        state = _VisitorState(self.base_url, requests)
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

    def _product(self, rng: random.Random, target: object, state: _VisitorState) -> Product:
        if isinstance(target, int) and target in self._by_id:
            return self._by_id[target]
        if target == VIEWED and state.product is not None:
            return state.product
        if target == FROM_CATEGORY and state.category is not None:
            pool = self._by_category.get(state.category)
            if pool:
                return pool[randbelow(rng, len(pool))]
        products = self.catalog.products
        return products[randbelow(rng, len(products))]

    def _url(self, path: str) -> str:
        return path if "://" in path else self.base_url + path

    def _request(
        self,
        step: Step,
        kind: str,
        target: object,
        visitor: Visitor,
        state: _VisitorState,
        rng: random.Random,
    ) -> RequestSpec | None:
        body: dict[str, Any]
        if kind == "view":
            if target == RANDOM:
                body, encoded = self._page_bodies[randbelow(rng, len(self._page_bodies))]
                return state.requests.event(kind, body, encoded)
            body = {"page": self._url(str(target))}
        elif kind == "categoryview":
            if target == RANDOM:
                category, body, encoded = self._category_bodies[
                    randbelow(rng, len(self._category_bodies))
                ]
                state.category = category
                return state.requests.event(kind, body, encoded)
            category = str(target)
            state.category = category
            body = {"category": category}
        elif kind == "productview":
            product = self._product(rng, target, state)
            state.product = product
            state.category = product.category
            body, encoded = self._product_view[id(product)]
            return state.requests.event(kind, body, encoded)
        elif kind == "updatecart":
            product = self._product(rng, target, state)
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
            return state.requests.identify(visitor.payload(step.source))
        elif kind == "buy":
            if state.checkout_items is None:
                raise _Leave
            state.orders += 1
            body = {
                "checkout_url": self._url("/checkout"),
                "order_id": self.order_id(visitor.index, state.orders),
                "items": state.checkout_items,
            }
            state.checkout_items = None
            state.cart.clear()
        else:  # the validator rejects unknown step types before they get here
            raise ValueError(f"unknown step type {kind!r}")
        return state.requests.event(kind, body)

    def order_id(self, index: int, order: int) -> str:
        """A fresh order id: unique per visitor and order within a run."""
        base = (index * 7_919 + self._seed * 104_729) % 10**12 + 10**12
        return str(base) if order == 1 else f"{base}-{order}"


class _Leave(Exception):
    """The visitor leaves the shop: its journey ends here."""
