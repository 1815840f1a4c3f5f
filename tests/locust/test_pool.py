"""The visitor pool: each visitor once, in the order `nitrox-sim run` would take them.

:mod:`simulator_app.locust.pool` is plain Python; these tests import it
without locust (importing locust would monkey-patch this process).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from simulator_app.core.journey import JourneyEngine
from simulator_app.core.scenario_file import load_scenario
from simulator_app.locust.pool import VisitorPool, share, share_problem

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "demo_mix.yaml"


@pytest.fixture(scope="module")
def engine() -> JourneyEngine:
    return JourneyEngine(load_scenario(DEMO))


def _index(plan: object) -> int:
    first = next(iter(plan))  # type: ignore[call-overload]
    return int(first.spec.visitor)


def test_all_journeys_takes_visitors_in_order_up_to_the_limit(engine: JourneyEngine) -> None:
    pool = VisitorPool(engine, limit=5)
    taken = [pool.take(None) for _ in range(6)]
    assert taken[-1] is None
    plans = [list(p) for p in taken[:-1] if p is not None]
    assert plans == [list(engine.plan(i)) for i in range(5)]


def test_journey_users_share_the_indexes_without_repeating_one(engine: JourneyEngine) -> None:
    pool = VisitorPool(engine, limit=200)
    journeys = [engine.journey_for(engine.rng(i)).name for i in range(200)]
    names = [j.name for j in engine.scenario.journeys]
    got: dict[int, list[int]] = {n: [] for n in range(len(names))}
    for n in (2, 0, 1, 0, 0, 2, 1) * 100:
        plan = pool.take(n)
        if plan is not None:
            got[n].append(_index(plan))
    for n, indexes in got.items():
        assert indexes == sorted(indexes) and len(set(indexes)) == len(indexes)
        assert all(journeys[i] == names[n] for i in indexes)
    every = [i for indexes in got.values() for i in indexes]
    assert sorted(every) == list(range(200))  # each visitor once, none lost


def test_a_worker_walks_its_own_share(engine: JourneyEngine) -> None:
    assert share(0, 1) == (0, 1)
    assert share(1, 3) == (1, 3)
    pool = VisitorPool(engine, *share(1, 3), limit=10)
    indexes = []
    while (plan := pool.take(None)) is not None:
        indexes.append(_index(plan))
    assert indexes == [1, 4, 7]


def test_a_worker_past_expect_workers_gets_indexes_no_other_worker_has() -> None:
    assert share_problem(0, 2) is None
    problem = share_problem(2, 2)
    assert problem is not None and "--expect-workers" in problem
    start, stride = share(2, 2)
    assert stride == 1 and start >= 10_000_000


def test_a_rare_journey_lets_the_other_users_run(engine: JourneyEngine) -> None:
    scenario = engine.scenario
    first, *others = scenario.journeys
    rare = dataclasses.replace(
        scenario, journeys=(dataclasses.replace(first, weight=0.001), *others)
    )
    pauses: list[int] = []
    pool = VisitorPool(JourneyEngine(rare), limit=20_000, pause=lambda: pauses.append(1))
    while pool.take(0) is not None:
        pass
    # about once per thousand draws in one search: the other users send meanwhile
    assert 15 <= len(pauses) <= 20


def test_bad_pool_settings_are_refused(engine: JourneyEngine) -> None:
    with pytest.raises(ValueError, match="stride"):
        VisitorPool(engine, stride=0)
