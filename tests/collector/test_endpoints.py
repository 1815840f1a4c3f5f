"""Every endpoint against the running collector: good forms answer as the contract says,
bad forms get a clear 4xx and are filed bad with a message saying what was wrong."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from simulator_app.collector import EmbeddedCollector
from simulator_app.core.contract import PAYLOAD_ERROR, event_path, identify_path

from .conftest import URL, event, identify, last_bad, new_ids, send

PERSON = {"email": "anu@example.in", "phone": "+91 98765 43210", "name": "अनु शर्मा"}


def counts(client: httpx.Client) -> dict[str, Any]:
    return dict(client.get("/_collector/all").json())


def line(pid: int, qty: int, price: float) -> dict[str, Any]:
    return {
        "quantity": qty,
        "title": "Black Box",
        "line_price": price,
        "id": "987654",
        "product_id": pid,
        "image_url": f"{URL}/i/{pid}.jpg",
    }


def test_a_whole_journey_is_answered_and_filed_good(client: httpx.Client) -> None:
    ids = new_ids()
    before = counts(client)
    items = [{"product_id": 1234567, "price": 48.0, "product_url": f"{URL}/p/1234567"}]
    journey = [
        event(ids, "view", {"page": f"{URL}/"}),
        event(ids, "categoryview", {"category": "fashion"}),
        event(
            ids,
            "productview",
            {"product_id": 1234567, "price": 24.0, "product_url": f"{URL}/p/1234567"},
        ),
        event(
            ids,
            "updatecart",
            {
                "cart_url": f"{URL}/cart",
                "product_id": 1234567,
                "line_items": [line(1234567, 3, 72.0)],
                "cart_value": 72.0,
            },
        ),
        event(
            ids,
            "removefromcart",
            {
                "cart_url": f"{URL}/cart",
                "product_id": 1234567,
                "line_items": [line(1234567, 1, 24.0)],
                "cart_value": 48.0,
            },
        ),
        event(ids, "checkout", {"checkout": f"{URL}/checkout", "items": items, "cart_value": 48.0}),
        identify(ids, PERSON),
        event(ids, "buy", {"checkout_url": f"{URL}/checkout", "order_id": "ORD-1", "items": items}),
    ]
    for spec in journey:
        response = send(client, spec)
        assert response.status_code == 200, (spec.step, response.text)
    after = counts(client)
    assert after["good"] - before["good"] == 8
    assert after["bad"] == before["bad"]
    for kind in (
        "view",
        "categoryview",
        "productview",
        "updatecart",
        "removefromcart",
        "checkout",
        "identify",
        "buy",
    ):
        assert after["by_type"][kind] - before["by_type"][kind] == 1
    stored = client.get(f"/_collector/good?visitor={ids.nitro_id}").json()
    assert [e["type"] for e in stored] == [
        "buy",
        "identify",
        "checkout",
        "removefromcart",
        "updatecart",
        "productview",
        "categoryview",
        "view",
    ]
    assert stored[1]["body"] == PERSON  # identify's payload, decoded
    assert stored[0]["body"]["order_id"] == "ORD-1"


@pytest.mark.parametrize(("name", "escape"), [("प्रिया", "%2F"), ("राहुल", "%2B")])
def test_identify_answers_the_nitro_id_with_escaped_slash_and_plus(
    client: httpx.Client, name: str, escape: str
) -> None:
    ids = new_ids()
    spec = identify(ids, {**PERSON, "name": name})
    assert escape in spec.path
    response = send(client, spec)
    assert (response.status_code, response.text) == (200, ids.nitro_id)
    assert client.get(f"/_collector/good?visitor={ids.nitro_id}").json()[0]["body"]["name"] == name


def test_identify_accepts_url_safe_unpadded_and_raw_base64(client: httpx.Client) -> None:
    ids = new_ids()
    raw = json.dumps({**PERSON, "name": "प्रिया"}).encode()
    base = identify_path(ids, PERSON).rsplit("/", 1)[0]
    for payload in (
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        base64.b64encode(raw).decode().replace("+", "%2B").replace("/", "%2F").rstrip("="),
    ):
        response = client.get(f"{base}/{payload}")
        assert (response.status_code, response.text) == (200, ids.nitro_id)


def test_identify_with_an_unreadable_payload_is_a_payload_error(client: httpx.Client) -> None:
    ids = new_ids()
    base = identify_path(ids, PERSON).rsplit("/", 1)[0]
    response = client.get(f"{base}/bm90IGpzb24")  # "not json"
    assert (response.status_code, response.text) == (400, PAYLOAD_ERROR)
    bad = last_bad(client, ids.nitro_id)
    assert bad["type"] == "identify"
    assert bad["messages"][0]["code"] == "PAYLOAD_INVALID"
    assert "not JSON" in bad["messages"][0]["description"]


def test_view_by_get_takes_page_from_the_query_and_cache_buster_is_ignored(
    client: httpx.Client,
) -> None:
    ids = new_ids()
    spec = event(ids, "view", {"page": f"{URL}/sale?x=1&y=2"}, view_method="GET")
    assert spec.method == "GET"
    response = send(client, spec)
    assert response.status_code == 200
    stored = client.get(f"/_collector/good?visitor={ids.nitro_id}").json()[0]
    assert stored["body"] == {"page": f"{URL}/sale?x=1&y=2"}
    assert "_=1700000000000" in stored["path"]
    response = client.get(event_path(ids, "view"))
    assert response.status_code == 200
    assert last_bad(client, ids.nitro_id)["messages"][0]["fieldPath"] == "query.page"


def test_tracker_headers_are_not_required(client: httpx.Client) -> None:
    ids = new_ids()
    spec = event(ids, "view", {"page": f"{URL}/"}, tracker_headers=False, cache_buster=False)
    assert [k for k, _ in spec.headers] == ["Content-Type"]
    assert send(client, spec).status_code == 200


def test_wrong_ids_are_answered_2xx_and_filed_bad(client: httpx.Client) -> None:
    response = client.post(
        "/jsv1/my-org/roamer/visitor-1/null/event/view",
        json={"page": f"{URL}/"},
    )
    assert response.status_code == 200  # the tracker's answer stays as the contract says
    bad = last_bad(client, "visitor-1")
    assert {m["fieldPath"] for m in bad["messages"]} == {
        "path.org_id",
        "path.roaming_id",
        "path.nitro_id",
    }
    assert all(m["code"] == "VALUE_INVALID" for m in bad["messages"])


def test_cart_arithmetic_across_requests(client: httpx.Client) -> None:
    ids = new_ids()
    add = {
        "cart_url": f"{URL}/cart",
        "product_id": 1,
        "line_items": [line(1, 1, 10.0)],
        "cart_value": 10.0,
    }
    assert send(client, event(ids, "updatecart", add)).status_code == 200
    assert send(client, event(ids, "updatecart", {**add, "cart_value": 25.0})).status_code == 200
    bad = last_bad(client, ids.nitro_id)
    assert bad["type"] == "updatecart"
    assert bad["messages"][0]["code"] == "CART_VALUE_MISMATCH"
    assert "10.00 before plus 10.00 in line_items is 20.00" in bad["messages"][0]["description"]


def test_journey_order_checkout_without_cart_and_buy_without_checkout(client: httpx.Client) -> None:
    ids = new_ids()
    items = [{"product_id": 1, "price": 5.0, "product_url": f"{URL}/p/1"}]
    send(
        client, event(ids, "checkout", {"checkout": f"{URL}/c", "items": items, "cart_value": 5.0})
    )
    assert last_bad(client, ids.nitro_id)["messages"][0]["code"] == "JOURNEY_ORDER"
    other = new_ids()
    send(
        client,
        event(other, "buy", {"checkout_url": f"{URL}/c", "order_id": "B-77", "items": items}),
    )
    message = last_bad(client, other.nitro_id)["messages"][0]
    assert (message["code"], message["description"]) == (
        "JOURNEY_ORDER",
        "buy without a checkout before it",
    )


def test_a_second_roaming_id_for_one_visitor_is_a_conflict(client: httpx.Client) -> None:
    ids = new_ids()
    send(client, event(ids, "view", {"page": f"{URL}/"}))
    moved = ids.__class__(ids.org_id, new_ids().roaming_id, ids.nitro_id)
    send(client, event(moved, "view", {"page": f"{URL}/"}))
    assert last_bad(client, ids.nitro_id)["messages"][0]["code"] == "ID_CONFLICT"


VIEW = event_path(new_ids(), "view")
JSON_HEADERS = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("method", "path", "headers", "content", "status", "code", "kind"),
    [
        ("POST", VIEW, JSON_HEADERS, b'{"page": ', 400, "BODY_INVALID", "view"),
        ("POST", VIEW, JSON_HEADERS, b"", 400, "BODY_INVALID", "view"),
        ("POST", VIEW, JSON_HEADERS, b'["https://x.example.com/"]', 400, "BODY_INVALID", "view"),
        (
            "POST",
            VIEW,
            {"Content-Type": "text/plain"},
            b'{"page": "https://x.example.com/"}',
            415,
            "CONTENT_TYPE_INVALID",
            "view",
        ),
        (
            "POST",
            VIEW,
            {},
            b'{"page": "https://x.example.com/"}',
            415,
            "CONTENT_TYPE_INVALID",
            "view",
        ),
        ("POST", VIEW, JSON_HEADERS, b'{"page": "\xff\xfe"}', 400, "ENCODING_INVALID", "view"),
        (
            "POST",
            VIEW,
            JSON_HEADERS,
            b'{"page": "' + b"x" * 70_000 + b'"}',
            413,
            "BODY_TOO_LARGE",
            "view",
        ),
        (
            "POST",
            VIEW.replace("/view", "/purchase"),
            JSON_HEADERS,
            b"{}",
            404,
            "PATH_UNKNOWN",
            "unknown",
        ),
        ("GET", "/jsv2/track", {}, b"", 404, "PATH_UNKNOWN", "unknown"),
        ("POST", "/jsv1/identify/a/b", JSON_HEADERS, b"{}", 404, "PATH_UNKNOWN", "unknown"),
        (
            "GET",
            VIEW.replace("/event/view", "/event/updatecart"),
            {},
            b"",
            405,
            "METHOD_INVALID",
            "updatecart",
        ),
        ("PUT", VIEW, JSON_HEADERS, b"{}", 405, "METHOD_INVALID", "view"),
        (
            "POST",
            identify_path(new_ids(), PERSON),
            JSON_HEADERS,
            b"{}",
            405,
            "METHOD_INVALID",
            "identify",
        ),
        (
            "POST",
            VIEW.replace("/null/", "/%FF%FE/"),
            JSON_HEADERS,
            b'{"page": "https://x.example.com/"}',
            400,
            "ENCODING_INVALID",
            "view",
        ),
    ],
)
def test_bad_input_gets_a_clear_4xx_and_is_filed_bad(
    client: httpx.Client,
    method: str,
    path: str,
    headers: dict[str, str],
    content: bytes,
    status: int,
    code: str,
    kind: str,
) -> None:
    before = counts(client)
    response = client.request(method, path, headers=headers, content=content)
    assert response.status_code == status
    if status == 405:
        assert response.headers["allow"] in ("GET", "POST", "GET, POST")
    answer = response.json()
    assert answer["messages"][0]["code"] == code
    assert answer["error"] == answer["messages"][0]["description"]
    after = counts(client)
    assert after["bad"] == before["bad"] + 1
    assert after["bad_by_type"][kind] == before["bad_by_type"].get(kind, 0) + 1
    stored = client.get(f"/_collector/bad?limit=1&type={kind}").json()[0]
    assert (stored["status"], stored["messages"][0]["code"], stored["method"]) == (
        status,
        code,
        method,
    )


def test_a_streamed_body_over_the_limit_gets_413(
    collector: EmbeddedCollector, client: httpx.Client
) -> None:
    def chunks() -> Any:
        yield b'{"page": "'
        yield b"y" * 80_000
        yield b'"}'

    response = client.post(VIEW, headers=JSON_HEADERS, content=chunks())
    assert response.status_code == 413
    assert "65536-byte limit" in response.json()["error"]


def test_cors_preflight_is_answered_and_not_stored(client: httpx.Client) -> None:
    before = counts(client)["total"]
    response = client.options(
        VIEW,
        headers={"Origin": "https://shop.example.com", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert counts(client)["total"] == before


def test_inspection_filters(client: httpx.Client) -> None:
    ids = new_ids()
    for page in ("/a", "/b", "/c"):
        send(client, event(ids, "view", {"page": URL + page}))
    send(client, event(ids, "categoryview", {"category": "home"}))
    views = client.get(f"/_collector/good?visitor={ids.nitro_id}&type=view&limit=2").json()
    assert [v["body"]["page"] for v in views] == [f"{URL}/c", f"{URL}/b"]
    for query, error in (
        ("?type=purchase", "type 'purchase' is not one of"),
        ("?limit=0", "limit '0' must be a whole number"),
        ("?colour=red", "unknown filter(s) colour"),
    ):
        response = client.get("/_collector/good" + query)
        assert response.status_code == 400
        assert error in response.json()["error"]
    assert client.post("/_collector/all").status_code == 405
    assert client.get("/_collector/reset").status_code == 405
    assert client.get("/_collector/nothing").status_code == 404


def test_html_page_shows_counts_funnel_and_escaped_requests(client: httpx.Client) -> None:
    send(client, event(new_ids(), "view", {"page": "<script>alert(1)</script>"}))
    page = client.get("/_collector/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert 'http-equiv="refresh"' in html
    assert "Funnel" in html and "Requests per type" in html and "Recent bad requests" in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_no_request_above_ever_got_a_500(client: httpx.Client) -> None:
    statuses = {e["status"] for e in client.get("/_collector/bad?limit=1000").json()}
    statuses |= {e["status"] for e in client.get("/_collector/good?limit=1000").json()}
    assert statuses
    assert max(statuses) < 500


def test_a_browser_at_the_bare_address_is_sent_to_the_page_and_not_counted(
    client: httpx.Client,
) -> None:
    before = client.get("/_collector/all").json()["total"]
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 307 and home.headers["location"] == "/_collector/"
    assert client.get("/", follow_redirects=True).text.startswith("<!doctype html>")
    assert client.get("/favicon.ico").status_code == 404
    assert client.post("/").status_code == 404  # not a browser's visit: filed as unknown
    after = client.get("/_collector/all").json()
    assert after["total"] == before + 1 and after["bad_by_type"]["unknown"] >= 1
