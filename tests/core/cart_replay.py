"""A replay of the cart rules, to check every body the engine sends.

The arithmetic is core/cart.py's own (:class:`CartLedger`,
:func:`expected_cart_value`: the one source of the rules, which the collector
judges with too); what is checked against it comes from elsewhere: each
line's price from the catalog, each body's fields and URLs, the lines' order
and quantities, as CONTRACT.md ("Cart arithmetic") has them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from simulator_app.core.cart import CartLedger, Line, expected_cart_value, line_cents, to_cents
from simulator_app.core.contract import RequestSpec
from simulator_app.core.model import Catalog, Product


def cents(amount: Any) -> int:
    """An amount sent on the wire, in cents; it must have at most two decimals."""
    assert isinstance(amount, int | float) and not isinstance(amount, bool), amount
    whole = to_cents(amount)
    assert whole is not None, f"{amount!r} is not a two-decimal amount"
    return whole


class CartReplay:
    """Replays one visitor's cart events and asserts each body is consistent."""

    def __init__(self, catalog: Catalog, base_url: str, full_cart: bool) -> None:
        self.by_id: dict[int, Product] = {p.id: p for p in catalog.products}
        self.base_url = base_url
        self.full_cart = full_cart
        self.cart = CartLedger()
        self.last_checkout: list[dict[str, Any]] | None = None
        self.checkouts = self.buys = self.changes = 0

    @property
    def lines(self) -> dict[int, int]:
        """Product id -> quantity, in the order first added."""
        return {pid: line[0] for pid, line in self.cart.lines.items()}

    def url(self, path: str) -> str:
        return path if "://" in path else self.base_url + path

    def check_line(self, item: dict[str, Any]) -> Line:
        product = self.by_id[item["product_id"]]
        assert item["quantity"] >= 1
        assert cents(item["line_price"]) == line_cents(product, item["quantity"])
        assert item["title"] == product.title
        assert item["id"] == product.variant_id
        assert item["image_url"] == self.url(product.image_url)
        return (product.id, item["quantity"], cents(item["line_price"]))

    def checkout_items(self) -> list[dict[str, Any]]:
        return [
            {
                "product_id": pid,
                "price": round(line[1] / 100, 2),
                "product_url": self.url(self.by_id[pid].url),
            }
            for pid, line in self.cart.lines.items()
        ]

    def change(self, body: dict[str, Any], sign: int) -> None:
        """An updatecart (``sign`` 1) or removefromcart (-1) body, checked and applied."""
        self.changes += 1
        pid = body["product_id"]
        before = self.lines
        if sign < 0:
            assert pid in before, "removed a product that is not in the cart"
        lines = [self.check_line(item) for item in body["line_items"]]
        listed = sum(c for _, _, c in lines)
        assert cents(body["cart_value"]) == expected_cart_value(
            self.cart.total, listed, sign, self.full_cart
        )
        if self.full_cart:
            # every line is in the body: only the product's line moved, the right way
            after = {p: q for p, q, _ in lines}
            assert len(after) == len(lines), "a product listed twice"
            moved = after.get(pid, 0) - before.get(pid, 0)
            assert moved > 0 if sign > 0 else moved < 0
            assert {p: q for p, q in after.items() if p != pid} == {
                p: q for p, q in before.items() if p != pid
            }
            assert [p for p in after if p in before] == [p for p in before if p in after]
            self.cart.replace(lines)
        else:
            [(changed, _, _)] = lines
            assert changed == pid
            assert not self.cart.change(lines, sign), "removed more than the cart holds"

    def step(self, spec: RequestSpec) -> None:
        if spec.step not in ("updatecart", "removefromcart", "checkout", "buy", "productview"):
            return
        assert spec.body is not None
        body = json.loads(spec.body)
        if spec.step == "productview":
            product = self.by_id[body["product_id"]]
            assert cents(body["price"]) == product.price_cents
            assert body["product_url"] == self.url(product.url)
        elif spec.step == "updatecart":
            self.change(body, 1)
            assert body["cart_url"] == self.url("/cart")
        elif spec.step == "removefromcart":
            self.change(body, -1)
        elif spec.step == "checkout":
            self.checkouts += 1
            assert self.cart, "checkout with an empty cart"
            assert body["checkout"] == self.url("/checkout")
            assert body["items"] == self.checkout_items()
            assert cents(body["cart_value"]) == sum(cents(i["price"]) for i in body["items"])
            assert cents(body["cart_value"]) == self.cart.total
            assert sorted((i["product_id"], cents(i["price"])) for i in body["items"]) == (
                self.cart.items()
            )
            self.last_checkout = body["items"]
        elif spec.step == "buy":
            self.buys += 1
            assert self.last_checkout is not None, "buy without a checkout before it"
            assert body["items"] == self.last_checkout
            assert body["checkout_url"] == self.url("/checkout")
            assert isinstance(body["order_id"], str) and body["order_id"]
            self.last_checkout = None
            self.cart.clear()


def replay(
    specs: Iterable[RequestSpec], catalog: Catalog, base_url: str, full_cart: bool
) -> CartReplay:
    """Replay one visitor's requests; the replay, for its counters."""
    cart = CartReplay(catalog, base_url, full_cart)
    for spec in specs:
        cart.step(spec)
    return cart
