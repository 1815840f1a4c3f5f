"""The scenario model: plain, frozen data that every runner reads.

A :class:`Scenario` is what a scenario file says once it has been validated
(see :mod:`simulator_app.core.scenario_file`). Nothing here does I/O.

Plain standard library only: the Locust exporter inlines this module into the
generated locustfile, where the scenario travels as JSON and is rebuilt with
:func:`scenario_from_dict`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Selector values a step may use instead of a specific page, category or product.
RANDOM = "random"
FROM_CATEGORY = "category"  # a product of the category the visitor viewed last
VIEWED = "viewed"  # the product the visitor viewed last
IN_CART = "cart"  # a line already in the cart (removefromcart)
LAST_ADDED = "last_added"  # the line added last (removefromcart)
ALL = "all"  # the whole line (removefromcart quantity)

ARRIVAL_PATTERNS: tuple[str, ...] = ("burst", "steady", "ramp", "poisson", "daily")
ID_STRATEGIES: tuple[str, ...] = ("random", "fixed")


@dataclass(frozen=True, slots=True)
class Range:
    """A number drawn uniformly between ``low`` and ``high`` (equal for a fixed value)."""

    low: float
    high: float

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2


@dataclass(frozen=True, slots=True)
class Product:
    """A product of the store's catalog."""

    id: int
    title: str
    price_cents: int
    category: str
    variant_id: str
    url: str
    image_url: str


@dataclass(frozen=True, slots=True)
class Catalog:
    """The store's categories, in order, and their products."""

    categories: tuple[str, ...]
    products: tuple[Product, ...]


@dataclass(frozen=True, slots=True)
class CatalogGenerator:
    """Settings for a generated catalog."""

    categories: int = 6
    products_per_category: int = 8
    price_min: float = 5.0
    price_max: float = 150.0
    seed: int = 1


@dataclass(frozen=True, slots=True)
class Store:
    """The shop the visitors browse: its base URL, extra pages and catalog."""

    base_url: str
    pages: tuple[str, ...] = ("/",)
    catalog: Catalog | None = None
    generate: CatalogGenerator | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a journey.

    ``target`` is the page (view), category (categoryview) or product
    (productview, updatecart, removefromcart): a specific value or one of the
    selectors above. ``quantity`` is None for removefromcart's whole line.
    ``proceed`` is the probability of going on to the next step.
    """

    type: str
    target: str | int | None = None
    quantity: Range | None = None
    repeat: Range = field(default_factory=lambda: Range(1, 1))
    proceed: float = 1.0
    think: Range = field(default_factory=lambda: Range(0, 0))
    source: str | None = None  # identify: an extra "source" key in the payload


@dataclass(frozen=True, slots=True)
class Journey:
    """A named, weighted sequence of steps."""

    name: str
    weight: float
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class Identities:
    """How visitors' names, e-mails and phones are made."""

    locales: tuple[str, ...] = ("en_US",)
    seed: int = 1


@dataclass(frozen=True, slots=True)
class IdSettings:
    """The org_id, and how each visitor's roaming_id, nitro_id and nitrox_id are made.

    Each strategy is ``random`` (a fresh UUID per visitor, from the seed) or
    ``fixed`` (every visitor uses the value given). nitrox_id also takes
    ``null``, the API's default for an unknown visitor.
    """

    org_id: str
    roaming_id: str = "random"
    nitro_id: str = "random"
    nitrox_id: str = "null"
    roaming_value: str | None = None
    nitro_value: str | None = None
    nitrox_value: str | None = None


@dataclass(frozen=True, slots=True)
class Tracker:
    """Which tracker behaviours to imitate (see ``contract.TrackerOptions``)."""

    view_method: str = "POST"
    tracker_headers: bool = True
    cache_buster: bool = True
    full_cart: bool = False  # line_items carry every cart line, not just the change


@dataclass(frozen=True, slots=True)
class Schedule:
    """How many visitors arrive, over how many seconds, and in which pattern."""

    visitors: int = 100
    duration: float = 60.0
    pattern: str = "steady"
    start_hour: float = 9.0  # daily: the clock hour the run starts at
    hours: float = 24.0  # daily: how many curve hours the run's duration covers
    curve: tuple[float, ...] = ()  # daily: 24 weights, one per hour; empty for the default


