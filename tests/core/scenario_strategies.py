"""Hypothesis strategies for valid scenarios, shared by the core's tests."""

from __future__ import annotations

from hypothesis import strategies as st

from simulator_app.core.catalog import catalog_entries, resolve_catalog
from simulator_app.core.locales import LOCALES
from simulator_app.core.model import (
    ARRIVAL_PATTERNS,
    FROM_CATEGORY,
    IN_CART,
    LAST_ADDED,
    RANDOM,
    VIEWED,
    Catalog,
    CatalogGenerator,
    Identities,
    IdSettings,
    Journey,
    Product,
    Range,
    Returning,
    Scenario,
    Schedule,
    Step,
    Store,
    Tracker,
)

text = st.text(min_size=1, max_size=20)
# A page or product URL the engine can join to base_url: a path, or a full URL.
paths = st.text(max_size=20).map(lambda t: "/" + t) | st.sampled_from(
    ["https://cdn.example.com/a.jpg", "http://other.example.in/sale?x=1"]
)
uuids = st.uuids().map(str)
seeds = st.integers(0, 2**63 - 1)
small_floats = st.floats(0, 1000, allow_nan=False, allow_infinity=False)


def ranges(values: st.SearchStrategy[float]) -> st.SearchStrategy[Range]:
    """A fixed value or a [low, high] range of ``values``."""
    return st.tuples(values, values).map(lambda p: Range(min(p), max(p)))


int_ranges_from_1 = ranges(st.integers(1, 20).map(float))
int_ranges_from_0 = ranges(st.integers(0, 5).map(float))


@st.composite
def products(draw: st.DrawFn, category: str, pid: int) -> Product:
    return Product(
        id=pid,
        title=draw(text),
        price_cents=draw(st.integers(0, 10**8)),
        category=category,
        variant_id=draw(text),
        url=draw(paths),
        image_url=draw(paths),
    )


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    names = draw(st.lists(text, min_size=1, max_size=4, unique=True))
    ids = iter(draw(st.lists(st.integers(0, 10**9), min_size=8, max_size=8, unique=True)))
    items: list[Product] = []
    for i, name in enumerate(names):
        # the first category always has a product: an empty catalog is invalid
        for _ in range(draw(st.integers(1 if i == 0 else 0, 2))):
            items.append(draw(products(name, next(ids))))
    return Catalog(tuple(names), tuple(items))


generators = st.builds(
    CatalogGenerator,
    categories=st.integers(1, 12),
    products_per_category=st.integers(1, 5),
    price_min=st.floats(0, 50, allow_nan=False),
    price_max=st.floats(50, 500, allow_nan=False),
    seed=seeds,
)


@st.composite
def stores(draw: st.DrawFn) -> Store:
    host = draw(
        st.from_regex(r"[a-z][a-z0-9-]{0,10}\.(com|in|test)(:[1-9][0-9]{1,4})?", fullmatch=True)
    )
    scheme = draw(st.sampled_from(["http", "https"]))
    listed = draw(st.booleans())
    return Store(
        base_url=f"{scheme}://{host}",
        popularity=draw(st.floats(0, 3)),
        pages=tuple(draw(st.lists(paths, min_size=0, max_size=3))),
        catalog=catalog_entries(draw(catalogs())) if listed else None,
        generate=draw(st.none() | generators) if listed else draw(generators),
    )


@st.composite
def steps(draw: st.DrawFn, kind: str, catalog: Catalog) -> Step:
    product_ids = st.sampled_from([p.id for p in catalog.products])
    page: str | None = None
    category: str | None = None
    product: str | int | None = None
    quantity: Range | None = None
    if kind == "view":
        page = draw(st.none() | st.just(RANDOM) | paths)
    elif kind == "categoryview":
        category = draw(st.none() | st.sampled_from([RANDOM, *catalog.categories]))
    elif kind in ("productview", "updatecart"):
        product = draw(st.none() | product_ids | st.sampled_from([RANDOM, FROM_CATEGORY, VIEWED]))
    elif kind == "removefromcart":
        product = draw(st.none() | product_ids | st.sampled_from([IN_CART, LAST_ADDED]))
    if kind in ("updatecart", "removefromcart"):
        quantity = draw(st.none() | int_ranges_from_1)
    return Step(
        type=kind,
        page=page,
        category=category,
        product=product,
        quantity=quantity,
        repeat=draw(int_ranges_from_0),
        proceed=draw(st.floats(0, 1)),
        think=draw(ranges(small_floats)),
        source=draw(st.none() | st.text(max_size=20)) if kind == "identify" else None,
    )


@st.composite
def journeys(draw: st.DrawFn, name: str, catalog: Catalog) -> Journey:
    kinds = draw(
        st.lists(
            st.sampled_from(["view", "categoryview", "productview", "removefromcart", "identify"]),
            min_size=1,
            max_size=6,
        )
    )
    if draw(st.booleans()):  # a buying tail: the rules need a cart before checkout
        kinds += ["updatecart", "checkout", *draw(st.sampled_from([[], ["identify", "buy"]]))]
    return Journey(
        name=name,
        weight=draw(st.floats(0.01, 100)),
        steps=tuple(draw(steps(k, catalog)) for k in kinds),
    )


@st.composite
def ids_settings(draw: st.DrawFn) -> IdSettings:
    return IdSettings(
        org_id=draw(uuids),
        roaming_id=draw(st.just("random") | uuids.map(lambda u: "biscuit_" + u)),
        nitro_id=draw(st.just("random") | uuids),
        nitrox_id=draw(st.sampled_from(["null", "random"]) | uuids),
    )


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    pattern = draw(st.sampled_from(ARRIVAL_PATTERNS))
    base = Schedule(
        visitors=draw(st.integers(1, 10**6)),
        duration=draw(st.floats(0, 86_400 * 7)),
        pattern=pattern,
    )
    if pattern != "daily":
        return base
    return Schedule(
        visitors=base.visitors,
        duration=base.duration,
        pattern=pattern,
        start_hour=draw(st.floats(0, 24)),
        hours=draw(st.floats(0.01, 24 * 7)),
        curve=draw(st.just(()) | st.tuples(*[st.floats(0, 100)] * 24)),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """Any valid scenario: what a user could build in the app and save."""
    store = draw(stores())
    catalog = resolve_catalog(store)
    names = draw(st.lists(text, min_size=1, max_size=3, unique=True))
    return Scenario(
        name=draw(st.text(max_size=30)),
        description=draw(st.text(max_size=60)),
        store=store,
        seed=draw(st.none() | seeds),
        identities=Identities(
            locales=tuple(draw(st.lists(st.sampled_from(LOCALES), min_size=1, max_size=3))),
            mobile_share=draw(st.none() | st.floats(0, 1)),
            returning=Returning(
                share=draw(st.floats(0, 1)),
                sessions=draw(ranges(st.integers(1, 3).map(float))),
                after=draw(ranges(small_floats)),
            ),
        ),
        ids=draw(ids_settings()),
        journeys=tuple(draw(journeys(n, catalog)) for n in names),
        schedule=draw(schedules()),
        tracker=Tracker(
            view_method=draw(st.sampled_from(["POST", "GET"])),
            tracker_headers=draw(st.booleans()),
            cache_buster=draw(st.booleans()),
            full_cart=draw(st.booleans()),
            client_ip_header=draw(st.sampled_from(["X-Forwarded-For", "X-Real-IP", "off"])),
        ),
    )
