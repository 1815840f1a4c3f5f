"""A target that asks to slow down (the collector's injected 429 with Retry-After): counted
as throttled, the run waits as asked and its rate comes down; resent only when asked."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from simulator_app.collector import EmbeddedCollector, FaultSettings
from simulator_app.collector.faults import THROTTLE
from simulator_app.core.funnel import expected_funnel
from simulator_app.core.scenario_file import load_scenario
from simulator_app.net.throttle import is_throttled, retry_after, throttle_wait
from simulator_app.sender.report import progress_line, summary_text
from simulator_app.sender.runner import LoadRun, Progress, RunSettings
from simulator_app.sender.throttling import MIN_RATE, Throttle
from tests.sender.conftest import REQUESTS_PER_VISITOR, write_scenario


def throttled_run(tmp_path: Path, retry: bool) -> tuple[LoadRun, object, EmbeddedCollector]:
    faults = FaultSettings(throttle_rate=0.25, retry_after=1.0, seed=3)
    collector = EmbeddedCollector(faults=faults)
    collector.start()
    scenario = load_scenario(write_scenario(tmp_path))
    settings = RunSettings(
        target=collector.url,
        visitors=3,
        concurrency=1,
        think_scale=0,
        retry_throttled=retry,
        throttle_wait=1.5,
    )
    load = LoadRun(scenario, settings)
    started = time.monotonic()
    result = load.run()
    return load, (result, time.monotonic() - started), collector


@pytest.mark.slow
def test_throttled_requests_are_counted_waited_for_and_never_resent(tmp_path: Path) -> None:
    load, (result, took), collector = throttled_run(tmp_path, retry=False)
    try:
        throttled = collector.app.fault_counts[THROTTLE]
        assert throttled > 0
        assert result.throttled == throttled  # every 429 the collector sent, and nothing else
        assert result.requests == 3 * REQUESTS_PER_VISITOR  # each request sent once
        assert result.answered_failures == 0
        assert result.throttle_waited >= 1.0 * min(throttled, 1)
        assert took >= 1.0  # the run did wait
        assert result.rate_lowered_to is not None and result.rate_lowered_to >= MIN_RATE
        text = summary_text(result, expected_funnel(load.scenario), {})
        assert f"{throttled} throttled (429, or 503 with Retry-After" in text
        assert "throttled: " in text and "the run waited" in text
    finally:
        collector.stop()


@pytest.mark.slow
def test_retry_throttled_sends_them_again_after_the_wait(tmp_path: Path) -> None:
    _, (result, _), collector = throttled_run(tmp_path, retry=True)
    try:
        throttled = collector.app.fault_counts[THROTTLE]
        assert result.throttled == throttled > 0
        assert result.requests == 3 * REQUESTS_PER_VISITOR + throttled  # each resent once
    finally:
        collector.stop()


def test_what_is_throttled_and_for_how_long() -> None:
    assert is_throttled(429, None)
    assert is_throttled(503, "2")
    assert not is_throttled(503, None)
    assert not is_throttled(500, "2")
    assert retry_after("7") == 7.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after("soon") is None
    assert throttle_wait(None) == 1.0
    assert throttle_wait("3600", limit=60) == 60


def test_the_rate_halves_then_climbs_back() -> None:
    loop = asyncio.new_event_loop()
    try:
        throttle = Throttle(loop, asyncio.Event(), 60.0, cap=None)
        assert throttle.answered(429, [(b"Retry-After", b"2")])
        assert 1.9 < throttle.waiting() <= 2.0
        bucket = throttle.bucket(None, active=10.0, requests=1000)  # 100 req/s reached
        assert bucket.rate == 50.0
        assert throttle.bucket(bucket, 10.0, 1000).rate == 50.0  # the same second: one signal
        assert not throttle.answered(200, [])
    finally:
        loop.close()


def test_the_progress_line_says_the_run_waits() -> None:
    progress = Progress(10, 5, 4, 40, 3, 2.0, None, False, throttled=3, waiting=4.2)
    assert "WAITING 4 s: the target asked to slow down" in progress_line(progress)
