"""Throughput of the live sender: the real :class:`LoadRun`, as ``nitrox-sim run`` drives it.

:func:`measure_sender` sends view events with no think time at a given
concurrency to a receiver (the bench's bare server) and returns req/s after a
warm-up: journey engine, records, stats and funnel all included.

``nitrox-sim bench`` runs this module as a subprocess pinned to the load CPU::

    python -m simulator_app.bench.sender --url http://127.0.0.1:PORT -c 10 -c 200 --json

Without ``--url`` it starts the common bare server itself. Bounded in time,
loopback only, and it leaves no thread or process behind.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time

from simulator_app.bench.bare_server import BareServer
from simulator_app.bench.traffic import ORG
from simulator_app.core.model import Scenario, scenario_from_dict
from simulator_app.core.safety import is_loopback
from simulator_app.sender.runner import LoadRun, RunSettings

WARMUP = 1.0  # seconds of each measurement that are not counted


def bench_scenario(views_per_visitor: int = 50) -> Scenario:
    """Visitors that only send view events, with no think time, all at once."""
    return scenario_from_dict(
        {
            "name": "bench",
            "store": {"base_url": "https://shop.example.com", "pages": ["/"]},
            "identities": {"locales": ["en_US"], "seed": 1},
            "ids": {"org_id": ORG},
            "schedule": {"visitors": 1_000_000, "duration": 0, "pattern": "burst"},
            "journeys": [
                {
                    "name": "views",
                    "weight": 1,
                    "steps": [
                        {"type": "view", "page": "/", "repeat": views_per_visitor, "think": 0}
                    ],
                }
            ],
        }
    )


def measure_sender(url: str, concurrency: int, seconds: float) -> float:
    """Requests per second the live sender reaches at ``concurrency`` (after a warm-up)."""
    run = LoadRun(
        bench_scenario(),
        RunSettings(
            target=url,
            concurrency=concurrency,
            think_scale=0.0,
            time_limit=seconds + WARMUP + 30,
        ),
    )
    thread = threading.Thread(target=run.run, name="bench-sender", daemon=True)
    thread.start()
    try:
        time.sleep(WARMUP)
        first = run.progress()
        time.sleep(seconds)
        last = run.progress()
    finally:
        run.stop()
        thread.join(timeout=30)
    if last.failures > first.failures:
        raise RuntimeError(f"{last.failures - first.failures} requests failed during the bench")
    return (last.requests - first.requests) / (last.elapsed - first.elapsed)


def measure_concurrencies(
    url: str, concurrencies: list[int], seconds: float, rounds: int = 1
) -> dict[int, float]:
    """The best of ``rounds`` interleaved measurements at each concurrency, in req/s.

    Interleaving (10, 200, 10, 200) rather than (10, 10, 200, 200) spreads a
    noisy moment of the machine over both figures, so their ratio holds.
    """
    best: dict[int, float] = {}
    for _ in range(rounds):
        for concurrency in concurrencies:
            rps = measure_sender(url, concurrency, seconds)
            best[concurrency] = max(best.get(concurrency, 0.0), rps)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simulator_app.bench.sender", description="req/s of the live sender"
    )
    parser.add_argument("--url", help="loopback receiver (default: start the bare server)")
    parser.add_argument(
        "-c", "--concurrency", type=int, action="append", help="repeatable (default: 10 and 200)"
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement (default 5)")
    parser.add_argument("--rounds", type=int, default=1, help="best of N rounds (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    concurrencies = args.concurrency or [10, 200]
    if args.seconds <= 0 or args.rounds < 1 or min(concurrencies) < 1:
        parser.error("--seconds, --rounds and --concurrency must be positive")
    if args.url is not None and not is_loopback(args.url):
        parser.error(f"--url {args.url!r} is not a loopback address")
    if args.url is None:
        with BareServer() as server:
            figures = measure_concurrencies(server.url, concurrencies, args.seconds, args.rounds)
    else:
        figures = measure_concurrencies(args.url, concurrencies, args.seconds, args.rounds)
    if args.json:
        print(json.dumps({f"sender_rps_c{c}": round(v, 1) for c, v in figures.items()}))
    else:
        for concurrency, rps in figures.items():
            print(f"sender, concurrency {concurrency:<5} {rps:>9,.0f} req/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
