"""What each request must carry: the field rules of CONTRACT.md's tables, as messages.

Messages are shaped like the GA4 validation server's
(``{"fieldPath", "description", "code"}``). Field paths name where the mistake
is: ``path.roaming_id``, ``body.line_items[0].line_price``, ``query.page``,
``payload.email``. Plain functions, no state: :mod:`checks` adds what needs a
visitor's history (cart, journey order).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from simulator_app.core.cart import to_cents
from simulator_app.core.contract import EVENT_TYPES, id_problem

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
CHECK_FAILED = "CHECK_FAILED"  # the collector itself failed to judge the request
VALUE_RECOMMENDED = "VALUE_RECOMMENDED"  # a warning: good without it, better with it

MAX_MONEY = 10**12  # the largest amount judged plausible (money, in whole units)


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
        return f"must be an absolute http(s) URL, got {show(value)}"
    return None


def _text(value: object) -> str | None:
    return None if isinstance(value, str) else f"must be text (a JSON string), got {_kind(value)}"


def _nonempty_text(value: object) -> str | None:
    if not isinstance(value, str):
        return f"must be text (a JSON string), got {_kind(value)}"
    return None if value.strip() else "must not be empty"


def _product_id(value: object) -> str | None:
    if not _is_number(value) or (isinstance(value, float) and not value.is_integer()):
        return f"must be a whole number, got {show(value)}"
    return None


def _quantity(value: object) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        return f"must be a whole number of at least 1, got {show(value)}"
    return None


def _money(value: object) -> str | None:
    if not _is_number(value):
        return f"must be a number (money, two decimals), got {show(value)}"
    assert isinstance(value, int | float)
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be a finite number, got {value}"
    if value < 0:
        return f"must not be negative, got {show(value)}"
    if value > MAX_MONEY:
        return f"must be at most {MAX_MONEY} (money), got {show(value)}"
    if to_cents(value) is None:
        return f"must have at most two decimals, got {show(value)}"
    return None


def show(value: object) -> str:
    """A value as messages quote it: repr for text and numbers, a kind otherwise; short."""
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
            out.append(message(f"path.{kind}", f"{kind} {show(value)} {problem}", VALUE_INVALID))
    return out


CONTACT_KEYS = ("email", "phone", "name")


def payload_problems(payload: dict[str, Any]) -> tuple[list[Message], list[Message]]:
    """What is wrong with identify's decoded payload, and what it lacks: (errors, warnings).

    Good with at least one of email, phone and name as text (the seed's own
    example has no email); each one missing is a warning. A contact field
    that is there but not text, or an email without ``@``, is an error.
    """
    errors: list[Message] = []
    missing: list[str] = []
    for key in CONTACT_KEYS:
        value = payload.get(key)
        if value is None or value == "":
            missing.append(key)
        elif not isinstance(value, str):
            errors.append(
                message(f"payload.{key}", f"{key} must be text, got {_kind(value)}", VALUE_INVALID)
            )
    if len(missing) == len(CONTACT_KEYS):
        errors.append(
            message("payload", "payload has none of email, phone and name", VALUE_REQUIRED)
        )
        missing = []
    email = payload.get("email")
    if isinstance(email, str) and email and ("@" not in email or "." not in email.split("@")[-1]):
        errors.append(
            message("payload.email", f"email {show(email)} is not an email address", VALUE_INVALID)
        )
    warnings = [
        message(
            f"payload.{key}",
            f"{key} is missing (a warning: identify needs one of email, phone and name)",
            VALUE_RECOMMENDED,
        )
        for key in missing
    ]
    return errors, warnings


def unknown_type_message(event_type: str) -> Message:
    """The message for an event path whose type is not one of the seven."""
    return message(
        "path.type",
        f"unknown event type {show(event_type)}; expected one of {', '.join(EVENT_TYPES)}",
        PATH_UNKNOWN,
    )
