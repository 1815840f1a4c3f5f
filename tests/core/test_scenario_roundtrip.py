"""Scenario files survive a save and a load, and editing keeps the user's comments."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from simulator_app.core.model import Scenario, scenario_from_dict, scenario_to_dict
from simulator_app.core.scenario_file import dump_document, parse_document, parse_scenario
from tests.core.scenario_strategies import scenarios
from tests.factory import BUNDLED


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios())
def test_saved_scenario_loads_back_equal(scenario: Scenario) -> None:
    text = dump_document(scenario_to_dict(scenario))
    assert parse_scenario(text, "saved.yaml") == scenario


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios())
def test_plain_data_round_trips(scenario: Scenario) -> None:
    assert scenario_from_dict(scenario_to_dict(scenario)) == scenario


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_file_survives_load_and_dump_unchanged(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert dump_document(parse_document(text)) == text


def test_editing_a_document_keeps_comments_and_key_order() -> None:
    text = """\
# my shop
name: Mine  # the name
store:
  base_url: https://shop.example.com
  # the catalog is generated
  generate: {categories: 2, seed: 9}
ids:
  org_id: 34a3f9a2-5057-431b-bd3f-aa9fdf9ff733
journeys:
  - name: look
    steps:
      - {type: view, page: /}  # home
"""
    document = parse_document(text)
    document["store"]["generate"]["seed"] = 10
    document["journeys"][0]["name"] = "lookers"
    document["journeys"][0]["steps"].append({"type": "categoryview"})
    out = dump_document(document)
    expected = text.replace("seed: 9", "seed: 10").replace("name: look", "name: lookers")
    assert out == expected + "      - type: categoryview\n"
    assert parse_scenario(out).store.generate is not None
