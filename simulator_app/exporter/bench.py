"""How much the journey engine costs Locust: the exported file against a minimal one.

:func:`measure_export_ratio` runs, against the same bare receiver (see
:mod:`simulator_app.exporter.bare_server`) and in the same call, two Locust
processes one after the other: a minimal FastHttpUser that posts one fixed
``view`` event, and the exported locustfile of a scenario with think times
scaled to 0. Their req/s ratio says whether the journey (identities, cart,
JSON) limits Locust; the goal is at least 0.9. With two or more CPUs the
receiver is pinned to CPU 0 and Locust to CPU 1 (``taskset``), so the two do
not steal each other's time.

Run it as ``python -m simulator_app.exporter.bench --seconds 10``. Locust runs
as a subprocess only: this module never imports it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from simulator_app.core.model import Scenario
from simulator_app.core.scenario_file import load_scenario
from simulator_app.exporter.bare_server import free_port, start_bare_server, stop_process
from simulator_app.exporter.locustfile import ExportSettings, export_locustfile

MINIMAL_TEMPLATE = """\
import itertools

from locust import FastHttpUser, constant, task

PATH = "/jsv1/34a3f9a2-5057-431b-bd3f-aa9fdf9ff733/biscuit_4c6e224d-96f6-430c-bfc4-d41ec31e38a4/de8daa44-ac2e-4ba2-8e1c-987a06817353/null/event/view"
BODY = b'{{"page":"https://shop.example.com/"}}'
HEADERS = {headers!r}
BUSTER = {buster!r}
_count = itertools.count(1_700_000_000_000)


class MinimalView(FastHttpUser):
    wait_time = constant(0)

    @task
    def view(self):
        path = f"{{PATH}}?_={{next(_count)}}" if BUSTER else PATH
        self.client.post(path, data=BODY, headers=HEADERS, name="event/view")
"""
# What the exported file sends with a view when the scenario imitates the
# tracker (tracker_headers and cache_buster: true): the same headers and a
# query that makes every URL unique. Unique URLs matter: urllib's urlsplit,
# which Locust's FastHttpUser calls per request, keeps an LRU cache, so one
# fixed URL is parsed once and real traffic (a path per visitor, a
# cache-buster per request) is parsed every time.
TRACKER_HEADERS = {
    "Content-Type": "application/json",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "Accept": "application/json",
    "X-Nitro-Id": "de8daa44-ac2e-4ba2-8e1c-987a06817353",
    "X-Organisation": "34a3f9a2-5057-431b-bd3f-aa9fdf9ff733",
}
BARE_HEADERS = {"Content-Type": "application/json"}


def minimal_locustfile(headers: dict[str, str], buster: bool = False) -> str:
    """A locustfile that posts one fixed view event with ``headers``, as fast as it can.

    ``buster`` adds a ``?_=`` query that differs on every request, as the tracker's does.
    """
    return MINIMAL_TEMPLATE.format(headers=headers, buster=buster)


ROOT = Path(__file__).resolve().parents[2]


def default_scenario() -> Scenario:
    """The bundled demo mix when run from the source tree, else the app's new-scenario template."""
    demo = ROOT / "scenarios" / "demo_mix.yaml"
    if demo.exists():
        return load_scenario(demo)
    return load_scenario(
        Path(__file__).resolve().parents[1] / "gui" / "templates" / "new_scenario.yaml"
    )


def _pins() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``taskset`` prefixes for the server and for locust, when there are two CPUs to split."""
    taskset = shutil.which("taskset")
    if taskset and len(os.sched_getaffinity(0)) >= 2:
        first, second = sorted(os.sched_getaffinity(0))[:2]
        return (taskset, "-c", str(first)), (taskset, "-c", str(second))
    return (), ()


def run_locust(
    locustfile: Path,
    host: str,
    seconds: float,
    users: int,
    prefix: tuple[str, ...] = (),
    extra: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Run ``locustfile`` headless for ``seconds``; its request count, failures and req/s."""
    locust = Path(sys.executable).with_name("locust")
    cmd = [
        *prefix,
        str(locust) if locust.exists() else "locust",
        "-f",
        str(locustfile),
        "--headless",
        "--host",
        host,
        "-u",
        str(users),
        "-r",
        str(users),
        "-t",
        f"{max(1, round(seconds))}s",
        "--stop-timeout",
        "2",
        "--json",
        "--only-summary",
        "--loglevel",
        "WARNING",
        *extra,
    ]
    done = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        cwd=locustfile.parent,
        check=False,
    )
    try:
        entries = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(
            f"locust printed no stats (exit {done.returncode}): {done.stderr.strip()[-500:]}"
        ) from None
    requests = sum(int(e["num_requests"]) for e in entries)
    failures = sum(int(e["num_failures"]) for e in entries)
    start = min((float(e["start_time"]) for e in entries), default=0.0)
    end = max((float(e["last_request_timestamp"] or 0) for e in entries), default=0.0)
    elapsed = end - start
    return {
        "requests": requests,
        "failures": failures,
        "rps": requests / elapsed if elapsed > 0 else 0.0,
        "exit_code": done.returncode,
    }


def measure_export_ratio(
    seconds: float, scenario: Scenario | None = None, users: int = 20, rounds: int = 2
) -> dict[str, Any]:
    """req/s of a minimal FastHttpUser and of the exported scenario (think-scale 0), same server.

    Each of ``rounds`` rounds runs both files for ``seconds``; the best round
    of each counts (the least disturbed by whatever else the machine does).
    """
    if seconds <= 0 or users < 1 or rounds < 1:
        raise ValueError("seconds, users and rounds must be positive")
    scenario = scenario or default_scenario()
    server_pin, locust_pin = _pins()
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="nitrox-bench-") as tmp:
        files = {
            "bare": (Path(tmp) / "minimal_view.py", minimal_locustfile(BARE_HEADERS)),
            "tracker": (
                Path(tmp) / "minimal_tracker_view.py",
                minimal_locustfile(TRACKER_HEADERS, buster=True),
            ),
            "exported": (
                Path(tmp) / "exported.py",
                export_locustfile(scenario, ExportSettings(think_scale=0.0)),
            ),
        }
        for path, text in files.values():
            path.write_text(text, encoding="utf-8")
        results: dict[str, list[dict[str, Any]]] = {name: [] for name in files}
        server = start_bare_server(port, prefix=server_pin)
        try:
            for _ in range(rounds):
                for name, (path, _text) in files.items():
                    results[name].append(run_locust(path, host, seconds, users, locust_pin))
        finally:
            stop_process(server)
    best = {name: max(r["rps"] for r in runs) for name, runs in results.items()}
    return {
        "locust_fasthttpuser_rps": round(best["bare"], 1),
        "locust_fasthttpuser_tracker_shape_rps": round(best["tracker"], 1),
        "exported_rps": round(best["exported"], 1),
        "ratio": round(best["exported"] / best["bare"], 3) if best["bare"] else 0.0,
        "ratio_same_wire_shape": round(best["exported"] / best["tracker"], 3)
        if best["tracker"]
        else 0.0,
        "exported_failures": sum(r["failures"] for r in results["exported"]),
        "scenario": scenario.name,
        "seconds": seconds,
        "users": users,
        "rounds": rounds,
        "pinned": bool(server_pin),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="req/s of the exported locustfile vs a minimal FastHttpUser"
    )
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="length of each locust run (default: 10)"
    )
    parser.add_argument("--users", type=int, default=20, help="locust users per run (default: 20)")
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
