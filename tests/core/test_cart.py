"""The cart arithmetic: core/cart.py directly, and every body the engine sends."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator_app.core.cart import (
    Cart,
    CartLedger,
    Shortfall,
    expected_cart_value,
    money,
    to_cents,
)
from simulator_app.core.journey import JourneyEngine
from simulator_app.core.model import Product, Scenario, Tracker
from simulator_app.core.scenario_file import load_scenario
from tests.core.cart_replay import cents, replay
from tests.core.scenario_strategies import scenarios

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
BASE = "https://shop.example.com"


def product(pid: int, price_cents: int) -> Product:
    return Product(
        id=pid,
        title=f"Product {pid}",
        price_cents=price_cents,
        category="c",
        variant_id=f"{pid}01",
        url=f"/products/{pid}",
        image_url=f"/images/{pid}.jpg",
    )


MUG = product(1, 1200)  # 12.00
LAMP = product(2, 3699)  # 36.99
PIN = product(3, 10)  # 0.10


def test_line_price_is_unit_times_quantity() -> None:
    cart = Cart(BASE)
    body = cart.add(LAMP, 3)
    assert body == {
        "cart_url": f"{BASE}/cart",
        "product_id": 2,
        "line_items": [
            {
                "quantity": 3,
                "title": "Product 2",
                "line_price": 110.97,
                "id": "201",
                "product_id": 2,
                "image_url": f"{BASE}/images/2.jpg",
            }
        ],
        "cart_value": 110.97,
    }


def test_updatecart_carries_the_added_lines_and_the_new_total() -> None:
    cart = Cart(BASE)
    cart.add(MUG, 2)
    body = cart.add(LAMP, 1)
    assert [(i["product_id"], i["quantity"], i["line_price"]) for i in body["line_items"]] == [
        (2, 1, 36.99)
    ]
    assert body["cart_value"] == 60.99
    body = cart.add(MUG, 1)  # more of a line already there: the line item is the 1 added
    assert [(i["product_id"], i["quantity"], i["line_price"]) for i in body["line_items"]] == [
        (1, 1, 12.0)
    ]
    assert body["cart_value"] == 72.99


def test_removefromcart_carries_the_removed_lines_and_the_total_after() -> None:
    # The seed's example: a 24.00 line removed, cart_value 20.00 after it.
    cart = Cart(BASE)
    cart.add(product(7, 1200), 2)  # 24.00
    cart.add(product(8, 2000), 1)  # 20.00
    body = cart.remove(7, None)
    assert body is not None
    assert [(i["product_id"], i["quantity"], i["line_price"]) for i in body["line_items"]] == [
        (7, 2, 24.0)
    ]
    assert body["cart_value"] == 20.0
    assert 7 not in cart.lines


def test_removefromcart_part_of_a_line_and_more_than_there_is() -> None:
    cart = Cart(BASE)
    cart.add(MUG, 3)
    body = cart.remove(1, 1)
    assert body is not None
    assert (body["line_items"][0]["quantity"], body["line_items"][0]["line_price"]) == (1, 12.0)
    assert body["cart_value"] == 24.0
    body = cart.remove(1, 5)  # only 2 left: 2 are removed, not 5
    assert body is not None
    assert (body["line_items"][0]["quantity"], body["line_items"][0]["line_price"]) == (2, 24.0)
    assert body["cart_value"] == 0.0
    assert not cart
    assert cart.remove(1, 1) is None  # nothing to remove


def test_checkout_has_one_item_per_line_priced_at_its_line_price() -> None:
    cart = Cart(BASE)
    cart.add(MUG, 2)
    cart.add(LAMP, 1)
    cart.add(MUG, 1)
    body = cart.checkout_body()
    assert body == {
        "checkout": f"{BASE}/checkout",
        "items": [
            {"product_id": 1, "price": 36.0, "product_url": f"{BASE}/products/1"},
            {"product_id": 2, "price": 36.99, "product_url": f"{BASE}/products/2"},
        ],
        "cart_value": 72.99,
    }


def test_full_cart_sends_every_line_now_in_the_cart() -> None:
    cart = Cart(BASE)
    cart.add(MUG, 2, full_cart=True)
    body = cart.add(LAMP, 1, full_cart=True)
    assert [(i["product_id"], i["quantity"], i["line_price"]) for i in body["line_items"]] == [
        (1, 2, 24.0),
        (2, 1, 36.99),
    ]
    body = cart.remove(1, 1, full_cart=True)
    assert body is not None
    assert [(i["product_id"], i["quantity"], i["line_price"]) for i in body["line_items"]] == [
        (1, 1, 12.0),
        (2, 1, 36.99),
    ]
    assert body["cart_value"] == 48.99
    cart.remove(1, None, full_cart=True)
    body = cart.remove(2, None, full_cart=True)
    assert body is not None
    assert body["line_items"] == []
    assert body["cart_value"] == 0.0


def test_totals_in_cents_never_drift() -> None:
    # 0.1 + 0.2 != 0.3 in floats; a thousand small additions would drift further.
    cart = Cart(BASE)
    small = [product(10 + k, c) for k, c in enumerate((1, 7, 10, 20, 30, 99))]
    expected = 0
    for n in range(1000):
        p = small[n % len(small)]
        body = cart.add(p, 1 + n % 3)
        expected += p.price_cents * (1 + n % 3)
        assert body["cart_value"] == round(expected / 100, 2)
        assert json.dumps(body["cart_value"]) == f"{expected / 100!r}"
    checkout = cart.checkout_body()
    assert sum(cents(i["price"]) for i in checkout["items"]) == expected
    assert cents(checkout["cart_value"]) == expected
    naive = 0.0
    for _ in range(1000):
        naive += 0.1
    assert naive != 100.0  # the premise: float sums do drift
    pin_cart = Cart(BASE)
    for _ in range(1000):
        body = pin_cart.add(PIN, 1)
    assert body["cart_value"] == 100.0


@given(st.integers(0, 10**10))
def test_money_has_two_decimals(amount_cents: int) -> None:
    assert round(money(amount_cents) * 100) == amount_cents
    assert money(amount_cents) == round(amount_cents / 100, 2)


# -- the engine's bodies -----------------------------------------------------------


def walk(scenario: Scenario, visitors: int) -> tuple[int, int, int, set[str]]:
    """Replay every visitor's cart; (changes, checkouts, buys, order ids)."""
    engine = JourneyEngine(scenario)
    changes = checkouts = buys = 0
    orders: set[str] = set()
    for index in range(visitors):
        specs = [p.spec for p in engine.plan(index)]
        cart = replay(specs, engine.catalog, scenario.store.base_url, scenario.tracker.full_cart)
        changes += cart.changes
        checkouts += cart.checkouts
        buys += cart.buys
        for spec in specs:
            if spec.step == "buy":
                assert spec.body is not None
                order_id = json.loads(spec.body)["order_id"]
                assert order_id not in orders, f"order id {order_id} given twice"
                orders.add(order_id)
    return changes, checkouts, buys, orders


