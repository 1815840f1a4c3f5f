"""End to end: every tracking answer
carries its verdict in headers a sender can record, the tracker's status and body stay as
the contract says; identify with one contact field is good with warnings (the seed's own
example among them); the full-cart form is a declared setting shown in /_collector/all."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from simulator_app.collector import EmbeddedCollector
from simulator_app.collector.verdict import MAX_MESSAGES_BYTES, messages_header
from simulator_app.core.contract import PAYLOAD_ERROR, event_path, identify_path

from .conftest import URL, event, identify, new_ids, send

SEED_IDENTIFY = (
    "/jsv1/identify/34a3f9a2-5057-431b-bd3f-aa9fdf9ff733/"
    "biscuit_4c6e224d-96f6-430c-bfc4-d41ec31e38a4/de8daa44-ac2e-4ba2-8e1c-987a06817353/"
    "eyJzb3VyY2UiOiJncmsgdGVzdCIsInBob25lIjoiMzg0NTY3ODkwMDEiLCJuYW1lIjoiVmlzaXRvciBFbW9yY3kifQ=="
)
PERSON = {"email": "anu@example.in", "phone": "+91 98765 43210", "name": "अनु"}


def verdict(response: httpx.Response) -> tuple[str, list[dict[str, str]]]:
    shown = response.headers.get("x-nitrox-messages")
    return response.headers["x-nitrox-verdict"], json.loads(shown) if shown else []


def test_a_good_event_says_good_and_keeps_the_trackers_answer(client: httpx.Client) -> None:
    response = send(client, event(new_ids(), "view", {"page": f"{URL}/"}))
    assert (response.status_code, response.content) == (200, b'{"status":"ok"}')
    assert verdict(response) == ("good", [])
    assert response.headers["access-control-allow-origin"] == "*"


def test_a_bad_event_says_bad_with_the_stored_messages(client: httpx.Client) -> None:
    ids = new_ids()
    response = client.post(
        "/jsv1/my-org/roamer/visitor-9/null/event/view", json={"page": "/relative"}
    )
    assert response.status_code == 200  # the tracker's answer, as the API gives it
    said, messages = verdict(response)
    stored = client.get("/_collector/bad?visitor=visitor-9&limit=1").json()[0]["messages"]
    assert said == "bad" and messages == stored
    assert {m["fieldPath"] for m in messages} >= {"path.org_id", "body.page"}
    refused = client.post(
        event_path(ids, "view"), content=b"{", headers={"Content-Type": "text/plain"}
    )
    assert refused.status_code == 415
    assert verdict(refused)[0] == "bad"
    assert verdict(refused)[1][0]["code"] == "CONTENT_TYPE_INVALID"


def test_identify_says_its_verdict_and_keeps_its_body(client: httpx.Client) -> None:
    ids = new_ids()
    good = send(client, identify(ids, PERSON))
    assert (good.status_code, good.text) == (200, ids.nitro_id)
    assert verdict(good) == ("good", [])
    base = identify_path(ids, PERSON).rsplit("/", 1)[0]
    bad = client.get(f"{base}/bm90IGpzb24")
    assert (bad.status_code, bad.text) == (400, PAYLOAD_ERROR)
    assert verdict(bad)[0] == "bad" and verdict(bad)[1][0]["code"] == "PAYLOAD_INVALID"


def test_the_seeds_own_identify_is_good_with_a_warning(client: httpx.Client) -> None:
    before = client.get("/_collector/all").json()
    response = client.get(SEED_IDENTIFY)
    assert (response.status_code, response.text) == (200, "de8daa44-ac2e-4ba2-8e1c-987a06817353")
    said, warnings = verdict(response)
    assert said == "warn"
    assert [(w["fieldPath"], w["code"]) for w in warnings] == [
        ("payload.email", "VALUE_RECOMMENDED")
    ]
    after = client.get("/_collector/all").json()
    assert after["good"] == before["good"] + 1 and after["bad"] == before["bad"]
    assert after["warned"] == before["warned"] + 1
    row = client.get(
        "/_collector/good?type=identify&visitor=de8daa44-ac2e-4ba2-8e1c-987a06817353&limit=1"
    ).json()[0]
    assert row["messages"] == [] and row["warnings"] == warnings
    assert row["body"] == {"source": "grk test", "phone": "38456789001", "name": "Visitor Emorcy"}
    page = client.get("/_collector/").text
    assert "good, with warnings" in page and "email is missing" in page


def test_many_messages_fit_a_bounded_ascii_header(client: httpx.Client) -> None:
    ids = new_ids()
    items = [{"product_id": "x", "price": "y", "product_url": "é"} for _ in range(300)]
    body = {"checkout": f"{URL}/c", "items": items, "cart_value": 1.0}
    response = send(client, event(ids, "checkout", body))
    assert response.status_code == 200
    raw = response.headers.get_list("x-nitrox-messages")[0]
    assert raw.isascii() and len(raw) <= MAX_MESSAGES_BYTES
    shown = json.loads(raw)
    assert shown[-1]["code"] == "TRUNCATED"
    stored = client.get(f"/_collector/bad?visitor={ids.nitro_id}").json()[0]["messages"]
    assert shown[:-1] == stored[: len(shown) - 1]
    assert f"{len(stored) - len(shown) + 1} more not shown" in shown[-1]["description"]


@pytest.mark.parametrize(
    "description", ["é" * 5000, "\x7f\x00\n\r" * 300, "x" * 100_000, '"},{"' * 500]
)
def test_any_description_makes_a_valid_header(description: str) -> None:
    raw = messages_header([{"fieldPath": "body", "description": description, "code": "C"}] * 3)
    text = raw.decode("ascii")
    assert len(raw) <= MAX_MESSAGES_BYTES
    assert all(32 <= ord(c) < 127 for c in text)
    assert json.loads(text)[0]["code"] == "C"


def test_full_cart_is_declared_and_shown() -> None:
    lines = [
        {
            "quantity": 1,
            "title": "t",
            "line_price": price,
            "id": str(pid),
            "product_id": pid,
            "image_url": f"{URL}/{pid}.jpg",
        }
        for pid, price in ((1, 10.0), (2, 5.0))
    ]

    def add(client: httpx.Client, ids: Any, listed: list[dict[str, Any]], value: float) -> str:
        body = {
            "cart_url": f"{URL}/cart",
            "product_id": 1,
            "line_items": listed,
            "cart_value": value,
        }
        return verdict(send(client, event(ids, "updatecart", body)))[0]

    for declared, second in ((True, "good"), (False, "bad")):
        with (
            EmbeddedCollector(full_cart=declared) as collector,
            httpx.Client(base_url=collector.url) as client,
        ):
            assert client.get("/_collector/all").json()["full_cart"] is declared
            ids = new_ids()
            assert add(client, ids, lines[:1], 10.0) == "good"
            assert add(client, ids, lines, 15.0) == second  # both lines: the whole cart
    with EmbeddedCollector() as collector:
        collector.full_cart = True  # changed while it runs (the app's scenario changed)
        assert collector.summary()["full_cart"] is True
