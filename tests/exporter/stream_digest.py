"""A digest of the engine's request stream: what the engine's speed work must keep byte-identical."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from simulator_app.core.journey import JourneyEngine
from simulator_app.core.model import Scenario
from simulator_app.core.scenario_file import load_scenario
from tests.factory import BUNDLED

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def variants() -> Iterator[tuple[str, Scenario]]:
    """The bundled scenarios, and demo_mix with every tracker and ID option flipped."""
    for path in BUNDLED:
        scenario = dataclasses.replace(load_scenario(path), seed=7)  # as --seed 7 replays it
        yield path.name, scenario
        if path.name != "demo_mix.yaml":
            continue
        tracker = dataclasses.replace(
            scenario.tracker,
            view_method="GET",
            cache_buster=False,
            tracker_headers=False,
            full_cart=True,
        )
        yield "demo_mix#tracker", dataclasses.replace(scenario, tracker=tracker)
        ids = dataclasses.replace(
            scenario.ids,
            roaming_id="biscuit_4c6e224d-96f6-430c-bfc4-d41ec31e38a4",
            nitrox_id="random",
        )
        identities = dataclasses.replace(
            scenario.identities, countries=(), locales=("ja_JP", "ar_SA", "de_DE")
        )
        yield "demo_mix#ids", dataclasses.replace(scenario, ids=ids, identities=identities, seed=9)


def stream_digest(scenario: Scenario, visitors: int) -> str:
    """SHA-256 over every planned request (all spec fields, journey, think) of visitors 0..N-1."""
    engine = JourneyEngine(scenario)
    digest = hashlib.sha256()
    for index in range(visitors):
        for planned in engine.plan(index):
            line = [index, planned.journey, repr(planned.think), dataclasses.asdict(planned.spec)]
            digest.update(json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n")
    return digest.hexdigest()


if __name__ == "__main__":  # print the digests to pin in test_engine_stream.py
    for label, sc in variants():
        print(f'    "{label}": "{stream_digest(sc, 300)}",')
