"""Nothing answers 5xx. What JSON cannot hold (NaN, Infinity), numbers
out of range or too long, nesting 2000 deep, in event bodies, identify payloads and the
faults API, is a 4xx with a plain message, filed and counted bad; a bug in judging is
filed bad and answered 400, and logged once."""

from __future__ import annotations

import base64
import logging
from typing import Any

import httpx
import pytest

from simulator_app.collector import EmbeddedCollector
from simulator_app.core.contract import PAYLOAD_ERROR, event_path, identify_path

from .conftest import URL, new_ids

JSON = {"Content-Type": "application/json"}
PRODUCT = '{"product_id": 1, "price": %s, "product_url": "https://shop.example.com/p/1"}'

HOSTILE = {
    "NaN": PRODUCT % "NaN",
    "Infinity": PRODUCT % "Infinity",
    "-Infinity": PRODUCT % "-Infinity",
    "1e400": PRODUCT % "1e400",
    "5000 digits": PRODUCT % ("9" * 5000),
    "nested 2000": '{"product_id": 1, "x": ' + "[" * 2000 + "]" * 2000 + "}",
    "nested 30000": "[" * 30_000,
    "unpaired surrogate": PRODUCT.replace("/p/1", "/p/\\ud800") % "1.00",
}
REASONS = {
    "NaN": "NaN is not a JSON number",
    "Infinity": "Infinity is not a JSON number",
    "-Infinity": "-Infinity is not a JSON number",
    "1e400": "number 1e400 is out of range",
    "5000 digits": "a number of 5000 characters is longer than the 100 accepted",
    "nested 2000": "nested more than 64 levels deep",
    "nested 30000": "nested more than 64 levels deep",
    "unpaired surrogate": "unpaired surrogate",
}


def counts(client: httpx.Client) -> dict[str, Any]:
    return dict(client.get("/_collector/all").json())


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_event_body_is_a_400_filed_bad(client: httpx.Client, name: str) -> None:
    ids = new_ids()
    before = counts(client)
    response = client.post(
        event_path(ids, "productview"), content=HOSTILE[name].encode(), headers=JSON
    )
    assert response.status_code == 400
    assert REASONS[name] in response.json()["error"]
    assert response.json()["messages"][0]["code"] == "BODY_INVALID"
    after = counts(client)
    assert after["bad_by_type"]["productview"] == before["bad_by_type"]["productview"] + 1
    stored = client.get(f"/_collector/bad?visitor={ids.nitro_id}")
    assert stored.status_code == 200  # the stored body is shown, as text
    assert stored.json()[0]["body"] == HOSTILE[name]


# (30,000 brackets in Base64 do not fit the 32 KiB head limit: that request gets 431)
@pytest.mark.parametrize("name", [n for n in HOSTILE if n != "nested 30000"])
def test_a_hostile_identify_payload_is_a_payload_error_filed_bad(
    client: httpx.Client, name: str
) -> None:
    ids = new_ids()
    base = identify_path(ids, {"name": "x"}).rsplit("/", 1)[0]
    payload = base64.urlsafe_b64encode(HOSTILE[name].encode()).decode()
    before = counts(client)
    response = client.get(f"{base}/{payload}")
    assert (response.status_code, response.text) == (400, PAYLOAD_ERROR)
    assert counts(client)["bad_by_type"]["identify"] == before["bad_by_type"]["identify"] + 1
    message = client.get(f"/_collector/bad?visitor={ids.nitro_id}").json()[0]["messages"][0]
    assert message["code"] == "PAYLOAD_INVALID"
    assert REASONS[name] in message["description"]


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_faults_are_refused_in_plain_words(client: httpx.Client, name: str) -> None:
    body = HOSTILE[name].replace('"product_id": 1', '"seed": 1').encode()
    before = client.get("/_collector/faults").json()
    response = client.post("/_collector/faults", content=body, headers=JSON)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error.startswith("faults: the body is not a JSON object (")
    assert REASONS[name].lower() in error.lower()
    assert "\n" not in error
    assert client.get("/_collector/faults").json() == before


def test_absurd_money_is_a_field_mistake_not_a_crash(client: httpx.Client) -> None:
    """1e308 is valid JSON (x100 overflows): the price is filed bad, answered as the API would."""
    ids = new_ids()
    response = client.post(
        event_path(ids, "productview"), content=(PRODUCT % "1e308").encode(), headers=JSON
    )
    assert response.status_code == 200
    bad = client.get(f"/_collector/bad?visitor={ids.nitro_id}").json()[0]
    assert bad["messages"] == [
        {
            "fieldPath": "body.price",
            "description": "price must be at most 1000000000000 (money), got 1e+308",
            "code": "VALUE_INVALID",
        }
    ]


def test_a_bug_in_judging_is_filed_bad_and_answered_400_and_logged_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with EmbeddedCollector() as collector, httpx.Client(base_url=collector.url) as client:

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise ZeroDivisionError("a bug")

        monkeypatch.setattr(collector.app.checker, "check_event", broken)
        monkeypatch.setattr(collector.app.checker, "check_identify", broken)
        ids = new_ids()
        with caplog.at_level(logging.ERROR):
            for _ in range(3):
                response = client.post(
                    event_path(ids, "view"), json={"page": f"{URL}/"}, headers=JSON
                )
                assert response.status_code == 400
                assert response.headers["x-nitrox-verdict"] == "bad"
            identify = client.get(identify_path(ids, {"name": "x"}))
        assert (identify.status_code, identify.text) == (400, PAYLOAD_ERROR)
        message = response.json()["messages"][0]
        assert message["code"] == "CHECK_FAILED"
        assert "could not judge this request (ZeroDivisionError: a bug)" in message["description"]
        summary = collector.summary()
        assert summary["bad_by_type"]["view"] == 3 and summary["bad_by_type"]["identify"] == 1
        assert summary["unjudged"] == 4
        logged = [r for r in caplog.records if r.name == "simulator_app.collector"]
        assert len(logged) == 1 and logged[0].exc_info is not None
        assert not [r for r in caplog.records if r.name.startswith("uvicorn")]


def test_an_unknown_fault_key_is_quoted_in_one_line(client: httpx.Client) -> None:
    """Found by the fuzz suite: a key holding a newline was echoed as is."""
    response = client.post("/_collector/faults", content=b'{"\\n": null, "a b": 1}', headers=JSON)
    assert response.status_code == 400
    assert response.json()["error"] == "faults: unknown fault setting(s): '\\n', 'a b'"
