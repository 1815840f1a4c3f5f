"""The collector's verdicts: every rule of CONTRACT.md, checked without a socket.

Messages are shaped like the GA4 validation server's
(``{"fieldPath", "description", "code"}``). :class:`Checker` keeps, per
visitor (``nitro_id``), what the rules need to remember: its roaming_id, its
running cart, the items of its last checkout, the step types it reached.

Field paths name where the mistake is: ``path.roaming_id``,
``body.line_items[0].line_price``, ``query.page``, ``payload.email``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from simulator_app.core.contract import (
    EVENT_TYPES,
    STEP_TYPES,
    PayloadError,
    decode_payload,
    id_problem,
)

Message = dict[str, str]

# Codes: GA4's where they fit, and a few for what GA4 has no word for.
VALUE_REQUIRED = "VALUE_REQUIRED"
VALUE_INVALID = "VALUE_INVALID"
CART_VALUE_MISMATCH = "CART_VALUE_MISMATCH"
JOURNEY_ORDER = "JOURNEY_ORDER"
ID_CONFLICT = "ID_CONFLICT"
PAYLOAD_INVALID = "PAYLOAD_INVALID"
BODY_INVALID = "BODY_INVALID"
ENCODING_INVALID = "ENCODING_INVALID"
CONTENT_TYPE_INVALID = "CONTENT_TYPE_INVALID"
BODY_TOO_LARGE = "BODY_TOO_LARGE"
PATH_UNKNOWN = "PATH_UNKNOWN"
METHOD_INVALID = "METHOD_INVALID"


def message(field_path: str, description: str, code: str) -> Message:
    """One validation message, as the inspection API shows it."""
    return {"fieldPath": field_path, "description": description, "code": code}


# -- field kinds: each returns why a present, non-null value is wrong, or None --


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _url(value: object) -> str | None:
    if not isinstance(value, str):
        return "must be a URL in a JSON string"
    if not value.startswith(("https://", "http://")) or len(value) < 10:
        return f"must be an absolute http(s) URL, got {_show(value)}"
    return None


def _text(value: object) -> str | None:
    return None if isinstance(value, str) else f"must be text (a JSON string), got {_kind(value)}"


def _nonempty_text(value: object) -> str | None:
    if not isinstance(value, str):
        return f"must be text (a JSON string), got {_kind(value)}"
    return None if value.strip() else "must not be empty"


def _product_id(value: object) -> str | None:
    if not _is_number(value) or (isinstance(value, float) and not value.is_integer()):
        return f"must be a whole number, got {_show(value)}"
    return None


def _quantity(value: object) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        return f"must be a whole number of at least 1, got {_show(value)}"
    return None


def _money(value: object) -> str | None:
    if not _is_number(value):
        return f"must be a number (money, two decimals), got {_show(value)}"
    assert isinstance(value, int | float)
    if value < 0:
        return f"must not be negative, got {value}"
    if abs(value * 100 - round(value * 100)) > 1e-6:
        return f"must have at most two decimals, got {value}"
    return None


def _show(value: object) -> str:
    text = repr(value) if isinstance(value, str) else _kind(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


FieldRule = tuple[str, Callable[[object], str | None]]

LINE_ITEM: tuple[FieldRule, ...] = (
    ("quantity", _quantity),
    ("title", _text),
    ("line_price", _money),
    ("id", _text),
    ("product_id", _product_id),
    ("image_url", _url),
)
ITEM: tuple[FieldRule, ...] = (
    ("product_id", _product_id),
    ("price", _money),
    ("product_url", _url),
)

# The body of each event type: plain fields, then lists of line items or items.
FIELDS: dict[str, tuple[FieldRule, ...]] = {
    "view": (("page", _url),),
    "productview": (("product_id", _product_id), ("price", _money), ("product_url", _url)),
    "categoryview": (("category", _nonempty_text),),
    "updatecart": (("cart_url", _url), ("product_id", _product_id), ("cart_value", _money)),
    "removefromcart": (("cart_url", _url), ("product_id", _product_id), ("cart_value", _money)),
    "checkout": (("checkout", _url), ("cart_value", _money)),
    "buy": (("checkout_url", _url), ("order_id", _nonempty_text)),
}
LISTS: dict[str, tuple[str, tuple[FieldRule, ...], bool]] = {
    # type: (list field, item rules, must be non-empty)
    "updatecart": ("line_items", LINE_ITEM, True),
    "removefromcart": ("line_items", LINE_ITEM, False),
    "checkout": ("items", ITEM, False),
    "buy": ("items", ITEM, True),
}


def _check_fields(
    data: dict[str, Any], rules: Sequence[FieldRule], prefix: str, out: list[Message]
) -> None:
    for name, rule in rules:
        value = data.get(name)
        if value is None:
            why = "is missing" if name not in data else "must not be null"
            out.append(message(prefix + name, f"{name} {why}", VALUE_REQUIRED))
            continue
        problem = rule(value)
        if problem:
            out.append(message(prefix + name, f"{name} {problem}", VALUE_INVALID))


def body_problems(event_type: str, body: dict[str, Any], prefix: str = "body.") -> list[Message]:
    """The field and type mistakes in an event's body (CONTRACT.md's tables).

    ``prefix`` starts each field path: ``query.`` for a view sent by GET.
    """
    out: list[Message] = []
    _check_fields(body, FIELDS[event_type], prefix, out)
    listed = LISTS.get(event_type)
    if listed is None:
        return out
    name, rules, nonempty = listed
    items = body.get(name)
    if items is None:
        why = "is missing" if name not in body else "must not be null"
        out.append(message(f"body.{name}", f"{name} {why}", VALUE_REQUIRED))
    elif not isinstance(items, list):
        out.append(
            message(f"body.{name}", f"{name} must be a list, got {_kind(items)}", VALUE_INVALID)
        )
    elif nonempty and not items:
        out.append(message(f"body.{name}", f"{name} must not be empty", VALUE_REQUIRED))
    else:
        for i, item in enumerate(items):
            where = f"body.{name}[{i}]."
            if not isinstance(item, dict):
                out.append(
                    message(where[:-1], f"must be an object, got {_kind(item)}", VALUE_INVALID)
                )
            else:
                _check_fields(item, rules, where, out)
    return out


def path_id_problems(ids: Sequence[tuple[str, str]]) -> list[Message]:
    """Messages for the path identifiers ``(kind, value)`` that break their format."""
    out: list[Message] = []
    for kind, value in ids:
        problem = id_problem(kind, value)
        if problem:
            out.append(message(f"path.{kind}", f"{kind} {_show(value)} {problem}", VALUE_INVALID))
    return out


def payload_problems(payload: dict[str, Any]) -> list[Message]:
    """What identify's decoded payload lacks: email, phone and name as text."""
    out: list[Message] = []
    for key in ("email", "phone", "name"):
        value = payload.get(key)
        if value is None or value == "":
            out.append(message(f"payload.{key}", f"{key} is missing", VALUE_REQUIRED))
        elif not isinstance(value, str):
            out.append(
                message(f"payload.{key}", f"{key} must be text, got {_kind(value)}", VALUE_INVALID)
            )
    email = payload.get("email")
    if isinstance(email, str) and email and ("@" not in email or "." not in email.split("@")[-1]):
        out.append(
            message("payload.email", f"email {_show(email)} is not an email address", VALUE_INVALID)
        )
    return out


