"""The scenario model: plain, frozen data that every runner reads, and the file format it is.

Each field says how a scenario file writes it (its codec, bounds, words and
default; see :mod:`simulator_app.core.format`): the JSON Schema, the reader
and the writer all come from these classes, so a rule about one field lives
in one place. A model object is what the file says; where the file leaves a
value to the step type or the product (a removefromcart's whole line, a
product's URL), the property or function that the engine reads works it out.

Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulator_app.core.contract import ROAMING_PATTERN, STEP_TYPES, UUID_PATTERN, whole
from simulator_app.core.format import (
    MAX_SAFE_INTEGER,
    MAX_SEED,
    Choice,
    Const,
    Either,
    Flag,
    Integer,
    ListOf,
    MapOf,
    Money,
    Number,
    Object,
    OneOrMany,
    Range,
    RangeOf,
    Text,
    option,
    required,
)
from simulator_app.core.locales import Locale

# Selector values a step may use instead of a specific page, category or product.
RANDOM = "random"
FROM_CATEGORY = "category"  # a product of the category the visitor viewed last
VIEWED = "viewed"  # the product the visitor viewed last
IN_CART = "cart"  # a line already in the cart (removefromcart)
LAST_ADDED = "last_added"  # the line added last (removefromcart)
ALL = "all"  # the whole line (removefromcart quantity)

ARRIVAL_PATTERNS: tuple[str, ...] = ("burst", "steady", "ramp", "poisson", "daily", "weekly")

# Bounds: a file can make a big run, never an endless one.
MAX_VISITORS = 10_000_000
MAX_DURATION = 7 * 24 * 3600.0  # seconds over which visitors arrive: a week
MAX_THINK = 3600.0  # seconds a visitor waits after one step
MAX_REPEAT = 1000  # times one step is sent
MAX_STEPS = 200  # steps of one journey
MAX_JOURNEYS = 100
MAX_QUANTITY = 1000
MAX_PRICE = 1_000_000.0
MAX_PRODUCTS = 20_000  # in a listed or generated catalog
MAX_CATEGORIES = 1000
MAX_PAGES = 1000
MAX_WEIGHT = 1_000_000.0
MAX_URL = 2000
MAX_NAME = 200
MAX_LOCALES = 50
MAX_COUNTRIES = 100
MAX_SESSIONS = 20  # later sessions of one returning visitor
MAX_RETURN_AFTER = 7 * 24 * 3600.0

# The ID rules are the contract's (one source for the collector, this model and Locust).
_UUID = UUID_PATTERN
_ROAMING = ROAMING_PATTERN
# The engine puts base_url before a page or product URL that has no "://" in it, so
# "sale" would become "https://shop.example.comsale": a path must start with "/".
_PATH_OR_URL = "/|https?://[^\\s/]+"
_PATH_OR_URL_IS = "a path starting with '/' or a full http:// or https:// URL"


_PAGE_URL = Text(MAX_URL, pattern=f"^({_PATH_OR_URL})", form=_PATH_OR_URL_IS)


_NAME = Text(MAX_NAME, min_length=1)
_SEED = Integer(0, MAX_SEED)
_PRODUCT_ID = Integer(0, MAX_SAFE_INTEGER)


@dataclass(frozen=True, slots=True)
class ProductEntry:
    """A product as a scenario file lists it; unset URLs and variant follow from the id."""

    id: int = required(_PRODUCT_ID, "the product_id events carry")
    title: str = required(Text(500, min_length=1), "the product's title")
    price_cents: int = required(Money(MAX_PRICE), "unit price", key="price")
    variant_id: str | None = option(Text(MAX_NAME, min_length=1), None, "default: id + '01'")
    url: str | None = option(_PAGE_URL, None, "default: /products/<id>")
    image_url: str | None = option(_PAGE_URL, None, "default: /images/<id>.jpg")


@dataclass(frozen=True, slots=True)
class CategoryEntry:
    """A category of a listed catalog and its products, in order."""

    name: str = required(_NAME, "the category events carry")
    products: tuple[ProductEntry, ...] = option(
        ListOf(Object(ProductEntry), MAX_PRODUCTS), (), "the category's products"
    )


@dataclass(frozen=True, slots=True)
class CatalogEntries:
    """A catalog as a scenario file lists it."""

    categories: tuple[CategoryEntry, ...] = required(
        ListOf(Object(CategoryEntry), MAX_CATEGORIES), "the store's categories, in order"
    )


@dataclass(frozen=True, slots=True)
class Product:
    """A product of the store's catalog, every value worked out (what the engine reads)."""

    id: int
    title: str
    price_cents: int
    category: str
    variant_id: str
    url: str
    image_url: str


