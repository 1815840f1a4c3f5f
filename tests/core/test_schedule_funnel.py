"""Arrival schedules and the expected funnel."""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
import shlex
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator_app.cli import main
from simulator_app.core.funnel import MeasuredFunnel, expected_funnel
from simulator_app.core.journey import JourneyEngine
from simulator_app.core.model import ARRIVAL_PATTERNS, Schedule
from simulator_app.core.scenario_file import load_scenario, parse_scenario
from simulator_app.core.schedule import arrival_offsets, default_time_limit, longest_visit
from tests.core.scenario_strategies import schedules

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


# -- schedules -------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(schedule=schedules(), visitors=st.integers(1, 500), seed=st.integers(-(2**31), 2**31))
def test_every_pattern_gives_sorted_offsets_within_the_duration(
    schedule: Schedule, visitors: int, seed: int
) -> None:
    schedule = dataclasses.replace(schedule, visitors=visitors)
    offsets = list(arrival_offsets(schedule, seed))
    assert len(offsets) == visitors
    assert offsets == sorted(offsets)
    assert all(0.0 <= t <= schedule.duration for t in offsets), (offsets[0], offsets[-1])
    assert list(arrival_offsets(schedule, seed)) == offsets  # reproducible


@pytest.mark.parametrize("pattern", ARRIVAL_PATTERNS)
def test_each_pattern_spreads_visitors_as_documented(pattern: str) -> None:
    n, span = 1000, 100.0
    offsets = list(arrival_offsets(Schedule(n, span, pattern), seed=3))
    assert len(offsets) == n
    assert offsets == sorted(offsets)
    first_half = sum(t < span / 2 for t in offsets)
    if pattern == "burst":
        assert set(offsets) == {0.0}
    elif pattern == "steady":
        assert offsets[:3] == [0.0, 0.1, 0.2]
        assert first_half == n / 2
    elif pattern == "ramp":
        # the rate grows linearly, so a quarter arrive in the first half
        assert first_half == n / 4
    elif pattern == "poisson":
        gaps = [b - a for a, b in itertools.pairwise(offsets)]
        assert abs(sum(gaps) / len(gaps) - span / n) < 0.02
        assert abs(first_half - n / 2) < 4 * math.sqrt(n / 4)
        assert offsets != list(arrival_offsets(Schedule(n, span, pattern), seed=4))
    elif pattern == "daily":
        assert offsets != list(arrival_offsets(Schedule(n, span, pattern), seed=4))


def test_daily_follows_its_curve() -> None:
    # Only 10:00-11:00 and 14:00-15:00 get visitors, 3 to 1; the run covers 09:00-17:00.
    curve = tuple(3.0 if h == 10 else 1.0 if h == 14 else 0.0 for h in range(24))
    schedule = Schedule(4000, 800.0, "daily", start_hour=9, hours=8, curve=curve)
    offsets = list(arrival_offsets(schedule, seed=1))
    hours = Counter(int(9 + t / 100) for t in offsets)  # 100 s of run per curve hour
    assert set(hours) == {10, 14}
    assert hours[10] == 3000 and hours[14] == 1000


def test_zero_duration_and_zero_visitors() -> None:
    assert list(arrival_offsets(Schedule(5, 0.0, "poisson"), 1)) == [0.0] * 5
    assert list(arrival_offsets(Schedule(0, 10.0, "steady"), 1)) == []


# -- the expected funnel -------------------------------------------------------------------

SMALL = """\
store:
  base_url: https://shop.example.com
  generate: {categories: 2, products_per_category: 3}
ids: {org_id: 34a3f9a2-5057-431b-bd3f-aa9fdf9ff733}
journeys:
  - name: buyer
    weight: 3
    steps:
      - {type: view, continue: 0.5}
      - {type: productview, repeat: [0, 1], continue: 0.8}
      - {type: updatecart}
      - {type: checkout, continue: 0.5}
      - {type: identify}
      - {type: buy}
  - name: browser
    weight: 1
    steps:
      - {type: view}
      - {type: categoryview, continue: 0.4}
      - {type: view}
      - {type: productview, repeat: [0, 2]}
"""