@dataclass(frozen=True, slots=True)
class Scenario:
    """A whole scenario: store, identities, IDs, tracker options, schedule and journeys."""

    name: str
    store: Store
    identities: Identities
    ids: IdSettings
    journeys: tuple[Journey, ...]
    schedule: Schedule = field(default_factory=Schedule)
    tracker: Tracker = field(default_factory=Tracker)
    description: str = ""


def _range(value: Any, default: Range) -> Range:
    if value is None:
        return default
    if isinstance(value, list | tuple):
        return Range(float(value[0]), float(value[1]))
    return Range(float(value), float(value))


def _range_out(value: Range) -> float | list[float]:
    return value.low if value.low == value.high else [value.low, value.high]


def _money_to_cents(value: Any) -> int:
    return round(float(value) * 100)


def step_from_dict(data: dict[str, Any]) -> Step:
    """A :class:`Step` from its file form (already validated)."""
    kind = str(data["type"])
    target: str | int | None = None
    for key in ("page", "category", "product"):
        if key in data:
            target = data[key]
    quantity_raw = data.get("quantity")
    quantity: Range | None
    if quantity_raw == ALL or (kind == "removefromcart" and quantity_raw is None):
        quantity = None
    else:
        quantity = _range(quantity_raw, Range(1, 1))
    return Step(
        type=kind,
        target=target,
        quantity=quantity if kind in ("updatecart", "removefromcart") else None,
        repeat=_range(data.get("repeat"), Range(1, 1)),
        proceed=float(data.get("continue", 1.0)),
        think=_range(data.get("think"), Range(0, 0)),
        source=data.get("source"),
    )


def step_to_dict(step: Step) -> dict[str, Any]:
    """The file form of a step, with defaults left out."""
    out: dict[str, Any] = {"type": step.type}
    key = {"view": "page", "categoryview": "category"}.get(step.type, "product")
    if step.target is not None:
        out[key] = step.target
    if step.type in ("updatecart", "removefromcart"):
        if step.quantity is None:
            if step.type == "updatecart":
                out["quantity"] = ALL
        elif step.type == "removefromcart" or step.quantity != Range(1, 1):
            # removefromcart's default is the whole line, so its 1 must be written
            out["quantity"] = _range_out(step.quantity)
    if step.repeat != Range(1, 1):
        out["repeat"] = _range_out(step.repeat)
    if step.proceed != 1.0:
        out["continue"] = step.proceed
    if step.think != Range(0, 0):
        out["think"] = _range_out(step.think)
    if step.source is not None:
        out["source"] = step.source
    return out


def _catalog_from_dict(data: dict[str, Any], base_url: str) -> Catalog:
    categories: list[str] = []
    products: list[Product] = []
    for cat in data.get("categories", []):
        name = str(cat["name"])
        categories.append(name)
        for prod in cat.get("products", []):
            pid = int(prod["id"])
            url = str(prod.get("url") or f"/products/{pid}")
            products.append(
                Product(
                    id=pid,
                    title=str(prod["title"]),
                    price_cents=_money_to_cents(prod["price"]),
                    category=name,
                    variant_id=str(prod.get("variant_id") or f"{pid}01"),
                    url=url,
                    image_url=str(prod.get("image_url") or f"/images/{pid}.jpg"),
                )
            )
    return Catalog(tuple(categories), tuple(products))


def catalog_to_dict(catalog: Catalog) -> dict[str, Any]:
    """The file form of a catalog: its categories, each with its products."""
    cats: list[dict[str, Any]] = []
    for name in catalog.categories:
        items = []
        for p in catalog.products:
            if p.category != name:
                continue
            items.append(
                {
                    "id": p.id,
                    "title": p.title,
                    "price": p.price_cents / 100,
                    "variant_id": p.variant_id,
                    "url": p.url,
                    "image_url": p.image_url,
                }
            )
        cats.append({"name": name, "products": items})
    return {"categories": cats}


