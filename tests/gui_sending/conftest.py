"""Fixtures for the sending area: scenarios, realistic records, a leak check for threads."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from simulator_app.collector import EmbeddedCollector
from simulator_app.core.journey import JourneyEngine
from simulator_app.core.model import Scenario
from simulator_app.core.record import RequestRecord
from simulator_app.core.scenario_file import load_scenario
from simulator_app.gui.sending import SendingArea

SCENARIOS = Path(__file__).resolve().parent.parent.parent / "scenarios"
ORIGIN = "http://127.0.0.1:8765"


@pytest.fixture(scope="session")
def buyer() -> Scenario:
    # with a seed: rows rebuilt from the scenario must be the visitors that were sent
    return dataclasses.replace(load_scenario(SCENARIOS / "buyer.yaml"), seed=7)


def make_records(
    scenario: Scenario, visitors: range, fail_every: int = 0, start: float = 1_700_000_000.0
) -> list[RequestRecord]:
    """The records ``visitors`` would leave, answered as a collector would.

    Every ``fail_every``-th request (when > 0) failed with HTTP 500.
    """
    engine = JourneyEngine(scenario)
    out: list[RequestRecord] = []
    for index in visitors:
        for planned in engine.plan(index):
            spec = planned.spec
            n = len(out)
            failed = fail_every > 0 and n % fail_every == fail_every - 1
            ok_body = spec.expect if spec.expect is not None else '{"ok":true}'
            now = start + n * 0.01
            out.append(
                RequestRecord(
                    time=now,
                    visitor=index,
                    journey=planned.journey,
                    step=spec.step,
                    name=spec.name,
                    method=spec.method,
                    url=ORIGIN + spec.target(round(now * 1000)),
                    status=500 if failed else 200,
                    latency_ms=1.0 + n % 50,
                    request_headers=spec.headers,
                    request_body=spec.body,
                    response_body="boom" if failed else ok_body,
                    error="HTTP 500" if failed else None,
                    response_headers=(("content-type", "text/plain"),),
                )
            )
    return out


@pytest.fixture(autouse=True)
def no_thread_left() -> Iterator[None]:
    """Fail a test that leaves a thread running (a sender, click-through or server)."""
    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not left, f"threads left running: {[t.name for t in left]}"


@pytest.fixture(scope="module")
def collector() -> Iterator[EmbeddedCollector]:
    with EmbeddedCollector() as running:
        yield running


@pytest.fixture
def area(qtbot: QtBot) -> Iterator[SendingArea]:
    widget = SendingArea()
    qtbot.addWidget(widget)
    yield widget
    widget.shutdown()
