"""Scale in one process: many users at realistic think times, their memory and spawn time.

:func:`locust_scale` runs one Locust process (a local runner: the same user
code a worker runs) with ``users`` users of the exported demo mix, think times
as the scenario has them, and then the same number of minimal FastHttpUsers
that wait as long between their requests, against the reference sink. For
each it reads the process's resident memory from /proc when the ramp-up
begins (the idle process, files imported) and once every user is running, and
how long spawning took (Locust's own "Ramping" and "All users spawned" log
lines). The goal: the exported file's memory per user at most
:data:`MEMORY_GOAL` times the minimal user's.

``nitrox-sim bench --scale`` runs it; each file's run is bounded in time.
"""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from simulator_app.bench.exporter import default_scenario
from simulator_app.bench.locust_runs import locust_executable
from simulator_app.bench.processes import cpu_pins, raise_fd_limit, stop_process
from simulator_app.bench.sink import Sink
from simulator_app.bench.soak import resident_kb
from simulator_app.bench.traffic import BARE_HEADERS, VIEW_BODY, VIEW_PATH
from simulator_app.exporter.locustfile import ExportSettings, export_locustfile

MEMORY_GOAL = 1.5  # exported file's memory per user over the minimal user's, at most
USERS = 10_000
SPAWN_RATE = 1_000  # users a second
HOLD = 10.0  # seconds every user runs before the memory is read
# The demo mix's think times are 0.5 to 20 s, most of them 1 to 8: the minimal
# user waits between 0.5 and 8 s, as one of its shoppers reading a page.
MINIMAL_WAIT = (0.5, 8.0)
RAMPING = re.compile(r"Ramping to \d+ users")
SPAWNED = re.compile(r"All users spawned")

Progress = Callable[[str], None]

MINIMAL_THINKING = """\
\"\"\"Written by nitrox-sim bench: one fixed view event, then a shopper's pause.\"\"\"
from locust import FastHttpUser, between, task

PATH = {path!r}
BODY = {body!r}
HEADERS = {headers!r}


class MinimalView(FastHttpUser):
    wait_time = between({low}, {high})

    @task
    def view(self):
        self.client.post(PATH, data=BODY, headers=HEADERS, name="event/view")
"""


@dataclass(frozen=True)
class ScaleFigure:
    """One file at ``users`` users: memory and spawn time."""

    users: int
    idle_kb: int
    loaded_kb: int
    spawn_seconds: float
    requests: int
    failures: int

    @property
    def kb_per_user(self) -> float:
        return (self.loaded_kb - self.idle_kb) / self.users


def minimal_thinking_locustfile() -> str:
    low, high = MINIMAL_WAIT
    return MINIMAL_THINKING.format(
        path=VIEW_PATH, body=VIEW_BODY.encode(), headers=BARE_HEADERS, low=low, high=high
    )


AGGREGATED = re.compile(r"Aggregated\s+(\d+)\s+(\d+)\(")  # the request table's, not percentiles'


def closing_stats(text: str) -> tuple[int, int]:
    """Requests and failures from the ``Aggregated`` line of locust's closing request table."""
    found = AGGREGATED.findall(text)
    return (int(found[-1][0]), int(found[-1][1])) if found else (0, 0)


def run_one(
    locustfile: Path, host: str, users: int, spawn_rate: int, hold: float, pin: tuple[str, ...]
) -> ScaleFigure:
    """One headless run: ramp to ``users``, hold ``hold`` s, read memory; bounded."""
    ramp = users / spawn_rate
    seconds = round(ramp * 3 + hold + 10)  # a busy machine spawns slower than asked
    command = [
        *pin,
        locust_executable(),
        *("-f", str(locustfile), "--headless", "--host", host),
        *("-u", str(users), "-r", str(spawn_rate), "-t", f"{seconds}s"),
        *("--stop-timeout", "1", "--loglevel", "INFO", "--only-summary"),
    ]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=locustfile.parent,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert proc.stdout is not None
    idle: int | None = None
    spawned_at: float | None = None
    ramp_at: float | None = None
    loaded: int | None = None
    lines: list[str] = []
    deadline = time.monotonic() + seconds + 60
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if spawned_at is not None and time.monotonic() - spawned_at >= hold:
                    loaded = max(loaded or 0, resident_kb(proc.pid) or 0)
                    break
                if spawned_at is not None:
                    loaded = max(loaded or 0, resident_kb(proc.pid) or 0)
                if not selector.select(0.2):
                    continue
                line = proc.stdout.readline()
                if not line:
                    break
                lines.append(line)
                if ramp_at is None and RAMPING.search(line):
                    ramp_at, idle = time.monotonic(), resident_kb(proc.pid)
                elif spawned_at is None and SPAWNED.search(line):
                    spawned_at = time.monotonic()
        proc.terminate()  # the summary is printed on the way out
        tail, _ = proc.communicate(timeout=60)
        lines.append(tail or "")
    finally:
        stop_process(proc)
    if ramp_at is None or spawned_at is None or idle is None or not loaded:
        said = "".join(lines).strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"locust did not spawn {users} users: {said[0]}")
    requests, failures = closing_stats("".join(lines))
    return ScaleFigure(users, idle, loaded, round(spawned_at - ramp_at, 2), requests, failures)


