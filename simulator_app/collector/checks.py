"""The collector's verdicts on a visitor's history: cart arithmetic and journey order.

:class:`Checker` keeps, per visitor (``nitro_id``), what the rules need to
remember: its roaming_id, its running cart, the items of its last checkout,
the step types it reached. Field rules live in :mod:`fields`. No socket here:
the checks are unit-tested on plain dicts.

Its memory is bounded in bytes, whatever it is sent: it remembers the most
recently active visitors up to :data:`VISITOR_BUDGET` bytes (an estimate per
visitor that grows with its cart) and at most :data:`MAX_VISITORS` of them;
a visitor that stayed silent while others filled that is judged as new when
it comes back. A cart holds at most :data:`MAX_CART_LINES` lines. The
``order_id`` of the latest :data:`MAX_ORDER_IDS` buys is remembered (as a
64-bit hash): a buy reusing an older one is not caught.

The cart arithmetic is the engine's own (:mod:`simulator_app.core.cart`:
:class:`CartLedger`, :func:`expected_cart_value`); these checks judge the wire
around it (fields, journey order, the messages). Whether ``line_items`` carry
the change or the whole cart (the "full cart" form) is a declared setting,
never guessed per request: a guess could turn a wrong ``cart_value`` into a
good verdict.
"""

from __future__ import annotations

from collections import OrderedDict, deque
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
from simulator_app.core.cart import CartLedger, expected_cart_value, to_cents
from simulator_app.core.contract import STEP_TYPES, PayloadError, decode_payload


def _cents(value: float) -> int:
    # only called on amounts the field rules accepted, which always have cents
    return to_cents(value) or 0


def _money_text(cents: int) -> str:
    return f"{cents / 100:.2f}"


_BITS = {t: 1 << i for i, t in enumerate(STEP_TYPES)}
MAX_VISITORS = 1_000_000  # visitors remembered, the least recently active let go first
VISITOR_BUDGET = 64 * 1024 * 1024  # bytes of visitor state remembered (estimated)
MAX_CART_LINES = 1000  # lines one visitor's cart may hold
MAX_ORDER_IDS = 200_000  # order_ids remembered to catch a reused one
MAX_ID_CHARS = 100  # longer roaming_ids are remembered by their first 100 characters
_GOOD_IDS = 64  # valid org_ids and nitrox_ids remembered, to skip checking them again
_HOLDING = frozenset(("updatecart", "removefromcart", "checkout", "buy"))
# Estimated bytes (measured with tracemalloc, see tests/collector/test_memory.py):
# a visitor with an empty cart, and each cart line or checkout item on top.
VISITOR_BYTES = 400
LINE_BYTES = 150
ITEM_BYTES = 130


class VisitorState(CartLedger):
    """What the checks remember about one visitor (one nitro_id): its cart, and more.

    The cart arithmetic is :class:`~simulator_app.core.cart.CartLedger`'s, the
    engine's own rules; the checks add what the wire must show on top.
    """

    __slots__ = ("checkout", "ids_ok", "reached", "roaming_id", "size")

    def __init__(self, roaming_id: str) -> None:
        super().__init__(MAX_CART_LINES)
        self.roaming_id = roaming_id
        self.checkout: list[tuple[int, int]] | None = None  # sorted (product_id, cents)
        self.reached = 0  # bit per step type
        self.size = 0  # the estimate last counted in the checker's total
        self.ids_ok = False  # its roaming_id and nitro_id were valid when last checked

    def estimate(self, key: str) -> int:
        """Bytes this visitor (filed under ``key``) holds, roughly."""
        held = VISITOR_BYTES + len(key) + len(self.roaming_id)
        held += LINE_BYTES * len(self.lines)
        if self.checkout:
            held += ITEM_BYTES * len(self.checkout)
        return held