# By hand: buyer is 3/4 of visitors, browser 1/4.
# productview, buyer: reached by 1/2, sent by half of those (repeat 0 or 1);
#   browser: reached by 0.4, sent unless it draws 0 of 0..2 (2/3).
# updatecart and checkout: 3/4 x 1/2 x 0.8; identify, buy: half of those.
EXPECTED = {
    "view": 1.0,
    "categoryview": 0.25,
    "productview": 0.75 * 0.5 * 0.5 + 0.25 * 0.4 * 2 / 3,
    "updatecart": 0.3,
    "removefromcart": 0.0,
    "checkout": 0.3,
    "identify": 0.15,
    "buy": 0.15,
}


def test_expected_funnel_of_a_small_scenario() -> None:
    funnel = expected_funnel(parse_scenario(SMALL))
    assert [t for t, _ in funnel.ordered()] == list(EXPECTED)
    for step_type, share in funnel.ordered():
        assert share == pytest.approx(EXPECTED[step_type]), step_type
    reaches = [(r.journey, r.index, r.type, r.reach) for r in funnel.steps]
    assert reaches[:6] == [
        ("buyer", 0, "view", 1.0),
        ("buyer", 1, "productview", 0.5),
        ("buyer", 2, "updatecart", pytest.approx(0.4)),
        ("buyer", 3, "checkout", pytest.approx(0.4)),
        ("buyer", 4, "identify", pytest.approx(0.2)),
        ("buyer", 5, "buy", pytest.approx(0.2)),
    ]


@pytest.mark.parametrize("text", [SMALL, (SCENARIOS / "demo_mix.yaml").read_text("utf-8")])
def test_measured_funnel_matches_the_expected_one(text: str) -> None:
    # Neither scenario can cut a step short with an empty cart, so the expected
    # funnel is exact and the measured one must agree within sampling noise.
    scenario = parse_scenario(text)
    engine = JourneyEngine(scenario)
    measured = MeasuredFunnel()
    n = 8000
    for index in range(n):
        measured.visitor_done(p.spec.step for p in engine.plan(index))
    assert measured.visitors == n
    expected = dict(expected_funnel(scenario).ordered())
    for step_type, share in measured.funnel().ordered():
        p = expected[step_type]
        sigma = math.sqrt(p * (1 - p) / n)
        # 5 sigma: the seed is new each run, and with 4 (6e-5 a step) one run in 1,750 of
        # this test's ten comparisons failed by chance; with 5, about one in 170,000
        assert abs(share - p) <= 5 * sigma + 1e-9, (step_type, share, p)


def test_bundled_demo_mix_converts_believably() -> None:
    funnel = dict(expected_funnel(load_scenario(SCENARIOS / "demo_mix.yaml")).ordered())
    assert funnel["view"] == pytest.approx(1.0)
    assert 0.01 <= funnel["buy"] <= 0.05  # a typical shop's conversion
    assert funnel["buy"] <= funnel["checkout"] <= funnel["updatecart"] <= funnel["productview"]


def test_funnel_help_gives_examples_that_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SystemExit):
        main(["funnel", "--help"])
    examples = capsys.readouterr().out.split("examples:\n", 1)[1].strip().splitlines()
    assert len(examples) >= 2
    monkeypatch.chdir(SCENARIOS.parent)
    for line in examples:
        command = re.split(r"\s{2,}", line.strip())[0]  # the words after it explain it
        argv = shlex.split(command)
        assert argv[:2] == ["nitrox-sim", "funnel"]
        assert main(argv[1:]) == 0, line
        assert "expected share of visitors" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["browser", "buyer", "cart_abandoner", "demo_mix"])
def test_no_visitor_outlasts_the_default_time_limit(name: str) -> None:
    """The default hard stop is only for runs that go wrong: every visitor's think times fit."""
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    engine = JourneyEngine(scenario, seed=4711)
    longest = longest_visit(scenario)
    for index in range(300):
        spent = sum(planned.think for planned in engine.plan(index))
        assert spent <= longest + 1e-9
    schedule = scenario.schedule
    limit = default_time_limit(scenario, schedule.concurrency, 1.0)
    one_at_a_time = default_time_limit(scenario, 1, 1.0)
    assert limit >= schedule.duration + longest
    assert one_at_a_time >= schedule.duration + schedule.visitors * longest
    assert default_time_limit(scenario, schedule.concurrency, 0.0) == schedule.duration + 60