@dataclass(frozen=True, slots=True)
class Catalog:
    """The store's categories, in order, and their products (listed or generated)."""

    categories: tuple[str, ...]
    products: tuple[Product, ...]


@dataclass(frozen=True, slots=True)
class CatalogGenerator:
    """Settings for a generated catalog."""

    categories: int = option(Integer(1, MAX_CATEGORIES), 6, "how many categories")
    products_per_category: int = option(Integer(1, MAX_PRODUCTS), 8, "products in each")
    price_min: float = option(Number(0, MAX_PRICE), 5.0, "lowest price")
    price_max: float = option(Number(0, MAX_PRICE), 150.0, "highest price")
    seed: int = option(_SEED, 1, "the same seed gives the same catalog")


@dataclass(frozen=True, slots=True)
class Store:
    """The shop the visitors browse: its base URL, extra pages and catalog."""

    base_url: str = required(
        Text(MAX_URL, pattern="^https?://[^\\s/]+", form="an http:// or https:// URL"),
        "the shop's address, used in page, product and cart URLs",
    )
    pages: tuple[str, ...] = option(ListOf(_PAGE_URL, MAX_PAGES), ("/",), "pages a view may show")
    catalog: CatalogEntries | None = option(Object(CatalogEntries), None, "the listed catalog")
    popularity: float = option(
        Number(0, 3),
        1.0,
        "how unevenly products sell: 0 all alike, 1 a few best sellers and a long tail",
    )
    generate: CatalogGenerator | None = option(
        Object(CatalogGenerator),
        None,
        "settings for a generated catalog (used when there is no catalog)",
    )

    @property
    def url_base(self) -> str:
        """``base_url`` without a trailing slash, as paths are joined to it."""
        return self.base_url.rstrip("/")


