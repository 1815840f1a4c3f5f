"""The collector fuzzed in the app: any JSON, any bytes, for every event type, for
identify payloads, the faults API and the inspection API's filters. Whatever comes in:
no exception escapes, nothing answers 5xx, every tracking request is filed exactly once
with a verdict the headers repeat, every answer of the inspection API is strict JSON,
and memory stays within its bounds (a fixed figure, not a timing).

The app is driven directly (``asgi_driver``), so thousands of requests take seconds;
the wire itself is fuzzed on raw sockets in ``test_fuzz_wire``.
"""

from __future__ import annotations

import base64
import gc
import json
import math
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator_app.collector.app import CollectorApp
from simulator_app.collector.checks import MAX_CART_LINES
from simulator_app.collector.fields import FIELDS, LISTS
from simulator_app.collector.store import EventStore
from simulator_app.collector.verdict import MAX_MESSAGES_BYTES
from simulator_app.core.contract import EVENT_TYPES
from tests.factory import ORG

from .asgi_driver import Answer, Driver

VISITORS = [
    (f"biscuit_4c6e224d-96f6-430c-bfc4-d41ec31e38a{n}", f"de8daa44-ac2e-4ba2-8e1c-987a0681735{n}")
    for n in range(3)
]  # few visitors, so carts and checkouts carry over between examples
BUDGET = 2 * 1024 * 1024  # the store's memory budget here: small, so the fuzz reaches it
VISITOR_BUDGET = 256 * 1024
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def driver() -> Iterator[Driver]:
    app = CollectorApp(EventStore(memory_budget=BUDGET))
    app.checker.visitor_budget = VISITOR_BUDGET
    running = Driver(app)
    yield running
    running.close()


def strict(text: bytes) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in an answer: not JSON")

    return json.loads(text, parse_constant=refuse)


def check_tracking(driver: Driver, answer: Answer, before: int) -> None:
    """What holds for every tracking answer, whatever the request."""
    assert answer.status < 500, answer
    assert answer.status in (200, 400, 404, 405, 413, 415), answer
    said = answer.headers.get("x-nitrox-verdict")
    assert said in ("good", "warn", "bad"), answer.headers
    if answer.status != 200:
        assert said == "bad"
    shown = answer.headers.get("x-nitrox-messages")
    if said != "good":
        assert shown is not None and shown.isascii() and len(shown) <= MAX_MESSAGES_BYTES
        assert isinstance(strict(shown.encode()), list)
    summary = driver.app.summary()
    assert summary["total"] == before + 1  # filed exactly once
    assert summary["unjudged"] == 0  # no bug met


# -- JSON of every shape, written the way hostile senders write it ------------------

numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**120), max_value=10**120),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, max_value=10**14, min_value=-1),
    st.sampled_from([1e308, -0.0, 5e-324, 10**9 + 0.01, 123456789.99, 0.1 + 0.2]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=40))
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=10), inner, max_size=6)
    ),
    max_leaves=25,
)
urls = st.sampled_from(["https://shop.example.com/p/1", "http://x.example.com/a", "/rel", ""])


def _rule_value(name: str) -> st.SearchStrategy[Any]:
    if name in ("quantity", "product_id"):
        return st.one_of(st.integers(min_value=-2, max_value=5), numbers, scalars)
    if name in ("line_price", "price", "cart_value"):
        return st.one_of(st.decimals(min_value=0, max_value=100, places=2), numbers, scalars)
    if name.endswith("url") or name in ("page", "checkout"):
        return st.one_of(urls, scalars)
    return scalars


def _shaped(rules: tuple[tuple[str, Any], ...]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional={name: _rule_value(name) for name, _ in rules})


money = st.decimals(min_value=0, max_value=60, places=2).map(float)
VALID: dict[str, st.SearchStrategy[Any]] = {
    "page": urls.filter(lambda u: u.startswith("http")),
    "product_url": st.just("https://shop.example.com/p/1"),
    "image_url": st.just("https://shop.example.com/i/1.jpg"),
    "cart_url": st.just("https://shop.example.com/cart"),
    "checkout": st.just("https://shop.example.com/checkout"),
    "checkout_url": st.just("https://shop.example.com/checkout"),
    "category": st.text(min_size=1, max_size=12).filter(str.strip),
    "product_id": st.integers(1, 4),
    "quantity": st.integers(1, 3),
    "price": money,
    "line_price": money,
    "cart_value": money,
    "title": st.text(max_size=12),
    "id": st.text(max_size=6),
    "order_id": st.sampled_from(["A1", "A2", "B7"]) | st.text(min_size=1, max_size=8),
}


