"""Throughput of the live sender: the real :class:`LoadRun`, as ``nitrox-sim run`` drives it.

:func:`measure_rounds` sends view events with no think time to a receiver
(the bench's reference sink) at several concurrencies, journey engine, records,
stats and funnel all included, and returns req/s after a warm-up. Each
concurrency is its own run; they take turns in one-second slices (wrk too,
with ``--wrk``), and every round is kept, so a ratio can be held in each.

``nitrox-sim bench`` runs this module as a subprocess pinned to the load CPU::

    python -m simulator_app.bench.sender --url http://127.0.0.1:PORT --server-pid PID \\
        -c 10 -c 200 -c 5000 --wrk --json

Without ``--url`` it starts the reference sink itself. Beside each
figure it says how busy its own process and the server were over the
counted time, as shares of a CPU (``--server-pid``, Linux): a figure with the
server near 100% measured the server, not the sender. A concurrency
needs one file descriptor per connection: the soft limit is raised to the
hard one when needed, and a concurrency that still does not fit is not
measured (the JSON's ``notes`` say why). Bounded in time, loopback only, and
it leaves no thread or process behind.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from simulator_app.bench.processes import CpuMeter, describe_cpu, raise_fd_limit
from simulator_app.bench.sink import Sink
from simulator_app.bench.traffic import ORG
from simulator_app.bench.wrk import INSTALL_HINT, run_wrk, wrk_path
from simulator_app.core.model import Scenario, scenario_from_dict
from simulator_app.core.safety import is_loopback
from simulator_app.sender.runner import LoadRun, RunSettings

WARMUP = 1.0  # seconds of uncounted load each run gets first, at least
MAX_WARMUP = 20.0  # ... and at most, opening thousands of connections included
SPARE_FILES = 64  # file descriptors besides the connections (the loop, pipes, the log)
ERRORS_VOID = 0.01  # wrk's failed share above which its figure measured the failures
SLICE = 1.0  # seconds of one turn of one concurrency (runs take turns, see measure_rounds)
SETTLE = 0.1  # seconds after a resume before a turn counts: its visitors get going again
MAX_SETTLE = 5.0  # ... or more, until each visitor has had an answer, but no more than this
MAX_DRAIN = 5.0  # seconds a paused run's requests in flight may take to be answered
DRAIN_POLL = 0.01  # seconds between looks at whether they have been
# wrk's figure while the sender's runs take turns: what a C client with the sender's
# 10 requests in flight gets from the same receiver at the same moments (the
# reference of sender c10, judged round by round).
WRK_TURNS = {"wrk_rps_c10": 10}
LABELS = {"wrk_rps_c10": "wrk, 10 connections"}  # else "sender, concurrency N"


def bench_scenario(views_per_visitor: int = 50) -> Scenario:
    """Visitors that only send view events, with no think time, all at once."""
    return scenario_from_dict(
        {
            "name": "bench",
            "store": {"base_url": "https://shop.example.com", "pages": ["/"]},
            "seed": 1,
            "identities": {"locales": ["en_US"]},
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


class _Running:
    """One :class:`LoadRun` at one concurrency in its own thread, paused between its slices."""

    def __init__(
        self, url: str, concurrency: int, time_limit: float, server_pid: int | None = None
    ) -> None:
        self.concurrency = concurrency
        self.cpu = CpuMeter(server_pid)
        self.run = LoadRun(
            bench_scenario(),
            RunSettings(
                target=url, concurrency=concurrency, think_scale=0.0, time_limit=time_limit
            ),
        )
        self.run.pause()  # it starts when its turn comes
        self.thread = threading.Thread(target=self.run.run, name="bench-sender", daemon=True)
        self.requests = 0
        self.seconds = 0.0

    def warm_up(self) -> None:
        """Run until every connection is open and has carried requests (uncounted)."""
        self.thread.start()
        self.run.resume()
        started = time.monotonic()
        try:
            while time.monotonic() - started < MAX_WARMUP:
                time.sleep(0.05)
                done = time.monotonic() - started >= WARMUP
                if done and self.run.progress().requests >= 2 * self.concurrency:
                    break
        finally:
            self._pause()

    def slice(self, seconds: float) -> None:
        """Resume, let every visitor get an answer (not counted), then count ``seconds``."""
        self.run.resume()
        try:
            started = time.monotonic()
            before = self.run.progress().requests
            time.sleep(SETTLE)
            # At concurrency 5000 the first answers come once the server has read
            # 5000 requests: the turn counts from when each visitor has had one.
            while (
                self.run.progress().requests - before < self.concurrency
                and time.monotonic() - started < MAX_SETTLE
            ):
                time.sleep(DRAIN_POLL)
            first = self.run.progress()
            self.cpu.start()
            time.sleep(seconds)
            last = self.run.progress()
            self.cpu.stop()
        finally:
            self._pause()
        if last.failures > first.failures:
            failed = last.failures - first.failures
            raise RuntimeError(f"{failed} requests failed during the bench")
        self.requests += last.requests - first.requests
        self.seconds += last.elapsed - first.elapsed

    def _pause(self) -> None:
        """Pause, and wait for the requests in flight to be answered.

        The next run's turn must not begin behind them: at concurrency 5000
        the server still has a second of this run's requests to answer.
        """
        self.run.pause()
        started = time.monotonic()
        while self.run.progress().in_flight and time.monotonic() - started < MAX_DRAIN:
            time.sleep(DRAIN_POLL)

    def take(self) -> float:
        """req/s over the slices since the last take."""
        rps = self.requests / self.seconds if self.seconds else 0.0
        self.requests, self.seconds = 0, 0.0
        return rps


def fd_problem(concurrency: int) -> str | None:
    """Why ``concurrency`` connections cannot be opened here, or None when they can."""
    needed = concurrency + SPARE_FILES
    limit = raise_fd_limit(needed)
    if limit >= needed:
        return None
    return (
        f"{concurrency} connections need {needed} file descriptors, the limit is {limit} "
        "(raise it with ulimit -n)"
    )


class _WrkTurns:
    """wrk against the same server, as one more run taking turns (the bare server's capacity)."""

    def __init__(
        self, url: str, workdir: Path, connections: int, server_pid: int | None = None
    ) -> None:
        self.url, self.workdir, self.connections = url, workdir, connections
        self.requests, self.seconds = 0.0, 0.0
        self.errors = 0
        self.cpu = CpuMeter(server_pid, load=False)  # wrk's own CPU is not this process's

    def slice(self, seconds: float) -> None:
        seconds = max(1, round(seconds))  # wrk counts whole seconds
        self.cpu.start()  # wrk's start-up is in the span: the server's share is a little low
        result = run_wrk(self.url, seconds, self.workdir, connections=self.connections)
        self.cpu.stop()
        if result.errors > ERRORS_VOID * max(1.0, result.rps * seconds):
            raise RuntimeError(f"{result.errors} of wrk's requests failed")
        self.errors += result.errors  # a few are reported beside the figure, not voiding it
        self.requests += result.rps * seconds
        self.seconds += seconds

    def take(self) -> float:
        rps = self.requests / self.seconds if self.seconds else 0.0
        self.requests, self.seconds = 0.0, 0.0
        return rps


def measure_rounds(
    url: str,
    concurrencies: list[int],
    seconds: float,
    rounds: int = 1,
    wrk_workdir: Path | None = None,
    server_pid: int | None = None,
) -> tuple[list[dict[str, float]], dict[str, str], list[dict[str, dict[str, float]]]]:
    """Each round's req/s by figure (``sender_rps_c10``...), why a figure was not measured,
    and each round's CPU shares by figure (see :class:`~.processes.CpuMeter`).

    Every concurrency has its own run, all started (and warmed up) at once and
    then taking turns in slices of :data:`SLICE` s, paused in between, until
    each has had ``seconds`` a round: a noisy moment of the machine falls on
    all of them alike, so their ratios hold in every round. With
    ``wrk_workdir``, wrk takes turns too, at 50 and at 10 connections
    (``wrk_rps_c10``, see :data:`WRK_TURNS`), for the sender's ratio to a C client. With ``server_pid`` the
    shares say which side was busy: the sender, or the server it measured.
    """
    notes = {
        f"sender_rps_c{c}": problem for c in concurrencies if (problem := fd_problem(c)) is not None
    }
    measured = [c for c in dict.fromkeys(concurrencies) if f"sender_rps_c{c}" not in notes]
    turns = max(1, round(seconds / SLICE))
    per_turn = SLICE + MAX_SETTLE + MAX_DRAIN
    takers = len(measured) + (len(WRK_TURNS) if wrk_workdir is not None else 0)
    total = MAX_WARMUP * len(measured) + rounds * turns * takers * per_turn
    runs = [_Running(url, c, time_limit=total + 60, server_pid=server_pid) for c in measured]
    turn_takers: dict[str, _Running | _WrkTurns] = {f"sender_rps_c{r.concurrency}": r for r in runs}
    if wrk_workdir is not None:
        for key, connections in WRK_TURNS.items():
            turn_takers[key] = _WrkTurns(url, wrk_workdir, connections, server_pid)
    figures: list[dict[str, float]] = []
    shares: list[dict[str, dict[str, float]]] = []
    try:
        for running in runs:
            running.warm_up()
        for _ in range(rounds):
            for _ in range(turns):
                for taker in turn_takers.values():
                    taker.slice(seconds / turns)
            figures.append({key: taker.take() for key, taker in turn_takers.items()})
            shares.append({key: taker.cpu.take() for key, taker in turn_takers.items()})
        for key, taker in turn_takers.items():
            if isinstance(taker, _WrkTurns) and taker.errors:
                notes[key] = f"{taker.errors} of wrk's requests failed"
    finally:
        for running in runs:
            running.run.stop()
            running.run.resume()
        for running in runs:
            if running.thread.is_alive():
                running.thread.join(timeout=30)
    return figures, notes, shares


def figures_json(
    figures: list[dict[str, float]],
    notes: dict[str, str],
    shares: list[dict[str, dict[str, float]]] | None = None,
) -> dict[str, Any]:
    """The ``--json`` document: the best round of each figure, every round, the notes, and
    each round's CPU shares (``cpu``)."""
    best: dict[str, float] = {}
    for round_ in figures:
        for key, rps in round_.items():
            best[key] = max(best.get(key, 0.0), rps)
    return {
        **{key: round(rps, 1) for key, rps in best.items()},
        "rounds": [{key: round(rps, 1) for key, rps in r.items()} for r in figures],
        "notes": notes,
        "cpu": shares or [{} for _ in figures],
    }


def _label(key: str) -> str:
    return LABELS.get(key) or "sender, concurrency " + key.removeprefix("sender_rps_c")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simulator_app.bench.sender", description="req/s of the live sender"
    )
    parser.add_argument("--url", help="loopback receiver (default: start the reference sink)")
    parser.add_argument(
        "-c",
        "--concurrency",
        type=int,
        action="append",
        help="repeatable (default: 10, 200 and 5000)",
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement (default 5)")
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds (default 1)")
    parser.add_argument("--wrk", action="store_true", help="wrk at 10 connections takes turns too")
    parser.add_argument(
        "--server-pid",
        type=int,
        help="the receiver's process: how busy it was is shown beside each figure (Linux)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    concurrencies = args.concurrency or [10, 200, 5000]
    if args.seconds <= 0 or args.rounds < 1 or min(concurrencies) < 1:
        parser.error("--seconds, --rounds and --concurrency must be positive")
    if args.url is not None and not is_loopback(args.url):
        parser.error(f"--url {args.url!r} is not a loopback address")
    if args.wrk and wrk_path() is None:
        parser.error(INSTALL_HINT)
    with contextlib.ExitStack() as stack:
        url, server_pid = args.url, args.server_pid
        if url is None:
            sink = stack.enter_context(Sink())
            url, server_pid = sink.url, sink.pid
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory())) if args.wrk else None
        figures, notes, shares = measure_rounds(
            url, concurrencies, args.seconds, args.rounds, workdir, server_pid
        )
    if args.json:
        print(json.dumps(figures_json(figures, notes, shares)))
        return 0
    for number, (round_, busy) in enumerate(zip(figures, shares, strict=True), 1):
        for key, rps in round_.items():
            cpu = describe_cpu(busy.get(key, {}))
            print(
                f"round {number}: {_label(key):<38} {rps:>9,.0f} req/s"
                + (f"  ({cpu})" if cpu else "")
            )
    for key, note in notes.items():
        print(f"{_label(key)}: not measured: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
