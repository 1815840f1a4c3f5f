"""The cart and its arithmetic: the one place money is added up.

Amounts are kept in integer cents, so totals never drift, and leave as JSON
numbers rounded to two decimals. The rules (CONTRACT.md, "Cart arithmetic"):
``line_price`` = unit price × quantity; ``updatecart`` and ``removefromcart``
carry the lines that changed (or, with ``full_cart``, every line now in the
cart) and ``cart_value``, the total after the change; ``checkout`` and ``buy``
carry one item per cart line with ``price`` = that line's ``line_price``.

:class:`Cart` makes the bodies the engine sends; :class:`CartLedger` holds a
cart as those bodies describe it (per product, quantity and cents) and is what
the collector's checks and the tests' replay judge bodies with, so the rules
exist once: :func:`expected_cart_value` (what ``cart_value`` must be after a
change, in either form), :meth:`CartLedger.change` (a delta body applied) and
:meth:`CartLedger.replace` (a full-cart body), :meth:`CartLedger.items` (what
a checkout must list). :func:`to_cents` reads an amount off the wire exactly.

Standard library only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from simulator_app.core.model import Product

# One line of a cart body as the arithmetic sees it: product id, quantity, cents
# (of that quantity: a line_price, or a checkout item's price with quantity 0).
Line = tuple[int, int, int]


def money(cents: int) -> float:
    """Cents as a JSON-ready amount with two decimals."""
    return round(cents / 100, 2)


def to_cents(value: int | float) -> int | None:
    """An amount sent on the wire in integer cents, or None when it has more than two decimals.

    Judged on the number as the JSON text wrote it (a float's shortest repr,
    which round-trips), never on ``value * 100`` with a tolerance: that both
    overflows and misjudges amounts around 1e8 and above.
    """
    if isinstance(value, int):
        return value * 100
    text = repr(value)
    whole, _, decimals = text.partition(".")
    if "e" not in text and "n" not in text:  # plain digits: no Decimal needed
        if len(decimals) > 2:
            return None
        return int(whole) * 100 + (-1 if whole.startswith("-") else 1) * int(decimals.ljust(2, "0"))
    if not math.isfinite(value):
        return None
    scaled = Decimal(text).scaleb(2)
    return int(scaled) if scaled == scaled.to_integral_value() else None


def expected_cart_value(before: int, listed: int, sign: int, full_cart: bool) -> int:
    """What ``cart_value`` must be, in cents, after an updatecart (``sign`` 1) or removefromcart (-1).

    ``before`` is the cart's total before it, ``listed`` the sum of its
    ``line_items``' ``line_price``: in the full-cart form those are every line
    now in the cart, so they are the total; else they are the change.
    """
    return listed if full_cart else before + sign * listed


@dataclass(frozen=True, slots=True)
class Shortfall:
    """A removal of more than the cart holds: line ``index`` of the body, and what was held."""

    index: int
    product_id: int
    quantity: int
    held: int


class CartLedger:
    """A cart as cart bodies describe it: per product id, ``[quantity, cents]``, in the order added.

    At most ``max_lines`` lines: a change that would add more stops there and
    says at which line of the body (:attr:`cut_at`).
    """

    __slots__ = ("cut_at", "lines", "max_lines")

    def __init__(self, max_lines: int = 1_000_000) -> None:
        self.lines: dict[int, list[int]] = {}
        self.max_lines = max_lines
        self.cut_at: int | None = None  # the body line the last change stopped at, if any

    @property
    def total(self) -> int:
        """The cart's value in cents."""
        return sum(line[1] for line in self.lines.values())

    def __bool__(self) -> bool:
        return bool(self.lines)

    def __len__(self) -> int:
        return len(self.lines)

    def quantity(self, product_id: int) -> int:
        line = self.lines.get(product_id)
        return 0 if line is None else line[0]

    def items(self) -> list[tuple[int, int]]:
        """(product id, cents) per line, sorted: what a checkout's items must come to."""
        return sorted((pid, line[1]) for pid, line in self.lines.items())

    def change(self, lines: list[Line], sign: int) -> list[Shortfall]:
        """Apply a delta body: ``lines`` added (``sign`` 1) or removed (-1).

        Removing more of a product than the cart holds empties its line and
        is returned as a :class:`Shortfall`.
        """
        self.cut_at = None
        held_lines = self.lines
        short: list[Shortfall] = []
        for i, (pid, qty, cents) in enumerate(lines):
            line = held_lines.get(pid)
            if sign > 0:
                if line is not None:
                    line[0] += qty
                    line[1] += cents
                elif len(held_lines) >= self.max_lines:
                    self.cut_at = i
                    break
                else:
                    held_lines[pid] = [qty, cents]
                continue
            if line is None or line[0] < qty:
                short.append(Shortfall(i, pid, qty, 0 if line is None else line[0]))
            if line is not None:
                line[0] -= qty
                line[1] -= cents
                if line[0] <= 0:
                    del held_lines[pid]
        return short

    def replace(self, lines: list[Line]) -> None:
        """Apply a full-cart body: ``lines`` are every line now in the cart."""
        self.lines = {}
        self.change(lines, 1)

    def clear(self) -> None:
        self.lines = {}
        self.cut_at = None


@dataclass(slots=True)
class CartLine:
    """A product and how many of it are in the cart."""

    product: Product
    quantity: int

    @property
    def line_cents(self) -> int:
        return line_cents(self.product, self.quantity)


def line_cents(product: Product, quantity: int) -> int:
    """``line_price`` in cents: unit price × quantity."""
    return product.price_cents * quantity


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
            "line_price": money(line_cents(product, quantity)),
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