@pytest.mark.parametrize("full_cart", [False, True])
@pytest.mark.parametrize("name", ["buyer", "cart_abandoner", "demo_mix"])
def test_every_body_of_the_bundled_scenarios_adds_up(name: str, full_cart: bool) -> None:
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    scenario = dataclasses.replace(
        scenario, tracker=dataclasses.replace(scenario.tracker, full_cart=full_cart)
    )
    changes, checkouts, buys, orders = walk(scenario, 1500)
    assert changes > 500  # the walk really exercised the cart
    if name != "cart_abandoner":
        assert checkouts > 50 and buys > 20
        assert len(orders) == buys


def test_buy_gets_a_fresh_order_id_each_time() -> None:
    scenario = load_scenario(SCENARIOS / "buyer.yaml")
    journey = scenario.journeys[0]
    # buy twice in one visit: checkout, buy, then again
    tail = journey.steps[3:]
    twice = dataclasses.replace(journey, steps=journey.steps + tail)
    scenario = dataclasses.replace(scenario, journeys=(twice,))
    engine = JourneyEngine(scenario)
    seen: set[str] = set()
    for index in range(200):
        ids = [
            json.loads(p.spec.body or "{}")["order_id"]
            for p in engine.plan(index)
            if p.spec.step == "buy"
        ]
        assert len(ids) == 2
        assert not seen & set(ids)
        seen.update(ids)
    assert len(seen) == 400


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), full_cart=st.booleans())
def test_every_body_of_any_scenario_adds_up(scenario: Scenario, full_cart: bool) -> None:
    scenario = dataclasses.replace(
        scenario, tracker=dataclasses.replace(scenario.tracker, full_cart=full_cart)
    )
    engine = JourneyEngine(scenario)
    for index in range(20):
        specs = [p.spec for p in engine.plan(index)]
        replay(specs, engine.catalog, scenario.store.base_url, full_cart)


