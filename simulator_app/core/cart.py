"""The cart and its arithmetic: the one place money is added up.

Amounts are kept in integer cents, so totals never drift, and leave as JSON
numbers rounded to two decimals. The rules (CONTRACT.md, "Cart arithmetic"):
``line_price`` = unit price × quantity; ``updatecart`` and ``removefromcart``
carry the lines that changed (or, with ``full_cart``, every line now in the
cart) and ``cart_value``, the total after the change; ``checkout`` and ``buy``
carry one item per cart line with ``price`` = that line's ``line_price``.

Standard library only: the Locust exporter inlines this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulator_app.core.model import Product


def money(cents: int) -> float:
    """Cents as a JSON-ready amount with two decimals."""
    return round(cents / 100, 2)


@dataclass(slots=True)
class CartLine:
    """A product and how many of it are in the cart."""

    product: Product
    quantity: int

    @property
    def line_cents(self) -> int:
        return self.product.price_cents * self.quantity


class Cart:
    """A visitor's cart: lines in the order they were first added."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.lines: dict[int, CartLine] = {}
        self.last_added: int | None = None

    @property
    def total_cents(self) -> int:
        return sum(line.line_cents for line in self.lines.values())

    def __bool__(self) -> bool:
        return bool(self.lines)

    def url(self, path: str) -> str:
        return path if "://" in path else self.base_url + path

    def line_item(self, product: Product, quantity: int) -> dict[str, Any]:
        """A line item as the API wants it, for ``quantity`` of ``product``."""
        return {
            "quantity": quantity,
            "title": product.title,
            "line_price": money(product.price_cents * quantity),
            "id": product.variant_id,
            "product_id": product.id,
            "image_url": self.url(product.image_url),
        }

    def _change_body(self, product: Product, changed: int, full_cart: bool) -> dict[str, Any]:
        if full_cart:
            items = [self.line_item(ln.product, ln.quantity) for ln in self.lines.values()]
        else:
            items = [self.line_item(product, changed)]
        return {
            "cart_url": self.url("/cart"),
            "product_id": product.id,
            "line_items": items,
            "cart_value": money(self.total_cents),
        }

    def add(self, product: Product, quantity: int, full_cart: bool = False) -> dict[str, Any]:
        """Add ``quantity`` of ``product``; the ``updatecart`` body."""
        line = self.lines.get(product.id)
        if line is None:
            self.lines[product.id] = CartLine(product, quantity)
        else:
            line.quantity += quantity
        self.last_added = product.id
        return self._change_body(product, quantity, full_cart)

    def remove(
        self, product_id: int, quantity: int | None, full_cart: bool = False
    ) -> dict[str, Any] | None:
        """Remove ``quantity`` (None: all) of a line; the ``removefromcart`` body.

        None when the product is not in the cart: there is nothing to remove.
        """
        line = self.lines.get(product_id)
        if line is None:
            return None
        removed = line.quantity if quantity is None else min(quantity, line.quantity)
        line.quantity -= removed
        if line.quantity == 0:
            del self.lines[product_id]
            if self.last_added == product_id:
                self.last_added = None
        return self._change_body(line.product, removed, full_cart)

    def checkout_items(self) -> list[dict[str, Any]]:
        """One item per line, ``price`` being that line's ``line_price``."""
        return [
            {
                "product_id": ln.product.id,
                "price": money(ln.line_cents),
                "product_url": self.url(ln.product.url),
            }
            for ln in self.lines.values()
        ]

    def checkout_body(self) -> dict[str, Any]:
        """The ``checkout`` body: the items and the cart total."""
        items = self.checkout_items()
        return {
            "checkout": self.url("/checkout"),
            "items": items,
            "cart_value": money(self.total_cents),
        }

    def clear(self) -> None:
        self.lines.clear()
        self.last_added = None
