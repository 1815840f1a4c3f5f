"""An independent replay of the cart rules, to check every body the engine sends.

It keeps its own cart in integer cents from the catalog's prices and checks
each updatecart, removefromcart, checkout and buy body against the rules of
CONTRACT.md ("Cart arithmetic"), without using core/cart.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from simulator_app.core.contract import RequestSpec
from simulator_app.core.model import Catalog, Product


def cents(amount: Any) -> int:
    """An amount sent on the wire, in cents; it must have at most two decimals."""
    assert isinstance(amount, int | float) and not isinstance(amount, bool), amount
    whole = round(amount * 100)
    assert round(whole / 100, 2) == amount, f"{amount!r} is not a two-decimal amount"
    return whole


class CartReplay:
    """Replays one visitor's cart events and asserts each body is consistent."""

    def __init__(self, catalog: Catalog, base_url: str, full_cart: bool) -> None:
        self.by_id: dict[int, Product] = {p.id: p for p in catalog.products}
        self.base_url = base_url
        self.full_cart = full_cart
        self.lines: dict[int, int] = {}  # product id -> quantity, in the order first added
        self.last_checkout: list[dict[str, Any]] | None = None
        self.checkouts = self.buys = self.changes = 0

    def url(self, path: str) -> str:
        return path if "://" in path else self.base_url + path

    def total(self) -> int:
        return sum(self.by_id[pid].price_cents * q for pid, q in self.lines.items())

    def check_line(self, item: dict[str, Any], quantity: int | None = None) -> None:
        product = self.by_id[item["product_id"]]
        assert item["quantity"] >= 1
        if quantity is not None:
            assert item["quantity"] == quantity
        assert cents(item["line_price"]) == product.price_cents * item["quantity"]
        assert item["title"] == product.title
        assert item["id"] == product.variant_id
        assert item["image_url"] == self.url(product.image_url)

    def check_full_lines(self, items: list[dict[str, Any]]) -> None:
        assert [i["product_id"] for i in items] == list(self.lines)
        for item in items:
            self.check_line(item, self.lines[item["product_id"]])

    def checkout_items(self) -> list[dict[str, Any]]:
        return [
            {
                "product_id": pid,
                "price": round(self.by_id[pid].price_cents * q / 100, 2),
                "product_url": self.url(self.by_id[pid].url),
            }
            for pid, q in self.lines.items()
        ]

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
            self.changes += 1
            pid = body["product_id"]
            if self.full_cart:
                added = None
            else:
                [added] = body["line_items"]
                assert added["product_id"] == pid
                self.check_line(added)
            before = self.lines.get(pid, 0)
            if added is not None:
                self.lines[pid] = before + added["quantity"]
            else:
                # every line is in the body: the product's line grew
                after = {i["product_id"]: i["quantity"] for i in body["line_items"]}
                assert after[pid] > before
                self.lines[pid] = after[pid]
                self.check_full_lines(body["line_items"])
            assert body["cart_url"] == self.url("/cart")
            assert cents(body["cart_value"]) == self.total()
        elif spec.step == "removefromcart":
            self.changes += 1
            pid = body["product_id"]
            assert pid in self.lines, "removed a product that is not in the cart"
            if self.full_cart:
                after = {i["product_id"]: i["quantity"] for i in body["line_items"]}
                assert after.get(pid, 0) < self.lines[pid]
                if pid in after:
                    self.lines[pid] = after[pid]
                else:
                    del self.lines[pid]
                self.check_full_lines(body["line_items"])
            else:
                [removed] = body["line_items"]
                assert removed["product_id"] == pid
                assert removed["quantity"] <= self.lines[pid]
                self.check_line(removed)
                self.lines[pid] -= removed["quantity"]
                if not self.lines[pid]:
                    del self.lines[pid]
            assert cents(body["cart_value"]) == self.total()
        elif spec.step == "checkout":
            self.checkouts += 1
            assert self.lines, "checkout with an empty cart"
            assert body["checkout"] == self.url("/checkout")
            assert body["items"] == self.checkout_items()
            assert cents(body["cart_value"]) == sum(cents(i["price"]) for i in body["items"])
            assert cents(body["cart_value"]) == self.total()
            self.last_checkout = body["items"]
        elif spec.step == "buy":
            self.buys += 1
            assert self.last_checkout is not None, "buy without a checkout before it"
            assert body["items"] == self.last_checkout
            assert body["checkout_url"] == self.url("/checkout")
            assert isinstance(body["order_id"], str) and body["order_id"]
            self.last_checkout = None
            self.lines.clear()


def replay(
    specs: Iterable[RequestSpec], catalog: Catalog, base_url: str, full_cart: bool
) -> CartReplay:
    """Replay one visitor's requests; the replay, for its counters."""
    cart = CartReplay(catalog, base_url, full_cart)
    for spec in specs:
        cart.step(spec)
    return cart