def locust_scale(
    users: int = USERS,
    spawn_rate: int = SPAWN_RATE,
    hold: float = HOLD,
    progress: Progress = lambda _: None,
) -> dict[str, Any]:
    """The exported demo mix and the minimal thinking user at ``users`` users each."""
    raise_fd_limit(users + 256)  # one connection a user, Locust's child inherits the limit
    server_pin, load_pin = cpu_pins()
    scenario = default_scenario()
    files = {
        "minimal": minimal_thinking_locustfile(),
        "exported": export_locustfile(scenario, ExportSettings(think_scale=1.0)),
    }
    figures: dict[str, ScaleFigure] = {}
    with Sink(pin=server_pin) as sink, tempfile.TemporaryDirectory(prefix="nitrox-scale-") as tmp:
        for name, text in files.items():
            path = Path(tmp) / f"{name}.py"
            path.write_text(text, encoding="utf-8")
            figure = run_one(path, sink.url, users, spawn_rate, hold, load_pin)
            figures[name] = figure
            progress(
                f"{name}: {users:,} users spawned in {figure.spawn_seconds:.1f} s, "
                f"{figure.kb_per_user:.1f} kB a user ({figure.idle_kb:,} kB idle, "
                f"{figure.loaded_kb:,} kB loaded), {figure.requests:,} requests, "
                f"{figure.failures} failed"
            )
    ratio = figures["exported"].kb_per_user / figures["minimal"].kb_per_user
    return {
        "users": users,
        "spawn_rate": spawn_rate,
        "figures": {
            name: {**asdict(f), "kb_per_user": round(f.kb_per_user, 2)}
            for name, f in figures.items()
        },
        "memory_ratio": round(ratio, 3),
        "memory_goal": MEMORY_GOAL,
        "result": "PASS" if ratio <= MEMORY_GOAL else "MISS",
    }


SENDER_VISITORS = 100_000  # the goal's visitors in flight
SENDER_KB_GOAL = 10.0  # memory per visitor in flight, at most
SPARE_FILES = 256
LAG_GOAL_MS = 50.0  # p99 of how late a visitor's next request comes after its think time