def scenario_from_dict(data: dict[str, Any]) -> Scenario:
    """A :class:`Scenario` from the plain data of a scenario file (already validated)."""
    store_d = data["store"]
    base_url = str(store_d["base_url"]).rstrip("/")
    catalog = _catalog_from_dict(store_d["catalog"], base_url) if "catalog" in store_d else None
    gen_d = store_d.get("generate")
    generate = None
    if gen_d is not None:
        generate = CatalogGenerator(
            categories=int(gen_d.get("categories", 6)),
            products_per_category=int(gen_d.get("products_per_category", 8)),
            price_min=float(gen_d.get("price_min", 5.0)),
            price_max=float(gen_d.get("price_max", 150.0)),
            seed=int(gen_d.get("seed", 1)),
        )
    store = Store(
        base_url=base_url,
        pages=tuple(str(p) for p in store_d.get("pages", ["/"])),
        catalog=catalog,
        generate=generate,
    )
    ident_d = data.get("identities", {})
    locales = ident_d.get("locales", ident_d.get("locale", "en_US"))
    if isinstance(locales, str):
        locales = [locales]
    identities = Identities(
        locales=tuple(str(x) for x in locales), seed=int(ident_d.get("seed", 1))
    )
    ids_d = data["ids"]

    def strategy(key: str, default: str) -> tuple[str, str | None]:
        raw = str(ids_d.get(key, default))
        if raw in ("random", "null"):
            return raw, None
        return "fixed", raw

    roaming, roaming_v = strategy("roaming_id", "random")
    nitro, nitro_v = strategy("nitro_id", "random")
    nitrox, nitrox_v = strategy("nitrox_id", "null")
    ids = IdSettings(
        org_id=str(ids_d["org_id"]),
        roaming_id=roaming,
        nitro_id=nitro,
        nitrox_id=nitrox,
        roaming_value=roaming_v,
        nitro_value=nitro_v,
        nitrox_value=nitrox_v,
    )
    sched_d = data.get("schedule", {})
    schedule = Schedule(
        visitors=int(sched_d.get("visitors", 100)),
        duration=float(sched_d.get("duration", 60)),
        pattern=str(sched_d.get("pattern", "steady")),
        start_hour=float(sched_d.get("start_hour", 9)),
        hours=float(sched_d.get("hours", 24)),
        curve=tuple(float(x) for x in sched_d.get("curve", ())),
    )
    tr = data.get("tracker", {})
    tracker = Tracker(
        view_method=str(tr.get("view_method", "POST")).upper(),
        tracker_headers=bool(tr.get("tracker_headers", True)),
        cache_buster=bool(tr.get("cache_buster", True)),
        full_cart=bool(tr.get("full_cart", False)),
    )
    journeys = tuple(
        Journey(
            name=str(j["name"]),
            weight=float(j.get("weight", 1)),
            steps=tuple(step_from_dict(s) for s in j["steps"]),
        )
        for j in data["journeys"]
    )
    return Scenario(
        name=str(data.get("name", "scenario")),
        description=str(data.get("description", "")),
        store=store,
        identities=identities,
        ids=ids,
        journeys=journeys,
        schedule=schedule,
        tracker=tracker,
    )


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The plain data of a scenario file; ``scenario_from_dict`` reads it back equal."""
    store: dict[str, Any] = {
        "base_url": scenario.store.base_url,
        "pages": list(scenario.store.pages),
    }
    if scenario.store.catalog is not None:
        store["catalog"] = catalog_to_dict(scenario.store.catalog)
    if scenario.store.generate is not None:
        g = scenario.store.generate
        store["generate"] = {
            "categories": g.categories,
            "products_per_category": g.products_per_category,
            "price_min": g.price_min,
            "price_max": g.price_max,
            "seed": g.seed,
        }
    ids = scenario.ids

    def strategy_out(kind: str, value: str | None) -> str:
        return value if kind == "fixed" and value is not None else kind

    out: dict[str, Any] = {"name": scenario.name}
    if scenario.description:
        out["description"] = scenario.description
    s = scenario.schedule
    sched: dict[str, Any] = {"visitors": s.visitors, "duration": s.duration, "pattern": s.pattern}
    if s.pattern == "daily":
        sched.update(start_hour=s.start_hour, hours=s.hours)
        if s.curve:
            sched["curve"] = list(s.curve)
    out.update(
        store=store,
        identities={"locales": list(scenario.identities.locales), "seed": scenario.identities.seed},
        ids={
            "org_id": ids.org_id,
            "roaming_id": strategy_out(ids.roaming_id, ids.roaming_value),
            "nitro_id": strategy_out(ids.nitro_id, ids.nitro_value),
            "nitrox_id": strategy_out(ids.nitrox_id, ids.nitrox_value),
        },
        tracker={
            "view_method": scenario.tracker.view_method,
            "tracker_headers": scenario.tracker.tracker_headers,
            "cache_buster": scenario.tracker.cache_buster,
            "full_cart": scenario.tracker.full_cart,
        },
        schedule=sched,
        journeys=[
            {"name": j.name, "weight": j.weight, "steps": [step_to_dict(st) for st in j.steps]}
            for j in scenario.journeys
        ],
    )
    return out
