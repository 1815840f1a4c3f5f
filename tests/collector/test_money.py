"""Money is judged in integer cents, never with a float tolerance.

Two-decimal amounts around 1e8-1e9 are good (a tolerance of 1e-6 on ``value * 100``
calls some bad); absurd magnitudes are refused with a message."""

from __future__ import annotations

import random
from typing import Any

import pytest

from simulator_app.collector.checks import Checker
from simulator_app.collector.fields import MAX_MONEY, body_problems
from simulator_app.core.cart import to_cents as cents
from simulator_app.core.contract import encode_json, read_json
from tests.factory import ORG

IDS = (ORG, "biscuit_4c6e224d-96f6-430c-bfc4-d41ec31e38a4", "de8daa44-ac2e-4ba2-8e1c-987a06817353")
URL = "https://shop.example.com"


def amounts(n: int, low: int, high: int) -> list[float]:
    """``n`` two-decimal amounts between ``low`` and ``high``, as a sender's JSON carries them."""
    rng = random.Random(10)
    return [read_json(encode_json(rng.randint(low * 100, high * 100) / 100)) for _ in range(n)]


def product(price: Any) -> dict[str, Any]:
    return {"product_id": 1, "price": price, "product_url": f"{URL}/p/1"}


def test_thousands_of_valid_amounts_from_1e8_to_1e9_are_good() -> None:
    values = amounts(5000, 10**8, 10**9)
    assert [v for v in values if body_problems("productview", product(v))] == []
    assert all(cents(v) == round(v * 100) for v in values)


def test_large_valid_amounts_add_up_exactly_in_the_cart() -> None:
    checker = Checker()
    ids = (*IDS, "null")
    total = 0
    for i, value in enumerate(amounts(300, 10**8, 10**9)):
        total += cents(value) or 0
        line = {
            "quantity": 1,
            "title": "t",
            "line_price": value,
            "id": str(i),
            "product_id": i,
            "image_url": f"{URL}/{i}.jpg",
        }
        body = {
            "cart_url": f"{URL}/cart",
            "product_id": i,
            "line_items": [line],
            "cart_value": read_json(encode_json(total / 100)),
        }
        assert checker.check_event(ids, "updatecart", body) == [], (i, value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (24.0, 2400),
        (12.5, 1250),
        (0.1, 10),
        (0.29, 29),
        (36.99, 3699),
        (123456789.99, 12345678999),
        (999999999999.99, 99999999999999),
        (7, 700),
        (1e-2, 1),
        (9.999, None),
        (1.5e-05, None),
        (0.001, None),
    ],
)
def test_cents_from_the_number_as_written(value: float, expected: int | None) -> None:
    assert cents(value) == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (1e308, "must be at most 1000000000000 (money), got 1e+308"),
        (MAX_MONEY + 0.01, "must be at most 1000000000000 (money)"),
        (10**40, "must be at most 1000000000000 (money)"),
        (9.999, "must have at most two decimals, got 9.999"),
        (-0.01, "must not be negative, got -0.01"),
        (float("nan"), "must be a finite number, got nan"),
        (float("inf"), "must be a finite number, got inf"),
    ],
)
def test_absurd_or_wrong_money_is_refused_with_a_message(value: float, problem: str) -> None:
    (message,) = body_problems("productview", product(value))
    assert message["fieldPath"] == "body.price"
    assert problem in message["description"]


def test_the_largest_amount_is_good() -> None:
    assert body_problems("productview", product(float(MAX_MONEY))) == []
    assert body_problems("productview", product(MAX_MONEY)) == []