def test_tracker_full_cart_default_is_off() -> None:
    assert Tracker().full_cart is False


PID0 = """
store:
  base_url: https://shop.example.com
  catalog:
    categories:
      - name: misc
        products:
          - {id: 0, title: Zero, price: 5.00}
ids: {org_id: 34a3f9a2-5057-431b-bd3f-aa9fdf9ff733}
journeys:
  - name: j
    steps:
      - {type: updatecart, product: 0, quantity: 2}
      - {type: removefromcart, product: 0, quantity: 1}
"""


def test_product_id_0_can_be_removed_from_the_cart() -> None:
    from simulator_app.core.journey import JourneyEngine
    from simulator_app.core.scenario_file import parse_scenario

    engine = JourneyEngine(parse_scenario(PID0))
    steps = [p.spec.step for p in engine.plan(0)]
    assert steps == ["updatecart", "removefromcart"]


# -- the ledger: the rules the collector and the replay judge bodies with -------------


def test_cart_value_after_a_change_in_either_form() -> None:
    # a cart of 48.00, then 12.00 added: the delta form lists 12.00, the full form 60.00
    assert expected_cart_value(4800, 1200, 1, full_cart=False) == 6000
    assert expected_cart_value(4800, 6000, 1, full_cart=True) == 6000
    assert expected_cart_value(6000, 1200, -1, full_cart=False) == 4800
    assert expected_cart_value(6000, 4800, -1, full_cart=True) == 4800


def test_the_ledger_adds_removes_and_says_what_was_short() -> None:
    ledger = CartLedger()
    assert ledger.change([(1, 2, 2400), (2, 1, 3699)], 1) == []
    assert ledger.change([(1, 1, 1200)], 1) == []
    assert ledger.lines == {1: [3, 3600], 2: [1, 3699]} and ledger.total == 7299
    assert ledger.items() == [(1, 3600), (2, 3699)]
    assert ledger.change([(2, 1, 3699)], -1) == []
    assert list(ledger.lines) == [1] and ledger.quantity(2) == 0
    assert ledger.change([(1, 5, 6000), (9, 1, 10)], -1) == [
        Shortfall(0, 1, 5, 3),
        Shortfall(1, 9, 1, 0),
    ]
    assert not ledger and ledger.total == 0


def test_the_full_form_replaces_and_lines_are_bounded() -> None:
    ledger = CartLedger(max_lines=2)
    ledger.change([(1, 1, 100)], 1)
    ledger.replace([(2, 1, 200), (3, 2, 600), (4, 1, 50)])
    assert ledger.lines == {2: [1, 200], 3: [2, 600]} and ledger.cut_at == 2
    ledger.change([(2, 1, 200)], 1)
    assert ledger.cut_at is None and ledger.total == 1000


def test_the_engines_bodies_keep_the_ledgers_total() -> None:
    """Cart (which makes bodies) and CartLedger (which judges them) agree, in both forms."""
    for full_cart in (False, True):
        cart, ledger = Cart(BASE), CartLedger()
        for step in [(MUG, 2), (LAMP, 1), (MUG, 1), (LAMP, None), (PIN, 7), (MUG, -2)]:
            goods, quantity = step
            if quantity is None or quantity < 0:
                body = cart.remove(goods.id, quantity and -quantity, full_cart)
                sign = -1
            else:
                body, sign = cart.add(goods, quantity, full_cart), 1
            assert body is not None
            lines = [
                (i["product_id"], i["quantity"], to_cents(i["line_price"]) or 0)
                for i in body["line_items"]
            ]
            listed = sum(c for _, _, c in lines)
            value = to_cents(body["cart_value"])
            assert value == expected_cart_value(ledger.total, listed, sign, full_cart)
            if full_cart:
                ledger.replace(lines)
            else:
                assert ledger.change(lines, sign) == []
            assert ledger.total == cart.total_cents
        assert ledger.items() == sorted(
            (i["product_id"], to_cents(i["price"])) for i in cart.checkout_items()
        )
