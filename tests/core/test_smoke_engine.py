"""The bundled scenarios load and produce a journey."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator_app.core.journey import JourneyEngine
from simulator_app.core.scenario_file import load_scenario


@pytest.mark.parametrize("name", ["browser", "buyer", "cart_abandoner", "demo_mix"])
def test_bundled_scenario_plans_requests(scenarios_dir: Path, name: str) -> None:
    engine = JourneyEngine(load_scenario(scenarios_dir / f"{name}.yaml"))
    specs = [p.spec for p in engine.plan(0)]
    assert specs, "visitor 0 sends nothing"
    assert specs[0].step == "view"
    assert all(s.path.startswith("/jsv1/") for s in specs)
