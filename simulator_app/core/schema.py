"""The JSON Schema of scenario files: the one description of the format.

The validator checks files against it, ``nitrox-sim schema`` prints it, and
``scenarios/scenario.schema.json`` is this schema written out, so editors
with a YAML language server complete and check scenario files.
"""

from __future__ import annotations

import json
from typing import Any

from simulator_app.core.contract import STEP_TYPES
from simulator_app.core.model import (
    ALL,
    ARRIVAL_PATTERNS,
    FROM_CATEGORY,
    IN_CART,
    LAST_ADDED,
    RANDOM,
    VIEWED,
)

_UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_ROAMING = "^biscuit_" + _UUID[1:]
# The engine puts base_url before a page or product URL that has no "://" in it, so
# "sale" would become "https://shop.example.comsale": a path must start with "/".
_PATH_OR_URL = "/|https?://[^\\s/]+"
_PATH_OR_URL_IS = "a path starting with '/' or a full http:// or https:// URL"


def _page_url(what: str) -> dict[str, Any]:
    return {
        "type": "string",
        "pattern": f"^({_PATH_OR_URL})",
        "description": f"{what}: {_PATH_OR_URL_IS}",
    }


def _number_or_range(minimum: float, what: str, integer: bool = False) -> dict[str, Any]:
    kind = "integer" if integer else "number"
    return {
        "description": f"{what}: a {kind}, or [low, high] to draw uniformly between them",
        "oneOf": [
            {"type": kind, "minimum": minimum},
            {
                "type": "array",
                "items": {"type": kind, "minimum": minimum},
                "minItems": 2,
                "maxItems": 2,
            },
        ],
    }


_PRODUCT_SELECTOR: dict[str, Any] = {
    "description": (
        f"a product id, or '{RANDOM}' (any product), '{FROM_CATEGORY}' (one of the category "
        f"viewed last), '{VIEWED}' (the product viewed last)"
    ),
    "oneOf": [
        {"type": "integer", "minimum": 0},
        {"enum": [RANDOM, FROM_CATEGORY, VIEWED]},
    ],
}

_STEP: dict[str, Any] = {
    "type": "object",
    "description": "One step of a journey",
    "required": ["type"],
    "additionalProperties": False,
    "properties": {
        "type": {"enum": list(STEP_TYPES), "description": "the request this step sends"},
        "page": {
            "type": "string",
            "pattern": f"^({RANDOM}$|{_PATH_OR_URL})",
            "description": f"view: {_PATH_OR_URL_IS}, or '{RANDOM}'",
        },
        "category": {
            "type": "string",
            "minLength": 1,
            "description": f"categoryview: a category of the catalog, or '{RANDOM}'",
        },
        "product": {
            "description": (
                "productview/updatecart: "
                + _PRODUCT_SELECTOR["description"]
                + f"; removefromcart: a product id, '{IN_CART}' or '{LAST_ADDED}'"
            ),
            "oneOf": [
                {"type": "integer", "minimum": 0},
                {"enum": [RANDOM, FROM_CATEGORY, VIEWED, IN_CART, LAST_ADDED]},
            ],
        },
        "quantity": {
            "description": f"updatecart/removefromcart: how many (removefromcart: or '{ALL}')",
            "oneOf": [
                {"type": "integer", "minimum": 1},
                {
                    "type": "array",
                    "items": {"type": "integer", "minimum": 1},
                    "minItems": 2,
                    "maxItems": 2,
                },
                {"const": ALL},
            ],
        },
        "repeat": _number_or_range(0, "how many times the step is sent", integer=True),
        "continue": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": "probability of going on after this step (1 - drop-off)",
        },
        "think": _number_or_range(0, "seconds the visitor waits after the step"),
        "source": {"type": "string", "description": "identify: a 'source' key in the payload"},
    },
}