def _valid(rules: tuple[tuple[str, Any], ...]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({name: VALID[name] for name, _ in rules})


def valid_bodies(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies whose every field is well formed: the cart and journey checks judge them."""
    shaped = _valid(FIELDS[kind])
    if kind not in LISTS:
        return shaped
    name, rules, nonempty = LISTS[kind]
    items = st.lists(_valid(rules), min_size=int(nonempty), max_size=3)
    return st.builds(lambda body, listed: {**body, name: listed}, shaped, items)


def bodies(kind: str) -> st.SearchStrategy[Any]:
    """Well-formed bodies of ``kind``, bodies of its shape with any values, or any JSON."""
    shaped = _shaped(FIELDS[kind])
    if kind in LISTS:
        name, rules, _ = LISTS[kind]
        items = st.lists(_shaped(rules) | json_values, max_size=5)
        shaped = st.builds(lambda body, listed: {**body, name: listed}, shaped, items)
    return st.one_of(valid_bodies(kind), valid_bodies(kind), shaped, json_values)


def encode(value: Any) -> bytes:
    """JSON as a careless sender writes it: NaN and Infinity included (decimals as numbers)."""
    text = json.dumps(value, default=float, allow_nan=True, ensure_ascii=False)
    return text.encode("utf-8", "surrogatepass")


HOSTILE_TEXTS = st.sampled_from(
    [
        "[" * 3000,
        '{"a":' * 3000,
        "1" * 5000,
        '{"page": NaN}',
        '{"price": 1e400}',
        '{"page": "\\ud800"}',
        '{"page": "\\udc00\\ud800"}',
        "",
        " ",
        "null",
        '"text"',
        '{"page": "https://shop.example.com/"}' * 2,
    ]
)


def event_path(visitor: int, kind: str) -> str:
    roaming, nitro = VISITORS[visitor]
    return f"/jsv1/{ORG}/{roaming}/{nitro}/null/event/{kind}"


@FUZZ
@given(
    kind=st.sampled_from(EVENT_TYPES),
    visitor=st.integers(0, 2),
    body=st.one_of(
        st.builds(encode, st.sampled_from(EVENT_TYPES).flatmap(bodies)),
        HOSTILE_TEXTS.map(str.encode),
        st.binary(max_size=300),
    ),
    content_type=st.sampled_from(
        ["application/json", "application/json; charset=utf-8", "text/plain", ""]
    ),
)
def test_any_event_body(
    driver: Driver, kind: str, visitor: int, body: bytes, content_type: str
) -> None:
    before = driver.app.summary()["total"]
    headers = {"content-type": content_type} if content_type else {}
    check_tracking(driver, driver.request("POST", event_path(visitor, kind), body, headers), before)


@settings(FUZZ, max_examples=200)
@given(kind=st.sampled_from(EVENT_TYPES), visitor=st.integers(0, 2), data=st.data())
def test_bodies_of_their_own_type_reach_the_cart_and_journey_checks(
    driver: Driver, kind: str, visitor: int, data: st.DataObject
) -> None:
    body = encode(data.draw(bodies(kind)))
    before = driver.app.summary()["total"]
    answer = driver.request(
        "POST", event_path(visitor, kind), body, {"content-type": "application/json"}
    )
    check_tracking(driver, answer, before)


@FUZZ
@given(
    query=st.one_of(
        st.binary(max_size=200),
        st.dictionaries(st.sampled_from(["page", "_", "x"]), st.text(max_size=30)).map(
            lambda q: "&".join(f"{k}={v}" for k, v in q.items()).encode("utf-8", "surrogatepass")
        ),
    ),
    visitor=st.integers(0, 2),
)
def test_any_view_by_get(driver: Driver, query: bytes, visitor: int) -> None:
    before = driver.app.summary()["total"]
    check_tracking(driver, driver.request("GET", event_path(visitor, "view"), query=query), before)


@FUZZ
@given(
    payload=st.one_of(
        st.builds(encode, json_values),
        st.builds(
            encode,
            st.fixed_dictionaries(
                {}, optional={k: scalars for k in ("email", "phone", "name", "source")}
            ),
        ),
        HOSTILE_TEXTS.map(str.encode),
        st.binary(max_size=300),
    ),
    form=st.sampled_from(["standard", "urlsafe", "unpadded", "raw"]),
    visitor=st.integers(0, 2),
)
def test_any_identify_payload(driver: Driver, payload: bytes, form: str, visitor: int) -> None:
    if form == "raw":
        segment = payload.decode("latin-1").replace("/", "%2F").replace("?", "%3F")
        segment = segment.replace("#", "%23").replace("%", "%25") if "%" in segment else segment
    else:
        encoded = (base64.urlsafe_b64encode if form == "urlsafe" else base64.b64encode)(payload)
        segment = encoded.decode().replace("/", "%2F").replace("+", "%2B")
        if form == "unpadded":
            segment = segment.rstrip("=")
    roaming, nitro = VISITORS[visitor]
    before = driver.app.summary()["total"]
    answer = driver.request("GET", f"/jsv1/identify/{ORG}/{roaming}/{nitro}/{segment}")
    check_tracking(driver, answer, before)
    assert answer.body in (nitro.encode(), b"Payload Error")
    assert (answer.status == 200) == (answer.body == nitro.encode())


@FUZZ
@given(
    body=st.one_of(
        st.builds(encode, json_values),
        st.builds(
            encode,
            st.fixed_dictionaries(
                {},
                optional={
                    "latency_ms": st.one_of(
                        numbers, st.text(max_size=12), st.lists(numbers, max_size=3)
                    ),
                    "error_rate": numbers | scalars,
                    "payload_error_rate": numbers | scalars,
                    "drop_rate": numbers | scalars,
                    "seed": numbers | scalars,
                },
            ),
        ),
        HOSTILE_TEXTS.map(str.encode),
        st.binary(max_size=200),
    )
)
def test_any_faults_body(driver: Driver, body: bytes) -> None:
    answer = driver.request(
        "POST", "/_collector/faults", body, {"content-type": "application/json"}
    )
    assert answer.status in (200, 400), answer
    reply = strict(answer.body)
    assert isinstance(reply, dict)
    if answer.status == 400:
        assert reply["error"].startswith("faults: ") and "\n" not in reply["error"]
    settings_now = strict(driver.request("GET", "/_collector/faults").body)
    assert all(
        not isinstance(v, float) or math.isfinite(v)
        for v in [*settings_now["latency_ms"], settings_now["error_rate"]]
    )
    driver.app.set_faults(driver.app.faults.settings.__class__())  # no faults for the others


@FUZZ
@given(
    name=st.sampled_from(["good", "bad", "all", "", "faults", "nothing"]),
    query=st.binary(max_size=120)
    | st.dictionaries(
        st.sampled_from(["type", "visitor", "limit", "before", "x"]), st.text(max_size=12)
    ).map(lambda q: "&".join(f"{k}={v}" for k, v in q.items()).encode("utf-8", "surrogatepass")),
    host=st.sampled_from(["127.0.0.1:8787", "localhost", "evil.example", "[::1]:1", ""]),
)
def test_any_inspection_query(driver: Driver, name: str, query: bytes, host: str) -> None:
    answer = driver.request("GET", f"/_collector/{name}", query=query, headers={"host": host})
    assert answer.status in (200, 400, 403, 404), answer
    if name != "" or answer.status != 200:
        strict(answer.body)
    assert "access-control-allow-origin" not in answer.headers


def test_memory_stayed_within_its_bounds(driver: Driver) -> None:
    """After the fuzz above (run first in this module), with its small budgets."""
    app = driver.app
    summary = app.summary()
    assert summary["total"] > 1000  # the fuzz ran
    assert summary["good"] > 20 and summary["warned"] > 5  # and reached the good paths
    assert app.store.stored_bytes <= BUDGET
    assert app.store.recent.bytes <= 512 * 1024 and app.store.recent_bad.bytes <= 2 * 1024 * 1024
    assert app.checker.visitor_bytes <= VISITOR_BUDGET
    assert all(len(v.lines) <= MAX_CART_LINES for v in app.checker.visitors.values())
    held = held_bytes(app.checker) + held_bytes(app.store)
    assert held < 8 * 1024 * 1024, held  # all the Python objects the collector keeps


def held_bytes(root: object) -> int:
    """Bytes of the objects reachable from ``root`` (its own data, not classes or modules)."""
    seen: set[int] = set()
    todo = [root]
    total = 0
    while todo:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, type | type(sys) | type(held_bytes)):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        todo.extend(gc.get_referents(obj))
    return total
