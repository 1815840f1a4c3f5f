"""Fault injection: latency, 503s, Payload Errors and dropped connections, set at start
and changed at runtime, drawn from a seeded generator."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import httpx
import pytest

from simulator_app.collector import EmbeddedCollector, FaultSettings
from simulator_app.collector.faults import ERROR, NO_FAULT, FaultInjector, parse_latency
from simulator_app.core.contract import PAYLOAD_ERROR

from .conftest import URL, event, identify, new_ids, send

PERSON = {"email": "a@example.com", "phone": "+1 555 0100", "name": "Ann"}
JSON_TYPE = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def collector() -> Iterator[EmbeddedCollector]:
    with EmbeddedCollector(faults=FaultSettings(error_rate=1.0, seed=3)) as running:
        yield running


@pytest.fixture(autouse=True)
def no_faults_after(collector: EmbeddedCollector) -> Iterator[None]:
    yield
    collector.set_faults(FaultSettings())


def view(client: httpx.Client) -> httpx.Response:
    return send(client, event(new_ids(), "view", {"page": f"{URL}/"}))


def test_faults_given_at_start_apply(client: httpx.Client, collector: EmbeddedCollector) -> None:
    before = collector.summary()
    response = view(client)
    assert response.status_code == 503
    after = collector.summary()
    assert after["total"] == before["total"]  # a faulted request is not an accepted event
    assert after["faults"]["error"] == before["faults"]["error"] + 1
    assert client.get("/_collector/all").status_code == 200  # the inspection API is never faulted


def test_dropped_connection_gets_no_answer(
    client: httpx.Client, collector: EmbeddedCollector, caplog: pytest.LogCaptureFixture
) -> None:
    collector.set_faults(FaultSettings(drop_rate=1.0))
    # closed without an answer: a FIN, or a reset when the request is still unread (timing)
    with (
        caplog.at_level(logging.WARNING),
        pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)),
    ):
        view(client)
    collector.set_faults(FaultSettings())
    assert view(client).status_code == 200  # the client reconnects; the server lives on
    assert collector.summary()["faults"]["drop"] == 1
    assert [r.getMessage() for r in caplog.records if r.name.startswith("uvicorn")] == []


def test_payload_error_hits_identify_only(
    client: httpx.Client, collector: EmbeddedCollector
) -> None:
    collector.set_faults(FaultSettings(payload_error_rate=1.0))
    ids = new_ids()
    response = send(client, identify(ids, PERSON))
    assert (response.status_code, response.text) == (200, PAYLOAD_ERROR)
    assert view(client).status_code == 200


def test_latency_fixed_and_range(client: httpx.Client, collector: EmbeddedCollector) -> None:
    collector.set_faults(FaultSettings(latency_ms=(150, 150)))
    started = time.monotonic()
    assert view(client).status_code == 200
    assert time.monotonic() - started >= 0.15
    injector = FaultInjector(FaultSettings(latency_ms=(50, 80), seed=1))
    delays = [injector.delay() for _ in range(200)]
    assert 0.05 <= min(delays) < max(delays) <= 0.08


def test_seeded_faults_repeat(client: httpx.Client, collector: EmbeddedCollector) -> None:
    settings = FaultSettings(error_rate=0.5, seed=7)
    expected_injector = FaultInjector(settings)
    expected = [503 if expected_injector.draw(False) == ERROR else 200 for _ in range(30)]
    assert 0 < expected.count(503) < 30
    for _ in range(2):
        collector.set_faults(settings)
        assert [view(client).status_code for _ in range(30)] == expected


def test_faults_change_at_runtime_through_the_api(client: httpx.Client) -> None:
    response = client.post("/_collector/faults", json={"error_rate": 1, "latency_ms": "0-5"})
    assert response.status_code == 200
    assert response.json()["error_rate"] == 1.0
    assert response.json()["latency_ms"] == [0.0, 5.0]
    assert view(client).status_code == 503
    assert client.get("/_collector/faults").json()["error_rate"] == 1.0
    assert client.post("/_collector/faults", json={"error_rate": 0}).status_code == 200
    assert view(client).status_code == 200
    for body, error in (
        ({"error_rate": 2}, "error_rate must be between 0 and 1"),
        ({"colour": 1}, "unknown fault setting(s): colour"),
        ({"latency_ms": "fast"}, "is not MS or MIN-MAX"),
        ({"error_rate": 0.6, "drop_rate": 0.6}, "must not exceed 1"),
    ):
        response = client.post("/_collector/faults", json=body)
        assert response.status_code == 400
        assert error in response.json()["error"]
    malformed = client.post("/_collector/faults", content=b"{nope", headers=JSON_TYPE)
    assert malformed.status_code == 400


def test_settings_and_latency_parsing() -> None:
    assert parse_latency("200") == (200.0, 200.0)
    assert parse_latency("50-300") == (50.0, 300.0)
    for text in ("", "a", "-5", "1-2-3"):
        with pytest.raises(ValueError, match="MS or MIN-MAX"):
            parse_latency(text)
    with pytest.raises(ValueError, match="drop_rate must be between 0 and 1"):
        FaultSettings(drop_rate=1.5)
    assert not FaultSettings().active
    assert FaultSettings(latency_ms=(0, 1)).active
    assert FaultInjector(FaultSettings()).draw(True) == NO_FAULT
