"""The collector's verdicts without a socket: fields, cart arithmetic, journey order."""

from __future__ import annotations

from typing import Any

import pytest

from simulator_app.collector.checks import Checker
from simulator_app.collector.fields import (
    CART_VALUE_MISMATCH,
    ID_CONFLICT,
    JOURNEY_ORDER,
    PAYLOAD_INVALID,
    VALUE_INVALID,
    VALUE_RECOMMENDED,
    VALUE_REQUIRED,
    body_problems,
)
from simulator_app.core.contract import encode_payload
from tests.factory import NITRO, ORG

ROAM = "biscuit_4c6e224d-96f6-430c-bfc4-d41ec31e38a4"
IDS = (ORG, ROAM, NITRO, "null")
URL = "https://shop.example.com"


def line(pid: int, qty: int, price: float) -> dict[str, Any]:
    return {
        "quantity": qty,
        "title": f"Product {pid}",
        "line_price": price,
        "id": str(pid),
        "product_id": pid,
        "image_url": f"{URL}/{pid}.jpg",
    }


def cart(lines: list[dict[str, Any]], value: float, pid: int = 1) -> dict[str, Any]:
    return {"cart_url": f"{URL}/cart", "product_id": pid, "line_items": lines, "cart_value": value}


def item(pid: int, price: float) -> dict[str, Any]:
    return {"product_id": pid, "price": price, "product_url": f"{URL}/p/{pid}"}


def codes(messages: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(m["fieldPath"], m["code"]) for m in messages]


def test_valid_bodies_of_every_type_have_no_messages() -> None:
    checker = Checker()
    steps: list[tuple[str, dict[str, Any]]] = [
        ("view", {"page": f"{URL}/"}),
        ("categoryview", {"category": "fashion"}),
        ("productview", {"product_id": 1, "price": 24.0, "product_url": f"{URL}/p/1"}),
        ("updatecart", cart([line(1, 2, 48.0)], 48.0)),
        ("updatecart", cart([line(2, 1, 12.5)], 60.5, pid=2)),
        ("removefromcart", cart([line(1, 1, 24.0)], 36.5)),
        (
            "checkout",
            {
                "checkout": f"{URL}/checkout",
                "items": [item(1, 24.0), item(2, 12.5)],
                "cart_value": 36.5,
            },
        ),
        (
            "buy",
            {
                "checkout_url": f"{URL}/checkout",
                "order_id": "1001",
                "items": [item(2, 12.5), item(1, 24.0)],
            },
        ),
    ]
    for kind, body in steps:
        assert checker.check_event(IDS, kind, body) == [], kind
    assert checker.funnel()["buy"] == 1
    assert checker.visitors[NITRO].lines == {}


