"""The collector's verdicts on a visitor's history: cart arithmetic and journey order.

:class:`Checker` keeps, per visitor (``nitro_id``), what the rules need to
remember: its roaming_id, its running cart, the items of its last checkout,
the step types it reached. Field rules live in :mod:`fields`. No socket here:
the checks are unit-tested on plain dicts.

It remembers the :data:`MAX_VISITORS` most recently active visitors (about
400 bytes each), so a soak test cannot grow it without bound. A visitor that
stayed silent while that many others were active is judged as new when it
comes back.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from simulator_app.collector.fields import (
    CART_VALUE_MISMATCH,
    FIELDS,
    ID_CONFLICT,
    JOURNEY_ORDER,
    PAYLOAD_INVALID,
    VALUE_INVALID,
    Message,
    body_problems,
    message,
    path_id_problems,
    payload_problems,
    show,
)
from simulator_app.core.contract import STEP_TYPES, PayloadError, decode_payload


def _cents(value: float) -> int:
    return round(value * 100)


def _money_text(cents: int) -> str:
    return f"{cents / 100:.2f}"


_BITS = {t: 1 << i for i, t in enumerate(STEP_TYPES)}
MAX_VISITORS = 1_000_000  # visitors remembered, the least recently active let go first


class VisitorState:
    """What the checks remember about one visitor (one nitro_id)."""

    __slots__ = ("checkout", "lines", "reached", "roaming_id")

    def __init__(self, roaming_id: str) -> None:
        self.roaming_id = roaming_id
        self.lines: dict[int, list[int]] = {}  # product_id -> [quantity, cents]
        self.checkout: list[tuple[int, int]] | None = None  # sorted (product_id, cents)
        self.reached = 0  # bit per step type

    @property
    def total(self) -> int:
        return sum(line[1] for line in self.lines.values())

    def sorted_lines(self) -> list[tuple[int, int]]:
        return sorted((pid, line[1]) for pid, line in self.lines.items())


class Checker:
    """Judges each request against the contract and the visitor's journey so far.

    Not thread-safe: the collector calls it from its one event loop, so each
    visitor's requests are judged in the order they arrived.
    """

    def __init__(self, max_visitors: int = MAX_VISITORS) -> None:
        self.max_visitors = max_visitors
        self.visitors: OrderedDict[str, VisitorState] = OrderedDict()  # least recent first
        self.seen = 0  # visitors met (one let go and back counts again)
        self.order_ids: set[str] = set()
        self.reach: dict[str, int] = dict.fromkeys(STEP_TYPES, 0)

    def reset(self) -> None:
        self.visitors.clear()
        self.seen = 0
        self.order_ids.clear()
        self.reach = dict.fromkeys(STEP_TYPES, 0)

    def funnel(self) -> dict[str, int]:
        """Per step type, the visitors that sent it at least once."""
        return dict(self.reach)

    def _visitor(
        self, step: str, roaming_id: str, nitro_id: str, out: list[Message]
    ) -> VisitorState:
        visitors = self.visitors
        state = visitors.get(nitro_id)
        if state is None:
            state = visitors[nitro_id] = VisitorState(roaming_id)
            self.seen += 1
            if len(visitors) > self.max_visitors:
                visitors.popitem(last=False)
        else:
            visitors.move_to_end(nitro_id)
        if state.roaming_id != roaming_id:
            out.append(
                message(
                    "path.roaming_id",
                    f"nitro_id {nitro_id} came before with roaming_id {state.roaming_id}, "
                    f"now with {show(roaming_id)}: one visitor keeps one roaming_id",
                    ID_CONFLICT,
                )
            )
        bit = _BITS[step]
        if not state.reached & bit:
            state.reached |= bit
            self.reach[step] += 1
        return state

    # -- identify --------------------------------------------------------------

    def check_identify(
        self, org_id: str, roaming_id: str, nitro_id: str, payload_segment: str
    ) -> tuple[list[Message], dict[str, Any] | None]:
        """Messages for an identify request, and its decoded payload (None: unreadable).

        An unreadable payload is what the API answers ``Payload Error`` to.
        """
        out = path_id_problems(
            (("org_id", org_id), ("roaming_id", roaming_id), ("nitro_id", nitro_id))
        )
        try:
            payload = decode_payload(payload_segment)
        except PayloadError as exc:
            out.append(message("path.payload", str(exc), PAYLOAD_INVALID))
            return out, None
        out += payload_problems(payload)
        self._visitor("identify", roaming_id, nitro_id, out)
        return out, payload

    # -- events ----------------------------------------------------------------

    def check_event(
        self,
        ids: tuple[str, str, str, str],
        event_type: str,
        body: dict[str, Any],
        prefix: str = "body.",
    ) -> list[Message]:
        """Messages for one event: path IDs, body fields, then cart and journey order.

        ``prefix`` names where the fields came from (``query.`` for a view by GET).
        """
        org_id, roaming_id, nitro_id, nitrox_id = ids
        out = path_id_problems(
            (
                ("org_id", org_id),
                ("roaming_id", roaming_id),
                ("nitro_id", nitro_id),
                ("nitrox_id", nitrox_id),
            )
        )
        fields_ok = True
        if event_type in FIELDS:
            problems = body_problems(event_type, body, prefix)
            if problems:
                out += problems
                fields_ok = False
        state = self._visitor(event_type, roaming_id, nitro_id, out)
        if fields_ok:
            if event_type == "updatecart":
                self._cart_change(state, body, 1, out)
            elif event_type == "removefromcart":
                self._cart_change(state, body, -1, out)
            elif event_type == "checkout":
                self._checkout(state, body, out)
            elif event_type == "buy":
                self._buy(state, body, out)
        return out

    def _cart_change(
        self, state: VisitorState, body: dict[str, Any], sign: int, out: list[Message]
    ) -> None:
        change = [
            (int(item["product_id"]), int(item["quantity"]), _cents(item["line_price"]))
            for item in body["line_items"]
        ]
        before = state.total
        changed = sum(c for _, _, c in change)
        value = _cents(body["cart_value"])
        if before + sign * changed == value:
            self._apply(state, change, sign, out)
        elif changed == value:
            # The "full cart" form: line_items list every line now in the cart.
            state.lines = {}
            for pid, qty, cents in change:
                line = state.lines.setdefault(pid, [0, 0])
                line[0] += qty
                line[1] += cents
        else:
            verb = "plus" if sign > 0 else "minus"
            out.append(
                message(
                    "body.cart_value",
                    f"cart_value {_money_text(value)} does not match this visitor's cart: "
                    f"{_money_text(before)} before {verb} {_money_text(changed)} in line_items "
                    f"is {_money_text(before + sign * changed)} (and as a full cart, "
                    f"line_items add up to {_money_text(changed)})",
                    CART_VALUE_MISMATCH,
                )
            )
            self._apply(state, change, sign, out)

    @staticmethod
    def _apply(
        state: VisitorState, change: list[tuple[int, int, int]], sign: int, out: list[Message]
    ) -> None:
        for i, (pid, qty, cents) in enumerate(change):
            line = state.lines.get(pid)
            if sign > 0:
                if line is None:
                    state.lines[pid] = [qty, cents]
                else:
                    line[0] += qty
                    line[1] += cents
                continue
            if line is None or line[0] < qty:
                held = 0 if line is None else line[0]
                out.append(
                    message(
                        f"body.line_items[{i}].quantity",
                        f"removes {qty} of product {pid} but this visitor's cart holds {held}",
                        JOURNEY_ORDER,
                    )
                )
            if line is not None:
                line[0] -= qty
                line[1] -= cents
                if line[0] <= 0:
                    del state.lines[pid]

    def _checkout(self, state: VisitorState, body: dict[str, Any], out: list[Message]) -> None:
        items = sorted((int(i["product_id"]), _cents(i["price"])) for i in body["items"])
        value = _cents(body["cart_value"])
        summed = sum(c for _, c in items)
        state.checkout = items
        if not state.lines:
            out.append(
                message(
                    "body.items",
                    "checkout with an empty cart: this visitor has no updatecart "
                    "that left anything in its cart",
                    JOURNEY_ORDER,
                )
            )
            return
        if summed != value:
            out.append(
                message(
                    "body.cart_value",
                    f"cart_value {_money_text(value)} is not the sum of the items' prices "
                    f"({_money_text(summed)})",
                    CART_VALUE_MISMATCH,
                )
            )
        total = state.total
        if value != total:
            out.append(
                message(
                    "body.cart_value",
                    f"cart_value {_money_text(value)} differs from this visitor's cart "
                    f"total {_money_text(total)}",
                    CART_VALUE_MISMATCH,
                )
            )
        elif items != state.sorted_lines():
            out.append(
                message(
                    "body.items",
                    "items do not match the cart's lines: one item per line is expected, "
                    "with price = that line's line_price",
                    VALUE_INVALID,
                )
            )

    def _buy(self, state: VisitorState, body: dict[str, Any], out: list[Message]) -> None:
        items = sorted((int(i["product_id"]), _cents(i["price"])) for i in body["items"])
        if state.checkout is None:
            out.append(message("body.items", "buy without a checkout before it", JOURNEY_ORDER))
        elif items != state.checkout:
            out.append(
                message(
                    "body.items",
                    "items differ from the items of this visitor's checkout",
                    VALUE_INVALID,
                )
            )
        order_id = str(body["order_id"])
        if order_id in self.order_ids:
            out.append(
                message(
                    "body.order_id",
                    f"order_id {show(order_id)} was already used by an earlier buy",
                    VALUE_INVALID,
                )
            )
        self.order_ids.add(order_id)
        state.checkout = None
        state.lines = {}
