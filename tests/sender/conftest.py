"""Fixtures of the sender's tests: a small buyer scenario, on disk and loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator_app.core.model import Scenario
from simulator_app.core.scenario_file import load_scenario

SCENARIO = """\
name: Sender test
store:
  base_url: https://shop.example.com
  pages: [/, /sale]
  catalog:
    categories:
      - name: home
        products:
          - {id: 2234567, title: Ceramic Mug, price: 12.00}
          - {id: 2234568, title: Table Lamp, price: 36.99}
seed: 7
identities:
  locales: [en_IN, hi_IN]
ids:
  org_id: 34a3f9a2-5057-431b-bd3f-aa9fdf9ff733
schedule:
  visitors: 6
  duration: 0
  pattern: burst
journeys:
  - name: buyer
    weight: 1
    steps:
      - {type: view, page: /, think: THINK}
      - {type: productview, think: THINK}
      - {type: updatecart, product: viewed, quantity: [1, 2], think: THINK}
      - {type: checkout, think: THINK}
      - {type: identify, source: checkout, think: THINK}
      - {type: buy}
"""
REQUESTS_PER_VISITOR = 6


def write_scenario(folder: Path, think: float = 0.0, name: str = "buyer.yaml") -> Path:
    """The test scenario as a file; ``think`` seconds after each step."""
    path = folder / name
    path.write_text(SCENARIO.replace("THINK", repr(think)), encoding="utf-8")
    return path


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    return write_scenario(tmp_path)


@pytest.fixture
def scenario(scenario_file: Path) -> Scenario:
    return load_scenario(scenario_file)
