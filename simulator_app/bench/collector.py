"""Is the collector fast enough? It against the bench's bare server, under the same load.

The collector runs as ``nitrox-sim collector`` in its own process with its
checks and a SQLite file store on, pinned to the server CPU; the load (wrk
when installed, else Locust's FastHttpUser, see :mod:`simulator_app.bench.loads`)
posts the same valid ``view`` event to it as to the bare server. The goal
(issue 11): the collector sustains at least :data:`GOAL` of the bare server's
req/s. On a shared machine wall-clock figures vary by half from run to run;
count instructions per request under callgrind to compare two versions.

``nitrox-sim bench`` calls :func:`measure_collector`; run this module for the
pair alone: ``python -m simulator_app.bench.collector [--seconds S]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from simulator_app.bench.bare_server import BareServer
from simulator_app.bench.loads import Load, LocustLoad, WrkLoad
from simulator_app.bench.processes import Pin, cpu_pins, start_and_read_url, stop_process
from simulator_app.bench.wrk import wrk_path


@dataclass(frozen=True)
class CollectorFigure:
    """The collector's req/s under a load, and how it filed what it got."""

    rps: float
    good: int
    bad: int


def collector_command(db: Path, pin: Pin = ()) -> list[str]:
    """``nitrox-sim collector`` on a free loopback port, storing in ``db``."""
    return [
        *pin,
        *(sys.executable, "-m", "simulator_app", "collector"),
        *("--host", "127.0.0.1", "--port", "0", "--db", str(db)),
    ]


def _verdicts(url: str) -> tuple[int, int]:
    with urllib.request.urlopen(url + "/_collector/all", timeout=10) as answer:
        summary = json.loads(answer.read())
    return int(summary["good"]), int(summary["bad"])


GOAL = 0.7  # collector / bare server (issue 11's table)
WARMUP = 3.0  # seconds of load before the measurement: a fresh collector is slower at first


def measure_collector(
    load: Load, seconds: float, workdir: Path, pin: Pin = (), warmup: float = WARMUP
) -> CollectorFigure:
    """Start the collector (checks on, SQLite in ``workdir``), load it for ``seconds``, stop it.

    The first ``warmup`` seconds of load are not counted: a freshly started
    collector answers about a third slower for its first seconds (wrk: 14k,
    18k, then 21k req/s in consecutive 2 s runs), which would otherwise count
    against it in short measurements.
    """
    process, url = start_and_read_url(collector_command(workdir / "collector.sqlite", pin))
    try:
        if warmup > 0:
            load.measure(url, warmup)
        rps = load.measure(url, seconds)
        good, bad = _verdicts(url)
    finally:
        stop_process(process, timeout=15)
    return CollectorFigure(rps=rps, good=good, bad=bad)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simulator_app.bench.collector",
        description="req/s of the collector against the bare server, same load",
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="per server (default 5)")
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 600:
        parser.error("--seconds must be between 0 and 600")
    server_pin, load_pin = cpu_pins()
    with tempfile.TemporaryDirectory(prefix="nitrox-bench-") as tmp:
        workdir = Path(tmp)
        load: Load = WrkLoad(workdir, load_pin) if wrk_path() else LocustLoad(workdir, 10, load_pin)
        with BareServer(pin=server_pin) as bare:
            load.measure(bare.url, WARMUP)  # the same warm-up as the collector gets
            bare_rps = load.measure(bare.url, args.seconds)
        collector = measure_collector(load, args.seconds, workdir, server_pin)
    print(f"load: {load.name}")
    print(f"bare server:                 {bare_rps:>10,.0f} req/s")
    print(f"collector (checks + SQLite): {collector.rps:>10,.0f} req/s")
    print(f"ratio: {collector.rps / bare_rps:.2f} (goal: at least {GOAL:.2f})")
    print(f"collector filed {collector.good} good, {collector.bad} bad")
    return 0


if __name__ == "__main__":
    sys.exit(main())