class Checker:
    """Judges each request against the contract and the visitor's journey so far.

    Not thread-safe: the collector calls it from its one event loop, so each
    visitor's requests are judged in the order they arrived.
    """

    def __init__(
        self,
        full_cart: bool = False,
        max_visitors: int = MAX_VISITORS,
        visitor_budget: int = VISITOR_BUDGET,
        max_order_ids: int = MAX_ORDER_IDS,
    ) -> None:
        self.full_cart = full_cart
        self.max_visitors = max_visitors
        self.visitor_budget = visitor_budget
        self.max_order_ids = max_order_ids
        self.visitors: OrderedDict[str, VisitorState] = OrderedDict()  # least recent first
        self.visitor_bytes = 0  # the sum of the remembered visitors' estimates
        self.seen = 0  # visitors met (one let go and back counts again)
        self.order_ids: set[int] = set()  # hashes of the latest order_ids
        self._order_queue: deque[int] = deque()  # the same, oldest first
        self.reach: dict[str, int] = dict.fromkeys(STEP_TYPES, 0)
        self._good_orgs: set[str] = set()  # org_ids and nitrox_ids seen valid (a few)
        self._good_nitrox: set[str] = set()

    def reset(self) -> None:
        self.visitors.clear()
        self.visitor_bytes = 0
        self.seen = 0
        self.order_ids.clear()
        self._order_queue.clear()
        self.reach = dict.fromkeys(STEP_TYPES, 0)
        self._good_orgs.clear()
        self._good_nitrox.clear()

    def funnel(self) -> dict[str, int]:
        """Per step type, the visitors that sent it at least once."""
        return dict(self.reach)

    def _visitor(
        self,
        step: str,
        roaming_id: str,
        nitro_id: str,
        out: list[Message],
        state: VisitorState | None = None,
    ) -> VisitorState:
        """The visitor's state (``state``: already looked up, None: look it up or make it)."""
        visitors = self.visitors
        remembered = roaming_id if len(roaming_id) <= MAX_ID_CHARS else roaming_id[:MAX_ID_CHARS]
        if state is None:
            state = visitors.get(nitro_id)
        if state is None:
            state = visitors[nitro_id] = VisitorState(remembered)
            self.seen += 1
        else:
            visitors.move_to_end(nitro_id)
        if state.roaming_id != remembered:
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

    def _account(self, nitro_id: str, state: VisitorState) -> None:
        """Count what ``state`` holds now, and let the least recent visitors go past the bounds."""
        size = state.estimate(nitro_id)
        self.visitor_bytes += size - state.size
        state.size = size
        visitors = self.visitors
        while len(visitors) > 1 and (
            self.visitor_bytes > self.visitor_budget or len(visitors) > self.max_visitors
        ):
            _, gone = visitors.popitem(last=False)
            self.visitor_bytes -= gone.size

    # -- identify --------------------------------------------------------------

    def check_identify(
        self, org_id: str, roaming_id: str, nitro_id: str, payload_segment: str
    ) -> tuple[list[Message], list[Message], dict[str, Any] | None]:
        """Messages and warnings for an identify request, and its payload (None: unreadable).

        An unreadable payload is what the API answers ``Payload Error`` to.
        """
        out = path_id_problems(
            (("org_id", org_id), ("roaming_id", roaming_id), ("nitro_id", nitro_id))
        )
        try:
            payload = decode_payload(payload_segment)
        except PayloadError as exc:
            out.append(message("path.payload", str(exc), PAYLOAD_INVALID))
            return out, [], None
        errors, warnings = payload_problems(payload)
        out += errors
        state = self._visitor("identify", roaming_id, nitro_id, out)
        self._account(nitro_id, state)
        return out, warnings, payload

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
        known = self.visitors.get(nitro_id)
        if (
            known is not None
            and known.ids_ok
            and known.roaming_id == roaming_id
            and org_id in self._good_orgs
            and nitrox_id in self._good_nitrox
        ):
            out: list[Message] = []  # the same IDs as this visitor's last good ones
        else:
            out = self._id_problems(org_id, roaming_id, nitro_id, nitrox_id)
        fields_ok = True
        if event_type in FIELDS:
            problems = body_problems(event_type, body, prefix)
            if problems:
                out += problems
                fields_ok = False
        ids_ok = not out
        state = self._visitor(event_type, roaming_id, nitro_id, out, known)
        state.ids_ok = ids_ok and state.roaming_id == roaming_id
        if fields_ok:
            if event_type == "updatecart":
                self._cart_change(state, body, 1, out)
            elif event_type == "removefromcart":
                self._cart_change(state, body, -1, out)
            elif event_type == "checkout":
                self._checkout(state, body, out)
            elif event_type == "buy":
                self._buy(state, body, out)
        if state.size == 0 or event_type in _HOLDING:  # the only ones that change its size
            self._account(nitro_id, state)
        return out

    def _id_problems(
        self, org_id: str, roaming_id: str, nitro_id: str, nitrox_id: str
    ) -> list[Message]:
        out = path_id_problems(
            (
                ("org_id", org_id),
                ("roaming_id", roaming_id),
                ("nitro_id", nitro_id),
                ("nitrox_id", nitrox_id),
            )
        )
        if not out and len(self._good_orgs) < _GOOD_IDS:
            # an org and a nitrox_id are shared by many visitors: remember the good ones
            self._good_orgs.add(org_id)
            self._good_nitrox.add(nitrox_id)
        return out

    def _cart_change(
        self, state: VisitorState, body: dict[str, Any], sign: int, out: list[Message]
    ) -> None:
        change = [
            (int(item["product_id"]), int(item["quantity"]), _cents(item["line_price"]))
            for item in body["line_items"]
        ]
        listed = sum(c for _, _, c in change)
        value = _cents(body["cart_value"])
        full_cart = self.full_cart
        before = state.total
        expected = expected_cart_value(before, listed, sign, full_cart)
        if value != expected:
            out.append(_value_mismatch(value, before, listed, sign, full_cart))
        if full_cart:
            state.replace(change)
        else:
            for short in state.change(change, sign):
                out.append(
                    message(
                        f"body.line_items[{short.index}].quantity",
                        f"removes {short.quantity} of product {short.product_id} "
                        f"but this visitor's cart holds {short.held}",
                        JOURNEY_ORDER,
                    )
                )
        if state.cut_at is not None:
            out.append(_too_many_lines(state.cut_at))

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
        elif items != state.items():
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
        order_id = hash(str(body["order_id"]))
        if order_id in self.order_ids:
            out.append(
                message(
                    "body.order_id",
                    f"order_id {show(body['order_id'])} was already used by an earlier buy",
                    VALUE_INVALID,
                )
            )
        else:
            self._remember_order(order_id)
        state.checkout = None
        state.clear()

    def _remember_order(self, order_hash: int) -> None:
        self.order_ids.add(order_hash)
        queue = self._order_queue
        queue.append(order_hash)
        if len(queue) > self.max_order_ids:
            self.order_ids.discard(queue.popleft())


def _value_mismatch(value: int, before: int, listed: int, sign: int, full_cart: bool) -> Message:
    if full_cart:
        return message(
            "body.cart_value",
            f"cart_value {_money_text(value)} is not the sum of line_items "
            f"({_money_text(listed)}); with full cart on, line_items list every "
            "line now in the cart",
            CART_VALUE_MISMATCH,
        )
    verb = "plus" if sign > 0 else "minus"
    hint = (
        "; line_items add up to cart_value, as in the full-cart form: if the sender "
        "lists every line now in the cart, start the collector with --full-cart"
        if listed == value
        else ""
    )
    return message(
        "body.cart_value",
        f"cart_value {_money_text(value)} does not match this visitor's cart: "
        f"{_money_text(before)} before {verb} {_money_text(listed)} in line_items "
        f"is {_money_text(before + sign * listed)}{hint}",
        CART_VALUE_MISMATCH,
    )


def _too_many_lines(index: int) -> Message:
    return message(
        f"body.line_items[{index}]",
        f"the cart would hold more than {MAX_CART_LINES} lines, the collector's limit: "
        "this line and the ones after it are not counted",
        VALUE_INVALID,
    )
