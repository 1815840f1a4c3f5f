"""How much the journey engine costs Locust: the exported file against a minimal one.

:func:`measure_export_ratio` runs, against the bench's bare server and in the
same call, Locust on two files one after the other: a minimal FastHttpUser
posting one fixed ``view`` event, and the exported locustfile of a scenario
with think times scaled to 0. Their req/s ratio says whether the
journey (identities, cart, JSON) limits Locust; the goal is at least 0.9.
The server and Locust are pinned to different CPUs when there are two.

``nitrox-sim bench`` uses :func:`default_scenario` and
:func:`exported_locustfile`; run this module for the ratio alone:
``python -m simulator_app.bench.exporter --seconds 10``. Locust runs as a
subprocess only: this module never imports it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from simulator_app.bench.bare_server import BareServer
from simulator_app.bench.locust_runs import LocustResult, minimal_locustfile, run_locust
from simulator_app.bench.processes import cpu_pins
from simulator_app.core.model import Scenario
from simulator_app.core.scenario_file import load_scenario
from simulator_app.exporter.bundle import bundle_locustfile
from simulator_app.exporter.locustfile import ExportSettings, export_locustfile

ROOT = Path(__file__).resolve().parents[2]


def default_scenario() -> Scenario:
    """The bundled demo mix when run from the source tree, else the app's new-scenario template."""
    demo = ROOT / "scenarios" / "demo_mix.yaml"
    if demo.exists():
        return load_scenario(demo)
    return load_scenario(
        Path(__file__).resolve().parents[1] / "gui" / "templates" / "new_scenario.yaml"
    )


def user_request_rate(scenario: Scenario, visitors: int = 2000) -> float:
    """Requests a second one user sends at the scenario's own think times.

    A Locust user of an exported file plays one visitor after another; over
    ``visitors`` planned visitors (seed 1), its requests over the think times
    they wait (the answers' own time, a few ms, is left out: the rate is an upper
    bound).
    """
    from simulator_app.core.journey import JourneyEngine

    engine = JourneyEngine(scenario, seed=1)
    requests, thinking = 0, 0.0
    for index in range(visitors):
        for planned in engine.plan(index):
            requests += 1
            thinking += planned.think * scenario.schedule.think_scale
    return requests / thinking if thinking > 0 else 0.0


def exported_locustfile(scenario: Scenario) -> str:
    """The scenario exported for maximum throughput: think times scaled to 0."""
    return export_locustfile(scenario, ExportSettings(think_scale=0.0))


def bundled_locustfile(scenario: Scenario) -> str:
    """The same export as :func:`exported_locustfile`, bundled (``--bundle``): one file."""
    return bundle_locustfile(scenario, ExportSettings(think_scale=0.0))


def measure_export_ratio(
    seconds: float, scenario: Scenario | None = None, users: int = 10, rounds: int = 2
) -> dict[str, Any]:
    """req/s of a minimal FastHttpUser and of the exported scenario (think-scale 0), same server.

    Each of ``rounds`` rounds runs every file for ``seconds``; the best round
    of each counts (the least disturbed by whatever else the machine does).
    """
    if seconds <= 0 or users < 1 or rounds < 1:
        raise ValueError("seconds, users and rounds must be positive")
    scenario = scenario or default_scenario()
    server_pin, locust_pin = cpu_pins()
    with tempfile.TemporaryDirectory(prefix="nitrox-bench-") as tmp:
        files = {
            "bare": minimal_locustfile("FastHttpUser"),
            "exported": exported_locustfile(scenario),
        }
        paths = {name: Path(tmp) / f"{name}.py" for name in files}
        for name, text in files.items():
            paths[name].write_text(text, encoding="utf-8")
        results: dict[str, list[LocustResult]] = {name: [] for name in files}
        with BareServer(pin=server_pin) as server:
            for _ in range(rounds):
                for name, path in paths.items():
                    results[name].append(run_locust(path, server.url, seconds, users, locust_pin))
    best = {name: max(r.rps for r in runs) for name, runs in results.items()}
    return {
        "locust_fasthttpuser_rps": round(best["bare"], 1),
        "exported_rps": round(best["exported"], 1),
        "ratio": round(best["exported"] / best["bare"], 3) if best["bare"] else 0.0,
        "exported_failures": sum(r.failures for r in results["exported"]),
        "scenario": scenario.name,
        "seconds": seconds,
        "users": users,
        "rounds": rounds,
        "pinned": bool(server_pin),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simulator_app.bench.exporter",
        description="req/s of the exported locustfile vs a minimal FastHttpUser",
    )
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="length of each locust run (default: 10)"
    )
    parser.add_argument("--users", type=int, default=10, help="locust users per run (default: 10)")
    parser.add_argument(
        "--rounds", type=int, default=2, help="runs of each file; the best counts (default: 2)"
    )
    parser.add_argument("--scenario", help="scenario YAML (default: scenarios/demo_mix.yaml)")
    args = parser.parse_args(argv)
    scenario = load_scenario(args.scenario) if args.scenario else None
    result = measure_export_ratio(args.seconds, scenario, args.users, args.rounds)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
