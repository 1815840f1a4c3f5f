"""The load runner against a stand-in connection: records, verdicts, bounds, control."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import re
import threading
import time
from collections import defaultdict

import httpx
import pytest

from simulator_app.collector import EmbeddedCollector, FaultSettings
from simulator_app.core.contract import PAYLOAD_ERROR
from simulator_app.core.model import Scenario
from simulator_app.core.record import CANCELLED, RequestRecord
from simulator_app.sender import LoadRun, RunSettings
from simulator_app.sender.loop import (
    GC_YOUNG_PER_CONNECTION,
    GC_YOUNG_THRESHOLD,
    fewer_collections,
)
from simulator_app.sender.transport import NotSent
from tests.sender.conftest import REQUESTS_PER_VISITOR
from tests.sender.mock_wire import mock_connections

TARGET = "http://127.0.0.1:9"


def nitro_id_of(request: httpx.Request) -> str:
    """The nitro_id segment of an identify path /jsv1/identify/org/roaming/nitro/payload."""
    return request.url.path.split("/")[5]


def answer(request: httpx.Request) -> httpx.Response:
    if "/identify/" in request.url.path:
        return httpx.Response(200, text=nitro_id_of(request))
    return httpx.Response(200, text="")


def collect(
    scenario: Scenario,
    handler: object = answer,
    **settings: object,
) -> tuple[LoadRun, list[RequestRecord], object]:
    records: list[RequestRecord] = []
    options: dict[str, object] = {"target": TARGET, "think_scale": 0.0, **settings}
    run = LoadRun(
        scenario,
        RunSettings(**options),  # type: ignore[arg-type]
        on_records=records.extend,
        connect=mock_connections(handler),  # type: ignore[arg-type]
    )
    return run, records, run.run()


def test_every_request_gets_one_record_and_counts(scenario: Scenario) -> None:
    run, records, result = collect(scenario, concurrency=3)
    assert len(records) == 6 * REQUESTS_PER_VISITOR
    assert all(r.ok and r.status == 200 for r in records)
    assert result.requests == len(records) and result.failures == 0  # type: ignore[attr-defined]
    assert result.visitors_done == 6 and result.journeys_completed == 6  # type: ignore[attr-defined]
    assert not result.stopped  # type: ignore[attr-defined]
    assert result.stats.endpoints["event/buy"].count == 6  # type: ignore[attr-defined]
    assert result.funnel.funnel().shares["buy"] == 1.0  # type: ignore[attr-defined]
    first = records[0]
    assert first.url.startswith(TARGET + "/jsv1/")
    assert re.search(r"[?&]_=\d+$", first.url), "the tracker's cache-buster is sent"
    progress = run.progress()
    assert (progress.visitors_done, progress.requests, progress.eta) == (6, 36, 0.0)


def test_each_visitors_requests_go_in_journey_order(scenario: Scenario) -> None:
    _, records, _ = collect(scenario, concurrency=6)
    by_visitor: dict[int, list[str]] = defaultdict(list)
    for r in records:
        by_visitor[r.visitor].append(r.step)
    assert len(by_visitor) == 6
    for steps in by_visitor.values():
        assert steps == ["view", "productview", "updatecart", "checkout", "identify", "buy"]


@pytest.mark.parametrize(
    ("body", "status"),
    [(PAYLOAD_ERROR, 200), (PAYLOAD_ERROR, 400), ("someone-else", 200), ("", 500)],
)
def test_identify_is_judged_by_its_body(scenario: Scenario, body: str, status: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "/identify/" in request.url.path:
            return httpx.Response(status, text=body)
        return httpx.Response(200)

    _, records, result = collect(scenario, handler)
    bad = [r for r in records if not r.ok]
    assert {r.step for r in bad} == {"identify"} and len(bad) == 6
    assert result.failures == 6  # type: ignore[attr-defined]
    assert result.stats.endpoints["identify"].failures == 6  # type: ignore[attr-defined]
    assert all(r.response_body == body and r.status == status for r in bad)
    if body == PAYLOAD_ERROR:
        assert all(PAYLOAD_ERROR in (r.error or "") for r in bad)


def test_server_errors_and_connection_errors_are_failures_not_crashes(scenario: Scenario) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/event/view"):
            raise NotSent("connection error: cannot connect to 127.0.0.1:9: Connection refused")
        if request.url.path.endswith("/event/checkout"):
            return httpx.Response(503, text="busy")
        return answer(request)

    _, records, result = collect(scenario, handler)
    errors = {r.step: r.error for r in records if not r.ok}
    assert set(errors) == {"view", "checkout"}
    assert (errors["view"] or "").startswith("connection error")
    assert errors["checkout"] == "HTTP 503"
    views = [r for r in records if r.step == "view"]
    assert all(r.status is None for r in views)
    # A failed tracking call does not end the visit: the journey goes on, every
    # step is sent, but a journey with a failed request is not completed.
    assert len(records) == 6 * REQUESTS_PER_VISITOR
    assert result.journeys_completed == 0  # type: ignore[attr-defined]
    measured = result.funnel.funnel().shares  # type: ignore[attr-defined]
    assert measured["view"] == 0.0 and measured["checkout"] == 0.0  # only what succeeded
    assert measured["productview"] == 1.0 and measured["buy"] == 1.0
    assert result.failures == 12  # type: ignore[attr-defined]
    # Told apart by what the target can have seen: the refused views never reached it.
    assert (result.unreached, result.answered_failures, result.unanswered) == (6, 6, 0)  # type: ignore[attr-defined]


def test_concurrency_bounds_the_visitors_in_flight(scenario: Scenario) -> None:
    scenario = dataclasses.replace(
        scenario, schedule=dataclasses.replace(scenario.schedule, visitors=12)
    )
    in_flight: set[int] = set()
    most = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal most
        visitor = request.headers["X-Nitro-Id"]
        in_flight.add(hash(visitor))
        most = max(most, len(in_flight))
        await asyncio.sleep(0.002)
        if request.url.path.endswith("/event/buy"):
            in_flight.discard(hash(visitor))
        return answer(request)

    _, records, result = collect(scenario, handler, concurrency=3)
    assert len(records) == 12 * REQUESTS_PER_VISITOR
    assert most == 3  # visitors overlap, but never more than the concurrency
    assert result.visitors_done == 12  # type: ignore[attr-defined]


def test_stop_records_in_flight_requests_as_cancelled(scenario: Scenario) -> None:
    started = threading.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/event/checkout"):
            started.set()
            await asyncio.sleep(60)  # a server that never answers checkout
        return answer(request)

    records: list[RequestRecord] = []
    run = LoadRun(
        scenario,
        RunSettings(target=TARGET, think_scale=0.0, concurrency=2, timeout=120),
        on_records=records.extend,
        connect=mock_connections(handler),
    )
    results = []
    thread = threading.Thread(target=lambda: results.append(run.run()))
    thread.start()
    assert started.wait(60)
    deadline = time.monotonic() + 60
    while run.progress().in_flight < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert run.progress().in_flight == 2  # both visitors wait for their checkout's answer
    run.stop()
    thread.join(30)
    assert not thread.is_alive()
    result = results[0]
    assert result.stopped and result.cancelled == 2
    cancelled = [r for r in records if r.error == CANCELLED]
    assert [r.step for r in cancelled] == ["checkout", "checkout"]
    assert all(r.status is None for r in cancelled)
    assert result.requests == len(records) == 2 * 3 + 2  # nothing after the stop
    assert result.journeys_completed == 0


def test_time_limit_ends_a_run_by_itself(scenario: Scenario) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(60)
        return answer(request)

    _, records, result = collect(scenario, handler, time_limit=0.3, timeout=120)
    assert result.stopped and result.time_limit_hit  # type: ignore[attr-defined]
    assert records and all(r.error == CANCELLED for r in records)


def test_pause_holds_new_requests_until_resume(scenario: Scenario) -> None:
    records: list[RequestRecord] = []
    run = LoadRun(
        scenario,
        RunSettings(target=TARGET, think_scale=0.0),
        on_records=records.extend,
        connect=mock_connections(answer),
    )
    run.pause()
    thread = threading.Thread(target=run.run)
    thread.start()
    try:
        time.sleep(0.3)
        snapshot = run.progress()
        assert snapshot.paused and snapshot.requests == 0
    finally:
        run.resume()
        thread.join(30)
    assert len(records) == 6 * REQUESTS_PER_VISITOR
    assert not run.progress().paused


def test_stop_before_run_sends_nothing(scenario: Scenario) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return answer(request)

    run = LoadRun(scenario, RunSettings(target=TARGET), connect=mock_connections(handler))
    run.stop()
    result = run.run()
    assert sent == [] and result.stopped and result.requests == 0


def stream(scenario: Scenario, seed: int | None) -> dict[int, list[tuple[str, str, str | None]]]:
    _, records, _ = collect(scenario, concurrency=4, seed=seed)
    out: dict[int, list[tuple[str, str, str | None]]] = defaultdict(list)
    for r in records:
        out[r.visitor].append((r.method, re.sub(r"[?&]_=\d+$", "", r.url), r.request_body))
    return dict(out)


def test_same_seed_gives_the_same_request_stream(scenario: Scenario) -> None:
    first, second = stream(scenario, 11), stream(scenario, 11)
    assert first == second
    assert stream(scenario, 12) != first


def test_settings_override_the_scenarios_visitors(scenario: Scenario) -> None:
    _, records, result = collect(scenario, visitors=2, duration=0.0)
    assert result.visitors_done == 2 and len(records) == 2 * REQUESTS_PER_VISITOR  # type: ignore[attr-defined]


def test_a_concurrency_far_above_the_visitors_still_sends_them_all(scenario: Scenario) -> None:
    # One worker per visitor at most: ten thousand idle slots would only slow the start.
    _, records, result = collect(scenario, concurrency=10_000, time_limit=60)
    assert len(records) == 6 * REQUESTS_PER_VISITOR
    assert result.visitors_done == 6 and not result.stopped  # type: ignore[attr-defined]


@pytest.mark.slow
def test_connections_the_collector_drops_are_failures_and_never_resent(
    scenario: Scenario,
) -> None:
    records: list[RequestRecord] = []
    with EmbeddedCollector(faults=FaultSettings(drop_rate=0.5, seed=3)) as collector:
        run = LoadRun(
            scenario,
            RunSettings(target=collector.url, think_scale=0.0, concurrency=3),
            on_records=records.extend,
        )
        result = run.run()
        summary = collector.summary()
    drops = summary["faults"]["drop"]
    assert drops > 0
    failed = [r for r in records if not r.ok]
    assert result.failures == len(failed) == drops
    assert {r.error for r in failed} == {
        "connection closed without an answer; the target may have received it"
    }
    assert result.unanswered == drops and result.unreached == 0
    # What the collector saw, answered or dropped, is what was sent: nothing twice.
    assert result.requests == len(records) == 6 * REQUESTS_PER_VISITOR
    assert summary["total"] + drops == result.requests


def test_the_garbage_collector_runs_less_often_during_a_run_only(scenario: Scenario) -> None:
    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(gc.get_threshold())
        return answer(request)

    collect(scenario, handler)
    # Thousands of requests in flight made each young collection walk them all.
    assert seen and all(t[0] >= GC_YOUNG_THRESHOLD and t[1:] == before[1:] for t in seen)
    assert gc.get_threshold() == before


def test_the_young_threshold_grows_with_the_connections_of_a_run(scenario: Scenario) -> None:
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(gc.get_threshold()[0])
        return answer(request)

    # Each young collection walks every request in flight: a run of many
    # connections collects less often. Its workers count, not its --concurrency
    # (no more workers than visitors: six here).
    many = dataclasses.replace(
        scenario, schedule=dataclasses.replace(scenario.schedule, visitors=1000)
    )
    collect(many, handler, concurrency=1000)
    assert set(seen) == {max(GC_YOUNG_THRESHOLD, 1000 * GC_YOUNG_PER_CONNECTION)}
    seen.clear()
    collect(scenario, handler, concurrency=1000)
    assert set(seen) == {GC_YOUNG_THRESHOLD}


def test_runs_at_once_collect_as_rarely_as_the_largest_wants() -> None:
    before = gc.get_threshold()
    large = 1000 * GC_YOUNG_PER_CONNECTION
    with fewer_collections(1000):
        with fewer_collections(10):
            assert gc.get_threshold()[0] == large
        assert gc.get_threshold()[0] == large
        with fewer_collections(2000):
            assert gc.get_threshold()[0] == 2 * large
        assert gc.get_threshold()[0] == large  # the larger one ended
    assert gc.get_threshold() == before


def test_what_exists_before_a_run_is_frozen_during_it_and_thawed_after(
    scenario: Scenario,
) -> None:
    frozen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        frozen.append(gc.get_freeze_count())
        return answer(request)

    assert gc.get_freeze_count() == 0
    collect(scenario, handler)
    # The engine's tables and the modules sit out the collections a run makes.
    assert frozen and min(frozen) > 1000
    assert gc.get_freeze_count() == 0


def test_a_freeze_made_by_someone_else_is_left_as_it_was(scenario: Scenario) -> None:
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        collect(scenario, answer)
        # Neither thawed nor frozen more (frozen objects that were freed leave it).
        assert before // 2 < gc.get_freeze_count() <= before
    finally:
        gc.unfreeze()
