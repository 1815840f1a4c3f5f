"""The rules of a scenario that no single field can say: each one lives here, once.

They read the file's plain data (so a file that breaks the schema somewhere
still hears about the rest) and say what is wrong as ``(path, message)``.
:func:`reference_problems` needs the scenario itself, since a step may name a
product of a generated catalog.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from simulator_app.core.catalog import resolve_catalog
from simulator_app.core.format import Found, Path
from simulator_app.core.model import (
    ALL,
    FROM_CATEGORY,
    IN_CART,
    LAST_ADDED,
    MAX_PRODUCTS,
    RANDOM,
    VIEWED,
    Scenario,
)


def scenario_problems(data: dict[str, Any]) -> Found:
    """Rules across fields, on data that may have broken the schema elsewhere."""
    yield from _catalog_problems(data["store"])
    yield from _schedule_problems(data.get("schedule", {}))
    journeys = data["journeys"]
    if sum(float(j.get("weight", 1)) for j in journeys) <= 0:
        yield ("journeys",), "the journeys' weights add up to 0"
    names: set[str] = set()
    for ji, journey in enumerate(journeys):
        if journey["name"] in names:
            yield ("journeys", ji, "name"), f"journey name {journey['name']!r} appears twice"
        names.add(journey["name"])
        yield from _journey_problems(("journeys", ji, "steps"), journey["steps"])


def _schedule_problems(schedule: dict[str, Any]) -> Found:
    curve = schedule.get("curve")
    pattern = schedule.get("pattern", "steady")
    wanted = {"daily": 24, "weekly": 168}.get(pattern)
    if curve and wanted is None:
        yield (
            ("schedule", "curve"),
            f"a curve applies to the daily and weekly patterns, not {pattern}",
        )
    elif curve and len(curve) != wanted:
        yield (
            ("schedule", "curve"),
            f"a {pattern} curve has {wanted} weights, this one {len(curve)}",
        )


def _catalog_problems(store: dict[str, Any]) -> Found:
    catalog = store.get("catalog")
    generate = store.get("generate")
    categories = (catalog or {}).get("categories", [])
    listed = sum(len(c.get("products", [])) for c in categories)
    if catalog is not None and generate is None and not listed:
        yield ("store", "catalog"), "the catalog has no products"
    if listed > MAX_PRODUCTS:
        yield ("store", "catalog"), f"lists {listed:,} products; at most {MAX_PRODUCTS:,}"
    if generate is not None:
        if generate.get("price_min", 0) > generate.get("price_max", float("inf")):
            yield ("store", "generate", "price_min"), "price_min is above price_max"
        made = generate.get("categories", 6) * generate.get("products_per_category", 8)
        if made > MAX_PRODUCTS:
            yield (
                ("store", "generate"),
                f"categories × products_per_category is {made:,} products; at most {MAX_PRODUCTS:,}",
            )
    seen: set[int] = set()
    for ci, category in enumerate(categories):
        for pi, product in enumerate(category.get("products", [])):
            if product["id"] in seen:
                where: Path = ("store", "catalog", "categories", ci, "products", pi, "id")
                yield where, f"product id {product['id']} appears twice"
            seen.add(product["id"])


def _journey_problems(here: Path, steps: list[dict[str, Any]]) -> Found:
    has_cart = has_checkout = False
    for si, step in enumerate(steps):
        at = (*here, si)
        kind = step["type"]
        product = step.get("product")
        if kind == "removefromcart" and product in (RANDOM, FROM_CATEGORY, VIEWED):
            yield (
                (*at, "product"),
                f"removefromcart takes a product id, '{IN_CART}' or '{LAST_ADDED}'",
            )
        if kind in ("productview", "updatecart") and product in (IN_CART, LAST_ADDED):
            yield (*at, "product"), f"'{product}' only applies to removefromcart"
        if kind == "updatecart" and step.get("quantity") == ALL:
            yield (*at, "quantity"), f"'{ALL}' only applies to removefromcart"
        if kind == "updatecart":
            has_cart = True
        elif kind == "checkout":
            if not has_cart:
                yield (*at, "type"), "checkout needs an updatecart step before it"
            has_checkout = True
        elif kind == "buy" and not has_checkout:
            yield (*at, "type"), "buy needs a checkout step before it"


def reference_problems(scenario: Scenario) -> Iterator[tuple[Path, str]]:
    """Products and categories a step names must be in the (listed or generated) catalog."""
    catalog = resolve_catalog(scenario.store)
    product_ids = {p.id for p in catalog.products}
    categories = set(catalog.categories)
    for ji, journey in enumerate(scenario.journeys):
        for si, step in enumerate(journey.steps):
            at: Path = ("journeys", ji, "steps", si)
            if isinstance(step.product, int) and step.product not in product_ids:
                yield (*at, "product"), f"no product with id {step.product} in the catalog"
            if step.category not in (None, RANDOM) and step.category not in categories:
                yield (*at, "category"), f"no category {step.category!r} in the catalog"
