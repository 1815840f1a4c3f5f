"""The same scenario and seed give the same request stream, whoever asks and in any order."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from simulator_app.core.contract import (
    TrackerOptions,
    VisitorIds,
    build_event,
    build_identify,
    decode_payload,
)
from simulator_app.core.journey import JourneyEngine
from simulator_app.core.model import Scenario
from simulator_app.core.scenario_file import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
NAMES = ["browser", "buyer", "cart_abandoner", "demo_mix"]
VISITORS = 300

Stream = list[tuple[Any, ...]]


def stream(engine: JourneyEngine, index: int) -> Stream:
    """What a runner sends for visitor ``index``: everything but time."""
    return [
        (
            p.spec.method,
            p.spec.path,
            p.spec.headers,
            p.spec.body,
            p.spec.name,
            p.spec.step,
            p.spec.visitor,
            p.spec.expect,
            p.spec.cache_buster,
            p.think,
            p.journey,
        )
        for p in engine.plan(index)
    ]


def load(name: str, seed: int = 42) -> Scenario:
    """A bundled scenario with a seed given, as ``--seed`` or the file's ``seed:`` would."""
    return dataclasses.replace(load_scenario(SCENARIOS / f"{name}.yaml"), seed=seed)


def with_seed(scenario: Scenario, seed: int) -> Scenario:
    return dataclasses.replace(scenario, seed=seed)


@pytest.mark.parametrize("name", NAMES)
def test_two_engines_give_identical_streams_in_any_order(name: str) -> None:
    first, second = JourneyEngine(load(name)), JourneyEngine(load(name))
    forward = {i: stream(first, i) for i in range(VISITORS)}
    order = list(range(VISITORS))
    random.Random(5).shuffle(order)
    shuffled = {i: stream(second, i) for i in order}
    assert forward == shuffled
    assert sum(len(s) for s in forward.values()) > VISITORS  # they really sent something


@pytest.mark.parametrize("name", NAMES)
def test_visitor_alone_equals_visitor_after_others(name: str) -> None:
    after_others = JourneyEngine(load(name))
    for i in range(7):
        stream(after_others, i)
        after_others.visitor(i).payload()  # contact details drawn too
    alone = JourneyEngine(load(name))
    assert stream(alone, 7) == stream(after_others, 7)
    # and asking again gives the same again
    assert stream(alone, 7) == stream(alone, 7)


def test_identify_payload_is_reproducible_and_the_visitors() -> None:
    engine = JourneyEngine(load("buyer"))
    for index in range(30):
        visitor = engine.visitor(index)
        specs = [p.spec for p in engine.plan(index) if p.spec.step == "identify"]
        assert len(specs) == 1
        payload = decode_payload(specs[0].path.rsplit("/", 1)[1])
        assert payload == {
            "email": visitor.email,
            "phone": visitor.phone,
            "name": visitor.name,
            "source": "checkout form",
        }
        assert JourneyEngine(load("buyer")).visitor(index).payload("checkout form") == payload


@pytest.mark.parametrize("name", NAMES)
def test_one_visitor_keeps_its_ids_for_every_request(name: str) -> None:
    engine = JourneyEngine(load(name))
    nitro_ids: set[str] = set()
    roaming_ids: set[str] = set()
    for index in range(VISITORS):
        ids = engine.visitor(index).ids
        specs = [p.spec for p in engine.plan(index)]
        for spec in specs:
            segments = [unquote(s) for s in spec.path.split("?")[0].split("/")]
            if spec.step == "identify":
                assert segments[3:6] == [ids.org_id, ids.roaming_id, ids.nitro_id]
            else:
                assert segments[2:6] == [ids.org_id, ids.roaming_id, ids.nitro_id, "null"]
            assert spec.visitor == index
        nitro_ids.add(ids.nitro_id)
        roaming_ids.add(ids.roaming_id)
    assert len(nitro_ids) == len(roaming_ids) == VISITORS  # and no two visitors share them


@pytest.mark.parametrize("name", NAMES)
def test_engine_requests_are_the_contracts_requests(name: str) -> None:
    # The engine may build requests its own (faster) way; they must be exactly
    # what contract.build_event and build_identify make of the same data.
    scenario = load(name)
    engine = JourneyEngine(scenario)
    tracker = scenario.tracker
    options = TrackerOptions(tracker.view_method, tracker.tracker_headers, tracker.cache_buster)
    for index in range(100):
        visitor = engine.visitor(index)
        agent = visitor.headers
        ids: VisitorIds = visitor.ids
        for planned in engine.plan(index):
            spec = planned.spec
            if spec.step == "identify":
                payload = decode_payload(spec.path.rsplit("/", 1)[1])
                rebuilt = build_identify(ids, payload, options, index, agent)
            else:
                body = json.loads(spec.body) if spec.body is not None else {}
                rebuilt = build_event(ids, spec.step, body, options, index, agent)
            if spec.method == "GET" and spec.step == "view":
                continue  # its page is in the query; compared by the view-by-GET test
            assert spec == rebuilt


def test_view_by_get_from_the_engine() -> None:
    scenario = load("browser")
    scenario = dataclasses.replace(
        scenario, tracker=dataclasses.replace(scenario.tracker, view_method="GET")
    )
    views = [p.spec for p in JourneyEngine(scenario).plan(0) if p.spec.step == "view"]
    assert views
    for spec in views:
        assert spec.method == "GET" and spec.body is None
        assert "?page=https%3A%2F%2Fshop.example.com%2F" in spec.path


def test_a_different_seed_gives_different_identities() -> None:
    scenario = load("demo_mix")
    one, two = JourneyEngine(scenario), JourneyEngine(with_seed(scenario, 43))
    a = [one.visitor(i) for i in range(200)]
    b = [two.visitor(i) for i in range(200)]
    assert not {v.ids.nitro_id for v in a} & {v.ids.nitro_id for v in b}
    assert not {v.ids.roaming_id for v in a} & {v.ids.roaming_id for v in b}
    assert not {v.email for v in a[:50]} & {v.email for v in b[:50]}
    assert not {v.phone for v in a[:50]} & {v.phone for v in b[:50]}
    assert [stream(one, i) for i in range(50)] != [stream(two, i) for i in range(50)]


def test_different_seeds_never_share_a_visitors_ids() -> None:
    scenario = load("demo_mix")
    one = JourneyEngine(with_seed(scenario, 1))
    # a run of seed 1 and a run of seed 2 with a million visitors each
    assert (
        one.visitor(1_000_003).ids.nitro_id
        != JourneyEngine(with_seed(scenario, 2)).visitor(0).ids.nitro_id
    )
    # nor do two scenarios replayed with one seed
    other = dataclasses.replace(scenario, name="another shop")
    assert one.visitor(0).ids.nitro_id != JourneyEngine(with_seed(other, 1)).visitor(0).ids.nitro_id


def test_a_run_without_a_seed_draws_one_that_replays_it() -> None:
    scenario = load_scenario(SCENARIOS / "demo_mix.yaml")
    assert scenario.seed is None  # the bundled scenarios pin none
    first, second = JourneyEngine(scenario), JourneyEngine(scenario)
    assert first.seed != second.seed
    assert first.visitor(0).ids != second.visitor(0).ids
    replay = JourneyEngine(scenario, seed=first.seed)
    assert [stream(replay, i) for i in range(20)] == [stream(first, i) for i in range(20)]