_PRODUCT: dict[str, Any] = {
    "type": "object",
    "required": ["id", "title", "price"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "integer", "minimum": 0},
        "title": {"type": "string", "minLength": 1},
        "price": {"type": "number", "minimum": 0},
        "variant_id": {"type": "string", "minLength": 1},
        "url": _page_url("the product page"),
        "image_url": _page_url("the product image"),
    },
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://nitrox-traffic-simulator.invalid/scenario.schema.json",
    "title": "Nitrox Traffic Simulator scenario",
    "type": "object",
    "required": ["store", "ids", "journeys"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string"},
        "description": {"type": "string"},
        "store": {
            "type": "object",
            "required": ["base_url"],
            "additionalProperties": False,
            "properties": {
                "base_url": {
                    "type": "string",
                    "pattern": "^https?://[^\\s/]+",
                    "description": "an http:// or https:// URL: the shop's address, used in page, product and cart URLs",
                },
                "pages": {"type": "array", "items": _page_url("a page of the store")},
                "catalog": {
                    "type": "object",
                    "required": ["categories"],
                    "additionalProperties": False,
                    "properties": {
                        "categories": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["name"],
                                "additionalProperties": False,
                                "properties": {
                                    "name": {"type": "string", "minLength": 1},
                                    "products": {"type": "array", "items": _PRODUCT},
                                },
                            },
                        }
                    },
                },
                "generate": {
                    "type": "object",
                    "additionalProperties": False,
                    "description": "settings for a generated catalog (used when there is no catalog)",
                    "properties": {
                        "categories": {"type": "integer", "minimum": 1, "maximum": 1000},
                        "products_per_category": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": 10000,
                        },
                        "price_min": {"type": "number", "minimum": 0},
                        "price_max": {"type": "number", "minimum": 0},
                        "seed": {"type": "integer"},
                    },
                },
            },
        },
        "identities": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "locales": {
                    "description": "Faker locale(s), such as en_IN or hi_IN",
                    "oneOf": [
                        {"type": "string"},
                        {"type": "array", "items": {"type": "string"}, "minItems": 1},
                    ],
                },
                "seed": {"type": "integer", "description": "the same seed gives the same visitors"},
            },
        },
        "ids": {
            "type": "object",
            "required": ["org_id"],
            "additionalProperties": False,
            "properties": {
                "org_id": {"type": "string", "pattern": _UUID, "description": "a UUID"},
                "roaming_id": {
                    "description": "'random' (per visitor) or a fixed biscuit_<uuid>",
                    "oneOf": [{"const": "random"}, {"type": "string", "pattern": _ROAMING}],
                },
                "nitro_id": {
                    "description": "'random' (per visitor) or a fixed UUID",
                    "oneOf": [{"const": "random"}, {"type": "string", "pattern": _UUID}],
                },
                "nitrox_id": {
                    "description": "'null' (unknown visitor), 'random' or a fixed UUID",
                    "oneOf": [{"enum": ["null", "random"]}, {"type": "string", "pattern": _UUID}],
                },
            },
        },
        "tracker": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "view_method": {"enum": ["POST", "GET", "post", "get"]},
                "tracker_headers": {"type": "boolean"},
                "cache_buster": {"type": "boolean"},
                "full_cart": {
                    "type": "boolean",
                    "description": "line_items carry every cart line, not just the change",
                },
            },
        },
        "schedule": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "visitors": {"type": "integer", "minimum": 1, "maximum": 100_000_000},
                "duration": {"type": "number", "minimum": 0, "description": "seconds"},
                "pattern": {"enum": list(ARRIVAL_PATTERNS)},
                "start_hour": {"type": "number", "minimum": 0, "maximum": 24},
                "hours": {"type": "number", "exclusiveMinimum": 0},
                "curve": {
                    "type": "array",
                    "items": {"type": "number", "minimum": 0},
                    "minItems": 24,
                    "maxItems": 24,
                },
            },
        },
        "journeys": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "steps"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "weight": {"type": "number", "minimum": 0},
                    "steps": {"type": "array", "minItems": 1, "items": _STEP},
                },
            },
        },
    },
}


def schema_json() -> str:
    """The schema as the JSON text written to ``scenarios/scenario.schema.json``."""
    return json.dumps(SCHEMA, indent=2, ensure_ascii=False) + "\n"
