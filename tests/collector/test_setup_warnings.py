"""The core's warnings for setups that guarantee bad traffic, checked against the collector."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from simulator_app.collector.checks import Checker
from simulator_app.core.journey import JourneyEngine
from simulator_app.core.scenario_file import load_scenario
from simulator_app.core.setup_warnings import ID_CONFLICT, setup_warnings

SCENARIOS = Path(__file__).resolve().parent.parent.parent / "scenarios"
FIXED = "de8daa44-ac2e-4ba2-8e1c-987a06817353"


def test_the_bundled_scenarios_get_no_warning() -> None:
    for path in sorted(SCENARIOS.glob("*.yaml")):
        assert setup_warnings(load_scenario(path)) == [], path.name


def test_a_fixed_nitro_id_with_a_random_roaming_id_is_warned_of() -> None:
    scenario = load_scenario(SCENARIOS / "browser.yaml")
    fixed = dataclasses.replace(scenario, ids=dataclasses.replace(scenario.ids, nitro_id=FIXED))
    warnings = setup_warnings(fixed)
    assert warnings and warnings[0].code == ID_CONFLICT
    assert warnings[0].path == ("ids", "nitro_id")
    assert warnings[0].line().startswith("ids.nitro_id: a fixed nitro_id")
    # both fixed: one browser, one visitor; no ID conflict
    both = dataclasses.replace(
        fixed,
        ids=dataclasses.replace(
            fixed.ids, roaming_id="biscuit_4c6e224d-96f6-430c-bfc4-d41ec31e38a4"
        ),
    )
    assert all(w.code != ID_CONFLICT for w in setup_warnings(both))
    # one visitor alone cannot conflict with another
    one = dataclasses.replace(fixed, schedule=dataclasses.replace(fixed.schedule, visitors=1))
    assert setup_warnings(one) == []


def test_what_it_warns_of_is_what_the_collector_judges() -> None:
    scenario = load_scenario(SCENARIOS / "browser.yaml")
    fixed = dataclasses.replace(
        scenario, ids=dataclasses.replace(scenario.ids, nitro_id=FIXED), seed=3
    )
    engine = JourneyEngine(fixed)
    checker = Checker()
    codes: set[str] = set()
    for visitor in range(4):
        for planned in engine.plan(visitor):
            spec = planned.spec
            parts = spec.path.split("?")[0].split("/")
            if spec.step == "identify" or spec.body is None:
                continue
            ids = (parts[2], parts[3], parts[4], parts[5])
            messages = checker.check_event(ids, spec.step, json.loads(spec.body))
            codes.update(m["code"] for m in messages)
    assert {w.code for w in setup_warnings(fixed)} <= codes
