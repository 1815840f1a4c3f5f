"""The time left comes from the schedule and the visits in flight, not a straight line."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from simulator_app.collector import EmbeddedCollector
from simulator_app.core.scenario_file import load_scenario
from simulator_app.core.time_left import RunState, VisitLengths, sample_visits, time_left
from simulator_app.sender.runner import LoadRun, RunSettings
from tests.sender.conftest import REQUESTS_PER_VISITOR, write_scenario


def state(**kw: object) -> RunState:
    fields: dict[str, object] = {
        "now": 100.0, "span": 60.0, "visitors": 200, "started": 200, "in_flight": (),
        "concurrency": 50, "latency": 0.0,
    }  # fmt: skip
    fields.update(kw)
    return RunState(**fields)  # type: ignore[arg-type]


def test_a_long_visit_in_flight_sets_the_time_left_whatever_the_visitors_done() -> None:
    # 199 of 200 visitors done at 1:48; the last one, 79 s long, began at 1:00.
    lengths = VisitLengths({i: (10.0, 5) for i in range(199)} | {199: (79.0, 12)}, exact=True)
    left = time_left(lengths, state(now=108.0, in_flight=[(199, 60.0)], latency=0.01))
    assert left == pytest.approx(79.0 + 12 * 0.01 - 48.0)
    assert time_left(lengths, state(now=200.0, in_flight=[(199, 60.0)])) == 0.0


def test_arrivals_to_come_and_the_queue_count() -> None:
    lengths = VisitLengths({i: (float(i % 10), 1) for i in range(1000)}, exact=False)
    # half the visitors have not arrived: the last arrives at 60 s and may take about 9 s
    assert time_left(lengths, state(now=30.0, visitors=2000, started=1000)) == pytest.approx(39.0)
    # a concurrency of 1, taken: the rest queue, 1000 visits of 4.5 s on average, one by one
    queued = time_left(
        lengths,
        state(now=70.0, visitors=2000, started=1000, concurrency=1, in_flight=[(999, 69.0)]),
    )
    assert queued == pytest.approx(1000 * 4.5)
    # a rate limit: the requests still to send at that rate
    assert time_left(lengths, state(now=70.0, requests=500, rate=10.0, visitors=1000)) == 50.0
    # never past the time limit
    assert time_left(lengths, state(now=30.0, visitors=2000, started=1000, time_limit=35.0)) == 5


def test_a_visitor_not_sampled_has_what_visits_as_long_have_left() -> None:
    lengths = VisitLengths({0: (10.0, 1), 1: (20.0, 1), 2: (60.0, 1)}, exact=False)
    assert time_left(lengths, state(now=115.0, in_flight=[(7, 100.0)])) == pytest.approx(25.0)
    assert time_left(lengths, state(now=200.0, in_flight=[(7, 100.0)])) == 0.0  # past them all


def test_the_sample_is_the_run_s_own_visitors(tmp_path: Path) -> None:
    scenario = load_scenario(write_scenario(tmp_path, think=0.5))
    from simulator_app.core.journey import JourneyEngine

    engine = JourneyEngine(scenario, seed=3)
    lengths = sample_visits(engine, 6, think_scale=2.0)
    assert lengths.exact and set(lengths.by_index) == set(range(6))
    assert lengths.by_index[0] == (5 * 0.5 * 2.0, REQUESTS_PER_VISITOR)  # no think after buy
    spread = sample_visits(engine, 10_000, 1.0, sample=50)
    assert not spread.exact and len(spread.by_index) == 50 and max(spread.by_index) > 9000


@pytest.mark.slow
def test_a_run_says_how_long_its_visits_have_left_before_any_is_done(tmp_path: Path) -> None:
    scenario = load_scenario(write_scenario(tmp_path, think=0.3))  # 1.5 s of think per visit
    with EmbeddedCollector() as collector:
        run = LoadRun(scenario, RunSettings(target=collector.url, concurrency=6))
        run.prepare()
        seen: list[tuple[float, float | None, int]] = []
        done = threading.Event()
        thread = threading.Thread(target=lambda: (run.run(), done.set()))
        thread.start()
        while not done.wait(0.1):
            p = run.progress()
            if p.requests:
                seen.append((p.elapsed, p.eta, p.visitors_done))
        thread.join()
    early = [(elapsed, eta) for elapsed, eta, finished in seen if finished == 0 and elapsed < 1.2]
    assert early, seen
    for elapsed, eta in early:
        # the plan has 1.5 s of think per visit: never "done" while they are waiting
        assert eta is not None and elapsed + eta >= 1.5 - 0.05, (elapsed, eta)
        assert elapsed + eta < 1.5 + 5.0
    assert run.progress().eta == 0.0


def test_an_endless_visit_is_sampled_in_bounded_time_and_lasts_to_the_time_limit() -> None:
    from simulator_app.core.journey import PlannedRequest

    class Endless:
        def arrival_offsets(self) -> object:
            return iter([0.0])

        def plan(self, index: int) -> object:
            spec = None
            while True:
                yield PlannedRequest(spec, 0.0, "endless")  # type: ignore[arg-type]

    lengths = sample_visits(Endless(), 1, think_scale=0.0)  # type: ignore[arg-type]
    left = time_left(lengths, state(now=3.0, visitors=1, started=1, in_flight=[(0, 0.0)]))
    assert left == float("inf")
    bounded = state(now=3.0, visitors=1, started=1, in_flight=[(0, 0.0)], time_limit=10.0)
    assert time_left(lengths, bounded) == 7.0
