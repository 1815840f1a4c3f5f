"""send_one (click-through mode) and the request a planned step becomes."""

from __future__ import annotations

import json

import httpx

from simulator_app.core.journey import JourneyEngine
from simulator_app.core.model import Scenario
from simulator_app.sender import send_one


def test_send_one_sends_the_planned_request_and_judges_the_answer(scenario: Scenario) -> None:
    plan = list(JourneyEngine(scenario).plan(0))
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="Payload Error" if "/identify/" in request.url.path else "")

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        records = [send_one(client, "http://127.0.0.1:8787/", p) for p in plan]
    update = next(r for r in records if r.step == "updatecart")
    request = seen[records.index(update)]
    assert request.method == "POST"
    assert request.url.path == plan[2].spec.path
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == json.loads(update.request_body or "")
    assert "cart_value" in json.loads(request.content)
    identify = next(r for r in records if r.step == "identify")
    assert not identify.ok and "Payload Error" in (identify.error or "")
    assert [r.ok for r in records].count(True) == len(records) - 1


def test_send_one_records_an_unreachable_target_instead_of_raising(scenario: Scenario) -> None:
    planned = next(iter(JourneyEngine(scenario).plan(0)))

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        record = send_one(client, "http://127.0.0.1:9", planned)
    assert record.status is None
    assert record.error == "connection error: connection refused"
    assert json.loads(record.to_jsonl())["error"] == record.error
