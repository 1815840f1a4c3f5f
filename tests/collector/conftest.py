"""A running collector per test module, and helpers to send contract-built requests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from simulator_app.collector import EmbeddedCollector
from simulator_app.core.contract import (
    RequestSpec,
    TrackerOptions,
    VisitorIds,
    build_event,
    build_identify,
)
from tests.factory import ORG

URL = "https://shop.example.com"


def new_ids() -> VisitorIds:
    """A fresh visitor, so tests sharing one collector never share a cart."""
    return VisitorIds(ORG, f"biscuit_{uuid.uuid4()}", str(uuid.uuid4()))


def send(client: httpx.Client, spec: RequestSpec) -> httpx.Response:
    return client.request(
        spec.method, spec.target(1700000000000), headers=dict(spec.headers), content=spec.body
    )


def event(ids: VisitorIds, kind: str, body: dict[str, Any], **options: Any) -> RequestSpec:
    return build_event(ids, kind, body, TrackerOptions(**options))


def identify(ids: VisitorIds, payload: dict[str, Any]) -> RequestSpec:
    return build_identify(ids, payload, TrackerOptions())


def last_bad(client: httpx.Client, visitor: str | None = None) -> dict[str, Any]:
    query = f"?limit=1&visitor={visitor}" if visitor else "?limit=1"
    events = client.get("/_collector/bad" + query).json()
    assert events, "no bad request was stored"
    return dict(events[0])


@pytest.fixture(scope="module")
def collector() -> Iterator[EmbeddedCollector]:
    with EmbeddedCollector() as running:
        yield running


@pytest.fixture(scope="module")
def client(collector: EmbeddedCollector) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=collector.url, timeout=10) as http:
        yield http