_PRODUCT_SELECTOR_WORDS = (RANDOM, FROM_CATEGORY, VIEWED, IN_CART, LAST_ADDED)


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a journey.

    ``page`` (view), ``category`` (categoryview) and ``product``
    (productview, updatecart, removefromcart) are a specific value or one of
    the selectors above; :attr:`target` is whichever the step type uses.
    ``quantity`` None is the type's own default: 1 for updatecart, the whole
    line for removefromcart. ``proceed`` is the probability of going on.
    """

    type: str = required(Choice(STEP_TYPES), "the request this step sends")
    page: str | None = option(
        Either(
            (Const(RANDOM, RANDOM), _PAGE_URL),
            f"{_PATH_OR_URL_IS}, or '{RANDOM}'",
        ),
        None,
        "view: the page",
        applies=("view",),
    )
    category: str | None = option(
        _NAME, None, f"categoryview: a category of the catalog, or '{RANDOM}'",
        applies=("categoryview",),
    )  # fmt: skip
    product: int | str | None = option(
        Either(
            (_PRODUCT_ID, Choice(_PRODUCT_SELECTOR_WORDS)),
            f"a product id, or '{RANDOM}' (any product), '{FROM_CATEGORY}' (one of the category "
            f"viewed last), '{VIEWED}' (the product viewed last); removefromcart: a product id, "
            f"'{IN_CART}' or '{LAST_ADDED}'",
        ),
        None,
        "the product",
        applies=("productview", "updatecart", "removefromcart"),
    )
    quantity: Range | None = option(
        Either(
            (Const(ALL, None), RangeOf(Integer(1, MAX_QUANTITY), "how many")),
            f"how many (removefromcart: or '{ALL}')",
        ),
        None,
        "updatecart/removefromcart: how many",
        applies=("updatecart", "removefromcart"),
    )
    repeat: Range = option(
        RangeOf(Integer(0, MAX_REPEAT), "how many times the step is sent"),
        Range(1, 1),
        "how many times the step is sent",
    )
    proceed: float = option(
        Number(0, 1),
        1.0,
        "probability of going on after this step (1 - drop-off)",
        key="continue",
    )
    think: Range = option(
        RangeOf(Number(0, MAX_THINK), "seconds the visitor waits after the step"),
        Range(0, 0),
        "seconds the visitor waits after the step",
    )
    source: str | None = option(
        Text(MAX_NAME), None, "identify: a 'source' key in the payload", applies=("identify",)
    )

    @property
    def target(self) -> str | int | None:
        """The page, category or product this step names (None: the type's default)."""
        if self.type == "view":
            return self.page
        if self.type == "categoryview":
            return self.category
        return self.product


_STEP = Object(Step, "One step of a journey", kind_key="type")


@dataclass(frozen=True, slots=True, kw_only=True)
class Journey:
    """A named, weighted sequence of steps."""

    name: str = required(_NAME, "the journey's name")
    weight: float = option(Number(0, MAX_WEIGHT), 1.0, "its share of visitors, relative")
    steps: tuple[Step, ...] = required(ListOf(_STEP, MAX_STEPS, 1), "the steps, in order")


@dataclass(frozen=True, slots=True)
class Returning:
    """Visitors who come back: the same browser, device, address and identity, later."""

    share: float = option(Number(0, 1), 0.0, "share of visitors who come back")
    sessions: Range = option(
        RangeOf(Integer(1, MAX_SESSIONS), "how many more sessions"),
        Range(1, 1),
        "how many more sessions each of them has",
    )
    after: Range = option(
        RangeOf(Number(0, MAX_RETURN_AFTER), "seconds between two sessions"),
        Range(5, 30),
        "seconds between two sessions (scaled like think times)",
    )


@dataclass(frozen=True, slots=True)
class Identities:
    """Who the visitors are: their names' locales, countries, devices, and who comes back."""

    locales: tuple[str, ...] = option(
        OneOrMany(Locale(), MAX_LOCALES, "Faker locale(s), such as en_IN or hi_IN"),
        ("en_US",),
        "Faker locale(s) the visitors' names come from",
    )
    countries: tuple[tuple[str, float], ...] = option(
        MapOf(
            Text(
                2, min_length=2, pattern=whole("[A-Z]{2}"), form="a country code such as IN or US"
            ),
            Number(0, MAX_WEIGHT),
            MAX_COUNTRIES,
        ),
        (),
        "where visitors come from, weighted, e.g. {IN: 60, US: 40} (default: the locales' countries)",
    )
    mobile_share: float | None = option(
        Number(0, 1), None, "share of visits from phones and tablets (default: the data set's)"
    )
    returning: Returning = option(Object(Returning), Returning(), "visitors who come back")


def _id_or(word: str, pattern: str, words: str) -> Either:
    return Either((Const(word, word), Text(100, pattern=pattern)), words)


@dataclass(frozen=True, slots=True)
class IdSettings:
    """The org_id, and how each visitor's roaming_id, nitro_id and nitrox_id are made.

    Each is ``random`` (a fresh UUID per visitor, from the seed) or a value
    every visitor uses; nitrox_id is ``null`` by default, the API's word for
    an unknown visitor.
    """

    org_id: str = required(Text(100, pattern=_UUID, form="a UUID"), "the organisation")
    roaming_id: str = option(
        _id_or("random", _ROAMING, "'random' (per visitor) or a fixed biscuit_<uuid>"),
        "random",
        "one per browser",
    )
    nitro_id: str = option(
        _id_or("random", _UUID, "'random' (per visitor) or a fixed UUID"), "random", "the visitor"
    )
    nitrox_id: str = option(
        Either(
            (Choice(("null", "random")), Text(100, pattern=_UUID)),
            "'null' (unknown visitor), 'random' or a fixed UUID",
        ),
        "null",
        "the known visitor",
    )


@dataclass(frozen=True, slots=True)
class Tracker:
    """Which tracker behaviours to imitate (see ``contract.TrackerOptions``)."""

    view_method: str = option(
        Choice(("POST", "GET"), spellings=("post", "get"), upper=True),
        "POST",
        "how a view is sent (GET puts page in the query)",
    )
    tracker_headers: bool = option(Flag(), True, "Accept, X-Nitro-Id and X-Organisation")
    cache_buster: bool = option(Flag(), True, "?_=<epoch ms> on every request")
    full_cart: bool = option(Flag(), False, "line_items carry every cart line, not just the change")
    client_ip_header: str = option(
        Either(
            (Const("off", "off"), Text(100, pattern=whole("[A-Za-z0-9!#$%&'*+.^_`|~-]+"))),
            "an HTTP header name, or 'off'",
        ),
        "X-Forwarded-For",
        "the header that carries each visitor's address (the API geolocates it)",
    )

    @property
    def ip_header(self) -> str | None:
        """The client-IP header's name, or None when it is off."""
        return None if self.client_ip_header == "off" else self.client_ip_header


@dataclass(frozen=True, slots=True)
class Schedule:
    """How many visitors arrive, over how many seconds, and in which pattern."""

    visitors: int = option(Integer(1, MAX_VISITORS), 100, "how many visitors arrive")
    duration: float = option(Number(0, MAX_DURATION), 60.0, "seconds over which they arrive")
    pattern: str = option(Choice(ARRIVAL_PATTERNS), "steady", "how arrivals spread over time")
    start_hour: float = option(
        Number(0, 168),
        9.0,
        "daily/weekly: where on the curve the run starts, in UTC hours (weekly: from Monday 00:00)",
    )
    hours: float | None = option(
        Number(0, 24 * 7, exclusive_minimum=True),
        None,
        "daily/weekly: how many curve hours the run's duration covers (default 24, weekly 168)",
    )
    curve: tuple[float, ...] = option(
        ListOf(Number(0, 1e6), 168, 24),
        (),
        "daily: 24 weights, weekly: 168 (Monday first), in the visitors' local hours",
    )

    concurrency: int = option(
        Integer(1, 10_000), 50, "visitors in flight at most (the app and nitrox-sim run)"
    )
    think_scale: float = option(
        Number(0, 100), 1.0, "think times multiplied by this; 0 sends without waiting"
    )

    @property
    def span_hours(self) -> float:
        """The curve hours the run covers."""
        return (
            self.hours if self.hours is not None else (168.0 if self.pattern == "weekly" else 24.0)
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """A whole scenario: store, identities, IDs, tracker options, schedule and journeys."""

    name: str = option(Text(MAX_NAME), "scenario", "the scenario's name")
    description: str = option(Text(10_000), "", "what it is for")
    seed: int | None = option(
        _SEED, None, "replays a run exactly (default: a fresh seed, new visitors, every run)"
    )
    store: Store = required(Object(Store), "the shop")
    identities: Identities = option(Object(Identities), Identities(), "the visitors")
    ids: IdSettings = required(Object(IdSettings), "the path identifiers")
    tracker: Tracker = option(Object(Tracker), Tracker(), "tracker behaviours to imitate")
    schedule: Schedule = option(Object(Schedule), Schedule(), "arrivals")
    journeys: tuple[Journey, ...] = required(
        ListOf(Object(Journey), MAX_JOURNEYS, 1), "the journeys, weighted"
    )


SCENARIO = Object(Scenario, "Nitrox Traffic Simulator scenario")
CATALOG = Object(CatalogEntries)


def scenario_from_dict(data: dict[str, Any]) -> Scenario:
    """A :class:`Scenario` from the plain data of a scenario file (already validated)."""
    scenario: Scenario = SCENARIO.load(data)
    return scenario


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The plain data of a scenario file, defaults left out; ``scenario_from_dict`` reads it back equal."""
    data: dict[str, Any] = SCENARIO.dump(scenario)
    return data


def step_to_dict(step: Step) -> dict[str, Any]:
    """The file form of a step, with defaults left out."""
    data: dict[str, Any] = _STEP.dump(step)
    return data


def step_from_dict(data: dict[str, Any]) -> Step:
    """A :class:`Step` from its file form (already validated)."""
    step: Step = _STEP.load(data)
    return step