@pytest.mark.parametrize(
    ("kind", "body", "expected"),
    [
        ("view", {}, [("body.page", VALUE_REQUIRED)]),
        ("view", {"page": None}, [("body.page", VALUE_REQUIRED)]),
        ("view", {"page": "/relative"}, [("body.page", VALUE_INVALID)]),
        ("categoryview", {"category": ""}, [("body.category", VALUE_INVALID)]),
        (
            "productview",
            {"product_id": "12", "price": 1.234, "product_url": f"{URL}/p"},
            [("body.product_id", VALUE_INVALID), ("body.price", VALUE_INVALID)],
        ),
        (
            "productview",
            {"product_id": 1, "price": -1, "product_url": f"{URL}/p"},
            [("body.price", VALUE_INVALID)],
        ),
        (
            "productview",
            {"product_id": True, "price": 1, "product_url": 5},
            [("body.product_id", VALUE_INVALID), ("body.product_url", VALUE_INVALID)],
        ),
        ("updatecart", cart([], 0), [("body.line_items", VALUE_REQUIRED)]),
        ("updatecart", cart("x", 0), [("body.line_items", VALUE_INVALID)]),  # type: ignore[arg-type]
        (
            "updatecart",
            cart([{**line(1, 0, 0), "id": 7, "title": None}], 0),
            [
                ("body.line_items[0].quantity", VALUE_INVALID),
                ("body.line_items[0].title", VALUE_REQUIRED),
                ("body.line_items[0].id", VALUE_INVALID),
            ],
        ),
        ("updatecart", cart([3], 0), [("body.line_items[0]", VALUE_INVALID)]),  # type: ignore[list-item]
        (
            "checkout",
            {"items": [], "cart_value": "1"},
            [("body.checkout", VALUE_REQUIRED), ("body.cart_value", VALUE_INVALID)],
        ),
        (
            "buy",
            {"checkout_url": f"{URL}/c", "order_id": "  ", "items": []},
            [("body.order_id", VALUE_INVALID), ("body.items", VALUE_REQUIRED)],
        ),
        (
            "buy",
            {"checkout_url": f"{URL}/c", "order_id": "1", "items": [{"product_id": 1}]},
            [
                ("body.items[0].price", VALUE_REQUIRED),
                ("body.items[0].product_url", VALUE_REQUIRED),
            ],
        ),
    ],
)
def test_field_mistakes_name_the_field_and_code(
    kind: str, body: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert codes(body_problems(kind, body)) == expected


def test_messages_say_what_is_wrong() -> None:
    (msg,) = body_problems(
        "productview", {"product_id": 1, "price": 9.999, "product_url": f"{URL}/p"}
    )
    assert msg == {
        "fieldPath": "body.price",
        "description": "price must have at most two decimals, got 9.999",
        "code": VALUE_INVALID,
    }


def test_bad_path_ids_are_reported_per_segment() -> None:
    messages = Checker().check_event(
        ("org", "roam", "not-a-uuid", "nope"), "view", {"page": f"{URL}/"}
    )
    assert codes(messages) == [
        ("path.org_id", VALUE_INVALID),
        ("path.roaming_id", VALUE_INVALID),
        ("path.nitro_id", VALUE_INVALID),
        ("path.nitrox_id", VALUE_INVALID),
    ]
    assert "biscuit_" in messages[1]["description"]


def test_cart_value_must_be_the_running_total() -> None:
    checker = Checker()
    assert checker.check_event(IDS, "updatecart", cart([line(1, 1, 24.0)], 24.0)) == []
    messages = checker.check_event(IDS, "updatecart", cart([line(2, 1, 12.0)], 30.0))
    assert codes(messages) == [("body.cart_value", CART_VALUE_MISMATCH)]
    assert "24.00 before plus 12.00 in line_items is 36.00" in messages[0]["description"]
    # The reported change is applied, so the next event is judged on its own.
    assert checker.check_event(IDS, "removefromcart", cart([line(2, 1, 12.0)], 24.0)) == []


def test_the_seed_example_remove_24_leaves_20() -> None:
    checker = Checker()
    checker.check_event(IDS, "updatecart", cart([line(1, 1, 24.0), line(2, 1, 20.0)], 44.0))
    assert checker.check_event(IDS, "removefromcart", cart([line(1, 1, 24.0)], 20.0)) == []


def test_full_cart_form_is_judged_when_declared() -> None:
    checker = Checker(full_cart=True)
    assert checker.check_event(IDS, "updatecart", cart([line(1, 2, 48.0)], 48.0)) == []
    full = [line(1, 2, 48.0), line(2, 1, 12.0)]
    assert checker.check_event(IDS, "updatecart", cart(full, 60.0, pid=2)) == []
    assert checker.check_event(IDS, "removefromcart", cart([line(2, 1, 12.0)], 12.0, pid=1)) == []
    assert checker.check_event(IDS, "removefromcart", cart([], 0.0, pid=2)) == []
    messages = checker.check_event(
        IDS, "checkout", {"checkout": f"{URL}/c", "items": [], "cart_value": 0.0}
    )
    assert codes(messages) == [("body.items", JOURNEY_ORDER)]
    # in the full form, cart_value must still be what the lines add up to
    messages = checker.check_event(IDS, "updatecart", cart([line(3, 1, 5.0)], 7.0, pid=3))
    assert codes(messages) == [("body.cart_value", CART_VALUE_MISMATCH)]
    assert "not the sum of line_items (5.00)" in messages[0]["description"]


def test_full_cart_is_never_guessed() -> None:
    """Off (the default), a cart_value that is only the new line is bad, not a full cart."""
    checker = Checker()
    assert checker.check_event(IDS, "updatecart", cart([line(1, 2, 48.0)], 48.0)) == []
    messages = checker.check_event(IDS, "updatecart", cart([line(2, 1, 12.0)], 12.0, pid=2))
    assert codes(messages) == [("body.cart_value", CART_VALUE_MISMATCH)]
    assert "48.00 before plus 12.00 in line_items is 60.00" in messages[0]["description"]
    assert "--full-cart" in messages[0]["description"]  # the hint, when the lines add up
    # the change was applied: the cart holds both lines, as the sender's should
    checkout = {"checkout": f"{URL}/c", "items": [item(1, 48.0), item(2, 12.0)], "cart_value": 60.0}
    assert checker.check_event(IDS, "checkout", checkout) == []
    # and the full form of a later add is bad too
    full = [line(1, 2, 48.0), line(2, 1, 12.0), line(3, 1, 1.0)]
    assert codes(checker.check_event(IDS, "updatecart", cart(full, 61.0, pid=3))) == [
        ("body.cart_value", CART_VALUE_MISMATCH)
    ]


def test_removing_what_is_not_in_the_cart() -> None:
    checker = Checker()
    checker.check_event(IDS, "updatecart", cart([line(1, 1, 10.0)], 10.0))
    messages = checker.check_event(IDS, "removefromcart", cart([line(1, 3, 30.0)], 0.0))
    assert ("body.line_items[0].quantity", JOURNEY_ORDER) in codes(messages)


def test_checkout_needs_a_non_empty_cart() -> None:
    messages = Checker().check_event(
        IDS, "checkout", {"checkout": f"{URL}/c", "items": [item(1, 5.0)], "cart_value": 5.0}
    )
    assert codes(messages) == [("body.items", JOURNEY_ORDER)]
    assert "empty cart" in messages[0]["description"]


def test_checkout_value_is_the_items_sum_and_the_cart_total() -> None:
    checker = Checker()
    checker.check_event(IDS, "updatecart", cart([line(1, 2, 20.0), line(2, 1, 5.0)], 25.0))
    body = {"checkout": f"{URL}/c", "items": [item(1, 20.0), item(2, 5.0)], "cart_value": 30.0}
    messages = checker.check_event(IDS, "checkout", body)
    assert codes(messages) == [("body.cart_value", CART_VALUE_MISMATCH)] * 2
    assert "sum of the items' prices (25.00)" in messages[0]["description"]
    assert "cart total 25.00" in messages[1]["description"]
    wrong_lines = {
        "checkout": f"{URL}/c",
        "items": [item(1, 10.0), item(2, 15.0)],
        "cart_value": 25.0,
    }
    assert codes(checker.check_event(IDS, "checkout", wrong_lines)) == [
        ("body.items", VALUE_INVALID)
    ]


def test_buy_follows_a_checkout_with_the_same_items() -> None:
    checker = Checker()
    buy = {"checkout_url": f"{URL}/c", "order_id": "A1", "items": [item(1, 10.0)]}
    assert codes(checker.check_event(IDS, "buy", buy)) == [("body.items", JOURNEY_ORDER)]
    checker.check_event(IDS, "updatecart", cart([line(1, 1, 10.0)], 10.0))
    checker.check_event(
        IDS, "checkout", {"checkout": f"{URL}/c", "items": [item(1, 10.0)], "cart_value": 10.0}
    )
    other = {**buy, "order_id": "A2", "items": [item(9, 10.0)]}
    assert codes(checker.check_event(IDS, "buy", other)) == [("body.items", VALUE_INVALID)]


def test_order_ids_are_not_reused() -> None:
    checker = Checker()
    for order in ("A1", "A1"):
        checker.check_event(IDS, "updatecart", cart([line(1, 1, 10.0)], 10.0))
        checker.check_event(
            IDS, "checkout", {"checkout": f"{URL}/c", "items": [item(1, 10.0)], "cart_value": 10.0}
        )
        messages = checker.check_event(
            IDS, "buy", {"checkout_url": f"{URL}/c", "order_id": order, "items": [item(1, 10.0)]}
        )
    assert codes(messages) == [("body.order_id", VALUE_INVALID)]


def test_one_roaming_id_per_nitro_id() -> None:
    checker = Checker()
    assert checker.check_event(IDS, "view", {"page": f"{URL}/"}) == []
    other = (ORG, "biscuit_00000000-96f6-430c-bfc4-d41ec31e38a4", NITRO, "null")
    messages = checker.check_event(other, "view", {"page": f"{URL}/"})
    assert codes(messages) == [("path.roaming_id", ID_CONFLICT)]


def test_identify_payload_checks() -> None:
    checker = Checker()
    good = encode_payload({"email": "a@b.in", "phone": "+91 98", "name": "अनु"})
    assert checker.check_identify(ORG, ROAM, NITRO, good) == (
        [],
        [],
        {"email": "a@b.in", "phone": "+91 98", "name": "अनु"},
    )
    messages, warnings, payload = checker.check_identify(
        ORG, ROAM, NITRO, encode_payload({"email": "nope", "phone": 5})
    )
    assert payload is not None
    assert codes(messages) == [("payload.phone", VALUE_INVALID), ("payload.email", VALUE_INVALID)]
    assert codes(warnings) == [("payload.name", VALUE_RECOMMENDED)]
    messages, warnings, payload = checker.check_identify(ORG, ROAM, NITRO, "!!!")
    assert payload is None
    assert codes(messages) == [("path.payload", PAYLOAD_INVALID)]


def test_identify_needs_one_contact_and_warns_of_the_others() -> None:
    checker = Checker()
    messages, warnings, _ = checker.check_identify(
        ORG, ROAM, NITRO, encode_payload({"phone": "+91 98"})
    )
    assert messages == []
    assert codes(warnings) == [
        ("payload.email", VALUE_RECOMMENDED),
        ("payload.name", VALUE_RECOMMENDED),
    ]
    assert "email is missing" in warnings[0]["description"]
    messages, warnings, _ = checker.check_identify(
        ORG, ROAM, NITRO, encode_payload({"source": "newsletter", "email": ""})
    )
    assert codes(messages) == [("payload", VALUE_REQUIRED)]
    assert messages[0]["description"] == "payload has none of email, phone and name"
    assert warnings == []


def test_the_seed_example_identify_is_good() -> None:
    """The seed's own example payload: source, phone and name, no email."""
    seed = "eyJzb3VyY2UiOiJncmsgdGVzdCIsInBob25lIjoiMzg0NTY3ODkwMDEiLCJuYW1lIjoiVmlzaXRvciBFbW9yY3kifQ=="
    messages, warnings, payload = Checker().check_identify(ORG, ROAM, NITRO, seed)
    assert payload == {"source": "grk test", "phone": "38456789001", "name": "Visitor Emorcy"}
    assert messages == []
    assert codes(warnings) == [("payload.email", VALUE_RECOMMENDED)]


def test_reset_forgets_visitors() -> None:
    checker = Checker()
    checker.check_event(IDS, "updatecart", cart([line(1, 1, 10.0)], 10.0))
    checker.reset()
    assert checker.visitors == {}
    assert checker.funnel()["updatecart"] == 0


def test_the_least_recently_active_visitor_is_let_go_past_the_limit() -> None:
    checker = Checker(max_visitors=2)
    nitro = [f"de8daa44-ac2e-4ba2-8e1c-98{n:010d}" for n in range(3)]

    def send(n: int, kind: str, body: dict[str, Any]) -> list[dict[str, str]]:
        return checker.check_event((ORG, ROAM, nitro[n], "null"), kind, body)

    assert send(0, "updatecart", cart([line(1, 1, 24.0)], 24.0)) == []
    assert send(1, "view", {"page": f"{URL}/"}) == []
    assert send(0, "view", {"page": f"{URL}/"}) == []  # 0 is now the more recent
    assert send(2, "view", {"page": f"{URL}/"}) == []  # over the limit: 1 is let go
    assert list(checker.visitors) == [nitro[0], nitro[2]]
    # 0 kept its cart: checking out what it holds is good
    checkout = {"checkout": f"{URL}/checkout", "items": [item(1, 24.0)], "cart_value": 24.0}
    assert send(0, "checkout", checkout) == []
    assert checker.seen == 3 and len(checker.visitors) == 2
    send(1, "view", {"page": f"{URL}/"})  # back after being let go: met again
    assert checker.seen == 4 and len(checker.visitors) == 2
