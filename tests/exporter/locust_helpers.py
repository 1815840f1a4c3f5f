"""Running exported locustfiles in subprocesses, and reading what a receiver got.

Locust is never imported here (gevent would monkey-patch the test process):
every run is ``locust ...`` in a subprocess, bounded by ``-t``, ``--stop-timeout``
and a subprocess timeout.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
import socket
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

from simulator_app.core.journey import JourneyEngine
from simulator_app.core.model import Scenario
from simulator_app.core.scenario_file import load_scenario

LOCUST = str(Path(sys.executable).with_name("locust"))
_BUSTER = re.compile(r"[?&]_=\d+$")

Request = tuple[str, str, Any]  # method, path without the cache-buster, parsed JSON body


def master_port() -> int:
    """A free port for a Locust master, below the kernel's range of ephemeral ports.

    Workers start first and keep trying to connect; from an ephemeral port the kernel
    may pick the very port they dial, and TCP then connects the worker to itself (a
    self-connect): the master cannot bind, and the test waits for ever. Source ports
    never come from below the range, so a master port there cannot be taken that way.
    """
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(200):
        port = random.randrange(max(1024, low - 12_000), low)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


def locust(
    args: list[str], cwd: Path, timeout: float = 60, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``locust ARGS`` in ``cwd``; never left running past ``timeout``."""
    return subprocess.run(
        [LOCUST, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
        check=False,
    )


def stats_of(done: subprocess.CompletedProcess[str]) -> dict[str, int]:
    """Requests and failures from ``--json`` output."""
    try:
        entries = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise AssertionError(
            f"no --json stats (exit {done.returncode}):\n{done.stderr[-3000:]}"
        ) from None
    return {
        "requests": sum(int(e["num_requests"]) for e in entries),
        "failures": sum(int(e["num_failures"]) for e in entries),
    }


def normalise(method: str, path: str, body: Any) -> Request:
    """A request as compared: no cache-buster, the body as parsed JSON."""
    if isinstance(body, str):
        body = json.loads(body)
    return method, _BUSTER.sub("", path), body


def load_seeded(path: Path, seed: int = 7) -> Scenario:
    """A scenario file with a seed, as ``seed:`` in it would give: its runs can be compared."""
    return dataclasses.replace(load_scenario(path), seed=seed)


def drawn_seed(done: subprocess.CompletedProcess[str]) -> int:
    """The seed a test drew, as Locust's log says it ("nitrox: seed N: replay with --seed N")."""
    found = re.search(r"nitrox: seed (\d+): replay with --seed \1", done.stderr)
    assert found, done.stderr[-2000:]
    return int(found[1])


def planned(
    scenario: Scenario, indexes: Iterable[int], seed: int | None = None
) -> dict[int, list[Request]]:
    """What the engine plans for each visitor index (``seed``: instead of the scenario's)."""
    engine = JourneyEngine(scenario, seed=seed)
    return {
        i: [normalise(p.spec.method, p.spec.path, p.spec.body) for p in engine.plan(i)]
        for i in indexes
    }


def recorded(path: Path) -> list[Request]:
    """What the bare server recorded (``--record``), in arrival order."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [normalise(r["method"], r["path"], r["body"]) for r in map(json.loads, lines)]


def collector_good(url: str) -> list[Request]:
    """Every good request a collector stored, oldest first."""
    rows = httpx.get(f"{url}/_collector/good", params={"limit": 10000}, timeout=10).json()
    rows = rows["events"] if isinstance(rows, dict) else rows
    rows = sorted(rows, key=lambda r: (r["time"], r["id"] or 0))
    # identify is a GET: the collector shows its decoded payload as the body
    return [
        normalise(r["method"], r["path"], r["body"] if r["method"] != "GET" else None) for r in rows
    ]


def nitro_id(request: Request) -> str:
    """The visitor's nitro_id from a request path (identify and events alike)."""
    parts = request[1].split("/")
    return parts[5] if parts[2] == "identify" else parts[4]


def by_visitor(requests: list[Request]) -> dict[str, list[Request]]:
    """Requests grouped by visitor, each group in arrival order."""
    out: dict[str, list[Request]] = defaultdict(list)
    for request in requests:
        out[nitro_id(request)].append(request)
    return dict(out)


def recorded_headers(path: Path) -> list[dict[str, str]]:
    """The headers of each request the bare server recorded, names in lower case."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [r["headers"] for r in map(json.loads, lines)]