def _cents(value: float) -> int:
    return round(value * 100)


def _money_text(cents: int) -> str:
    return f"{cents / 100:.2f}"


_BITS = {t: 1 << i for i, t in enumerate(STEP_TYPES)}


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

    def __init__(self) -> None:
        self.visitors: dict[str, VisitorState] = {}
        self.order_ids: set[str] = set()
        self.reach: dict[str, int] = dict.fromkeys(STEP_TYPES, 0)

    def reset(self) -> None:
        self.visitors.clear()
        self.order_ids.clear()
        self.reach = dict.fromkeys(STEP_TYPES, 0)

    def funnel(self) -> dict[str, int]:
        """Per step type, the visitors that sent it at least once."""
        return dict(self.reach)

    def _visitor(
        self, step: str, roaming_id: str, nitro_id: str, out: list[Message]
    ) -> VisitorState:
        state = self.visitors.get(nitro_id)
        if state is None:
            state = self.visitors[nitro_id] = VisitorState(roaming_id)
        elif state.roaming_id != roaming_id:
            out.append(
                message(
                    "path.roaming_id",
                    f"nitro_id {nitro_id} came before with roaming_id {state.roaming_id}, "
                    f"now with {_show(roaming_id)}: one visitor keeps one roaming_id",
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
                    f"order_id {_show(order_id)} was already used by an earlier buy",
                    VALUE_INVALID,
                )
            )
        self.order_ids.add(order_id)
        state.checkout = None
        state.lines = {}


def unknown_type_message(event_type: str) -> Message:
    """The message for an event path whose type is not one of the seven."""
    return message(
        "path.type",
        f"unknown event type {_show(event_type)}; expected one of {', '.join(EVENT_TYPES)}",
        PATH_UNKNOWN,
    )
