"""Shopping that looks like a shop: best sellers, fuller carts,
visitors who come back, shoppers on their own clocks, and funnels worked back from targets."""

from __future__ import annotations

import collections
import dataclasses
import itertools
import json
import math
from pathlib import Path

import pytest

from simulator_app.core.funnel import MeasuredFunnel, expected_funnel, expected_orders
from simulator_app.core.journey import JourneyEngine
from simulator_app.core.model import Returning, Scenario
from simulator_app.core.scenario_file import load_scenario
from simulator_app.core.targets import TargetError, parse_target, solve
from simulator_app.core.world import Population

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def demo(seed: int = 11) -> Scenario:
    return dataclasses.replace(load_scenario(SCENARIOS / "demo_mix.yaml"), seed=seed)


def measured(scenario: Scenario, visitors: int) -> dict[str, float]:
    engine = JourneyEngine(scenario)
    funnel = MeasuredFunnel()
    for index in range(visitors):
        funnel.visitor_done(p.spec.step for p in engine.plan(index))
    return dict(funnel.funnel().ordered())


def test_the_configured_funnel_is_what_10000_visitors_do() -> None:
    scenario = demo()
    expected = dict(expected_funnel(scenario).ordered())
    got = measured(scenario, 10_000)
    for step, share in expected.items():
        assert abs(got[step] - share) <= 0.01, (step, got[step], share)


def test_a_target_funnel_is_met_within_a_point() -> None:
    targets = dict(map(parse_target, ["checkout=8%", "buy=3%"]))
    solved, changes = solve(demo(), targets)
    assert changes  # some drop-off moved
    expected = dict(expected_funnel(solved).ordered())
    for step, share in targets.items():
        assert expected[step] == pytest.approx(share, abs=0.001)
    got = measured(solved, 10_000)
    for step, share in targets.items():
        assert abs(got[step] - share) <= 0.01, (step, got[step], share)


def test_an_impossible_target_says_what_is_possible() -> None:
    with pytest.raises(TargetError, match=r"buy=60\.0% cannot be reached: at most 1[0-9]\.[0-9]%"):
        solve(demo(), {"buy": 0.6})
    with pytest.raises(ValueError, match="STEP=SHARE"):
        parse_target("purchase=3%")
    with pytest.raises(ValueError, match="between 0% and 100%"):
        parse_target("buy=300%")


def _product_views(scenario: Scenario, visitors: int) -> collections.Counter[int]:
    engine = JourneyEngine(scenario)
    views: collections.Counter[int] = collections.Counter()
    for index in range(visitors):
        for planned in engine.plan(index):
            if planned.spec.step == "productview":
                views[json.loads(planned.spec.body or "{}")["product_id"]] += 1
    return views


def test_a_few_products_sell_best_and_the_rest_is_a_long_tail() -> None:
    scenario = demo()
    skewed = _product_views(scenario, 3000)
    flat = _product_views(
        dataclasses.replace(scenario, store=dataclasses.replace(scenario.store, popularity=0.0)),
        3000,
    )

    def top_share(views: collections.Counter[int]) -> float:
        top = sum(n for _, n in views.most_common(len(views) // 10))
        return top / sum(views.values())

    assert top_share(skewed) > 0.35  # a tenth of the catalog gets over a third of the views
    assert top_share(flat) < 0.2
    assert len(skewed) > 0.8 * 96  # the tail is still there


def test_checkouts_carry_several_lines_and_orders_have_a_believable_value() -> None:
    engine = JourneyEngine(demo())
    lines = [
        len(json.loads(p.spec.body or "{}")["items"])
        for index in range(4000)
        for p in engine.plan(index)
        if p.spec.step == "checkout"
    ]
    assert sum(n >= 2 for n in lines) >= 0.25 * len(lines)
    orders = expected_orders(demo(), visitors=3000)
    assert 0.02 < orders.orders_per_visitor < 0.08
    assert 100 < orders.average_order_value < 800
    assert orders.lines_per_order > 1.3


def test_returning_visitors_come_back_as_themselves_and_identify_once() -> None:
    scenario = demo()
    scenario = dataclasses.replace(
        scenario,
        identities=dataclasses.replace(
            scenario.identities, returning=Returning(share=0.5, sessions=dataclasses.replace(
                scenario.identities.returning.sessions, low=2, high=2), after=scenario.identities.returning.after)
        ),
    )  # fmt: skip
    engine = JourneyEngine(scenario)
    again = 0
    for index in range(600):
        plan = list(engine.plan(index))
        starts = [
            n for n, p in enumerate(plan) if n and plan[n - 1].think >= 5 and p.spec.step == "view"
        ]
        journeys = [p.journey for p in plan]
        sessions = 1 + sum(1 for a, b in itertools.pairwise(journeys) if a != b)
        again += bool(starts) or sessions > 1
        assert len({tuple(p.spec.headers) for p in plan if p.spec.step != "identify"}) <= 2
        assert sum(p.spec.step == "identify" for p in plan) <= 1
        ids = {p.spec.path.split("/")[3 if p.spec.step != "identify" else 4] for p in plan}
        assert len(ids) == 1  # one roaming_id across every session
    assert 0.35 < again / 600 < 0.65


def test_weekly_arrivals_follow_each_countrys_own_clock() -> None:
    scenario = demo()
    scenario = dataclasses.replace(
        scenario,
        schedule=dataclasses.replace(
            scenario.schedule, pattern="weekly", visitors=16_800, duration=1680, start_hour=0
        ),
    )
    engine = JourneyEngine(scenario)
    assert engine.clock is not None
    offsets = list(engine.arrival_offsets())
    assert offsets == sorted(offsets) and offsets[0] >= 0 and offsets[-1] <= 1680
    by_hour: dict[int, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for index in range(0, 16_800, 4):
        by_hour[int(engine.clock.hour(index)) % 24][engine.visitor(index).country] += 1
    # 14:00 UTC is 19:30 in India (its evening peak) and 09:00 in New York
    assert by_hour[14]["IN"] > 3 * by_hour[14]["US"]
    # 01:00 UTC is 06:30 in India and 20:00 in New York
    assert by_hour[1]["US"] > by_hour[1]["IN"]


def test_the_population_travels_as_json_and_gives_the_same_visitors() -> None:
    scenario = demo()
    engine = JourneyEngine(scenario)
    data = json.loads(json.dumps(engine.population.to_json()))
    copy = JourneyEngine(scenario, seed=engine.seed, population=Population.from_json(data))
    for index in range(50):
        assert [p.spec for p in copy.plan(index)] == [p.spec for p in engine.plan(index)]
        assert copy.visitor(index).payload() == engine.visitor(index).payload()


def test_expected_funnel_counts_later_sessions() -> None:
    scenario = demo()
    once = dataclasses.replace(
        scenario, identities=dataclasses.replace(scenario.identities, returning=Returning())
    )
    more, less = expected_funnel(scenario).shares, expected_funnel(once).shares
    assert more["buy"] > less["buy"]
    p, share = less["buy"], scenario.identities.returning.share
    # one or two more sessions, evenly: 1 - (1-p) * (1 - share + share * ((1-p) + (1-p)^2) / 2)
    assert more["buy"] == pytest.approx(
        1 - (1 - p) * (1 - share + share * ((1 - p) + (1 - p) ** 2) / 2)
    )
    assert not math.isnan(more["view"])