def think_lags(
    engine: Any,
    think_scale: float,
    visitor_of: Sequence[int],
    sent_at: Sequence[float],
    ended_at: Sequence[float],
) -> dict[str, float]:
    """How late each request after a think time was sent: its send time less the previous
    request's end and the planned think (the same engine and seed replan each visitor).

    Milliseconds, p50 and p99, over every visitor's requests in the order they were sent.
    """
    by_visitor: dict[int, list[int]] = {}
    for i, visitor in enumerate(visitor_of):
        by_visitor.setdefault(visitor, []).append(i)
    lags: list[float] = []
    for visitor, rows in by_visitor.items():
        rows.sort(key=sent_at.__getitem__)
        thinks = [p.think * think_scale for p in engine.plan(visitor)]
        for k in range(1, min(len(rows), len(thinks))):
            if thinks[k - 1] > 0:
                late = sent_at[rows[k]] - ended_at[rows[k - 1]] - thinks[k - 1]
                lags.append(max(0.0, late) * 1000)
    if not lags:
        return {}
    lags.sort()
    return {
        "p50": round(lags[len(lags) // 2], 2),
        "p99": round(lags[min(len(lags) - 1, int(len(lags) * 0.99))], 2),
        "count": float(len(lags)),
    }


def sender_scale(
    visitors: int = SENDER_VISITORS,
    arrivals: float = 20.0,
    progress: Progress = lambda _: None,
    think_scale: float = 1.0,
) -> dict[str, Any]:
    """The sender with up to ``visitors`` visitors in flight, the demo mix's think times.

    Every visitor in flight holds one connection, so the count is capped by the
    file-descriptor limit this process can reach (the hard limit; the sink has
    its own): the document says how many were asked for and how many ran.
    Memory per visitor: resident memory at the most visitors in flight over
    the idle process's. Bounded by the run's time limit.
    """
    import dataclasses
    import threading
    from array import array

    from simulator_app.core.journey import JourneyEngine
    from simulator_app.core.record import RequestRecord
    from simulator_app.sender.runner import LoadRun, RunSettings

    limit = raise_fd_limit(visitors + SPARE_FILES)
    ran = min(visitors, limit - SPARE_FILES)
    scenario = default_scenario()
    scenario = dataclasses.replace(
        scenario,
        schedule=dataclasses.replace(
            scenario.schedule, visitors=ran, duration=arrivals, pattern="steady"
        ),
    )
    server_pin, _ = cpu_pins()
    with Sink(pin=server_pin) as sink:
        run = LoadRun(
            scenario,
            RunSettings(
                target=sink.url,
                concurrency=ran,
                seed=1,
                think_scale=think_scale,
                time_limit=arrivals + 600,
            ),
        )
        run.prepare()  # the data sets' tables: once per process, not per visitor
        # Each request's visitor, send time and end (sent + latency), kept compact: their
        # bytes are taken off the memory figure; the lags are worked out after the run.
        visitor_of, sent_at, ended_at = array("q"), array("d"), array("d")

        def keep(records: list[RequestRecord]) -> None:
            for r in records:
                visitor_of.append(r.visitor)
                sent_at.append(r.time)
                ended_at.append(r.time + r.latency_ms / 1000)

        run.on_records = keep
        idle = resident_kb() or 0
        results: list[Any] = []
        thread = threading.Thread(target=lambda: results.append(run.run()), daemon=True)
        thread.start()
        most, memory_then, began = 0, idle, time.monotonic()
        while thread.is_alive():
            thread.join(timeout=0.5)
            p = run.progress()
            in_flight = p.visitors_started - p.visitors_done
            if in_flight >= most:
                kept = visitor_of.itemsize * len(visitor_of) * 3  # the three arrays' bytes
                most, memory_then = in_flight, (resident_kb() or 0) - kept // 1024
            if time.monotonic() - began > arrivals + 5 and in_flight < most / 2:
                run.stop()  # the peak is past: the rest would only measure the tail
        (result,) = results
    lags = think_lags(
        JourneyEngine(run.scenario, seed=run.seed), think_scale, visitor_of, sent_at, ended_at
    )
    per_visitor = (memory_then - idle) / most if most else 0.0
    document = {
        "visitors_asked": visitors,
        "visitors_ran": ran,
        "fd_limit": limit,
        "most_in_flight": most,
        "idle_kb": idle,
        "kb_at_most": memory_then,
        "kb_per_visitor": round(per_visitor, 2),
        "kb_goal": SENDER_KB_GOAL,
        "requests": result.requests,
        "failures": result.failures,
        "think_lag_p99_ms": lags.get("p99"),
        "think_lag_p50_ms": lags.get("p50"),
        "think_lags": lags.get("count", 0),
        "lag_goal_ms": LAG_GOAL_MS,
        "result": "PASS"
        if per_visitor <= SENDER_KB_GOAL
        and not result.failures
        and (lags.get("p99") or 0) <= LAG_GOAL_MS
        else "MISS",
    }
    progress(
        f"sender: {most:,} visitors in flight, {per_visitor:.1f} kB a visitor, "
        f"{result.requests:,} requests, {result.failures} failed"
    )
    return document


def lines(document: dict[str, Any]) -> list[str]:
    out = [f"Locust, one process, {document['users']:,} users at think times:"]
    for name, figure in document["figures"].items():
        out.append(
            f"  {name:<9} {figure['kb_per_user']:>7.1f} kB a user, spawned in "
            f"{figure['spawn_seconds']:.1f} s, {figure['failures']} of {figure['requests']:,} "
            "requests failed"
        )
    out.append(
        f"  exported / minimal memory per user: {document['memory_ratio']:.2f} "
        f"(goal at most {document['memory_goal']:.1f}): {document['result']}"
    )
    sender = document.get("sender")
    if sender:
        capped = ""
        if sender["visitors_ran"] < sender["visitors_asked"]:
            capped = (
                f" (of {sender['visitors_asked']:,} asked: this process may open "
                f"{sender['fd_limit']:,} files, one connection a visitor)"
            )
        lag = sender.get("think_lag_p99_ms")
        out.append(
            f"sender, one process: {sender['most_in_flight']:,} visitors in flight{capped}, "
            f"{sender['kb_per_visitor']:.1f} kB a visitor (goal at most "
            f"{sender['kb_goal']:g}), think times ended late by "
            + (f"{lag:.1f} ms at p99" if lag is not None else "(not measured)")
            + f" (goal at most {sender['lag_goal_ms']:g}), {sender['failures']} of "
            f"{sender['requests']:,} requests failed: {sender['result']}"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json
    import sys

    parser = argparse.ArgumentParser(prog="python -m simulator_app.bench.scale")
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--spawn-rate", type=int, default=SPAWN_RATE)
    parser.add_argument("--visitors", type=int, default=SENDER_VISITORS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    said = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    document = locust_scale(args.users, args.spawn_rate, progress=said)
    document["sender"] = sender_scale(args.visitors, progress=said)
    print(json.dumps(document) if args.json else "\n".join(lines(document)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
