"""The whole benchmark: every figure side by side in one run, against one reference sink.

:func:`run_bench` measures, in this order and each bounded in time, ``rounds``
times: the bare uvicorn server's capacity under wrk and the collector under
the same load right after it (the collector's reference: the same server
stack); the live sender at concurrency 10, 200 and 5000 (a subprocess on the
load CPU, taking turns with wrk at 10 connections) and wrk alone at those
numbers of connections, both against the reference sink
(:mod:`~simulator_app.bench.sink`, the cheapest receiver that answers the
contract, so the client is the busy side); then Locust's minimal HttpUser and
FastHttpUser files and the exported demo mix, thin and bundled, against the
sink (interleaved); and the desktop app's request log (a Qt subprocess, so
this process never loads Qt).
Every client figure says how busy the sink was (``extras["sink_busy"]``); one
taken while the sink was above :data:`SINK_BUSY` of its CPU measured the sink,
and its note says so. The best round of each figure counts; every round is
kept too (``sender_rounds``, ``server_rounds``, ``locust_rounds``), for the
goals judged on the worst round. A figure that cannot be measured is None,
with the reason in ``notes``; the run goes on.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from simulator_app.bench.bare_server import BareServer
from simulator_app.bench.loads import Load, LocustLoad, WrkLoad
from simulator_app.bench.locust_runs import LocustResult, minimal_locustfile, run_locust
from simulator_app.bench.processes import (
    CpuMeter,
    cpu_pins,
    describe_cpu,
    describe_pins,
    machine_ticks,
    steal_share,
)
from simulator_app.bench.sink import Sink
from simulator_app.bench.wrk import INSTALL_HINT, WRK_MISSING, WrkResult, run_wrk, wrk_path

FIGURE_KEYS = (
    "bare_server_rps",
    "wrk_rps_c10",
    "wrk_rps_c200",
    "wrk_rps_c5000",
    "locust_httpuser_rps",
    "locust_fasthttpuser_rps",
    "exported_rps",
    "bundled_rps",
    "sender_rps_c10",
    "sender_rps_c200",
    "sender_rps_c5000",
    "collector_rps",
    "gui_max_stall_ms",
    "gui_bytes_per_row",
)
SENDER_CONCURRENCIES = (10, 200, 5000)
# wrk alone against the sink at the sender's concurrencies (c10 is also taken in its turns)
SCALING_FIGURES = ("wrk_rps_c10", "wrk_rps_c200", "wrk_rps_c5000")
WRK_FIGURES = ("bare_server_rps", *SCALING_FIGURES)  # none without wrk
# The sink's share of its CPU above which a client's figure measured the sink, not the client.
SINK_BUSY = 0.6
WRK_MIN_SECONDS = 3  # each wrk-alone figure's least length
WRK_ERRORS_VOID = 0.01  # wrk's failed share above which its figure measured the failures
# Failures a measurement may raise without stopping the others.
MEASUREMENT_ERRORS = (RuntimeError, OSError, ValueError, KeyError, subprocess.TimeoutExpired)

STEAL_SHOWN = 0.05  # a step's steal share from which its progress line mentions it
Progress = Callable[[str], None]


@dataclass(frozen=True)
class BenchSettings:
    """How long and how often to measure."""

    seconds: float = 10.0  # each load measurement
    # Best of N for every load figure. Three: contention only ever slows a figure, and
    # on a shared host one file's CPU a request moved 25% between two rounds of a run.
    rounds: int = 3
    users: int = 10  # Locust users, the same for every Locust file
    gui_seconds: float = 5.0  # how long the log takes rows
    gui_rate: int = 5000  # rows per second
    gui_rows: int = 1_000_000  # rows retained for the memory figure
    warmup: float = 3.0  # seconds of uncounted load a fresh server gets first
    quick: bool = False


def settings_for(quick: bool, seconds: float | None = None) -> BenchSettings:
    """``--quick``: one round of 4 s each (about a minute); default: three rounds of 10 s."""
    if quick:
        return BenchSettings(seconds=seconds or 4.0, rounds=1, gui_seconds=3.0, quick=True)
    return BenchSettings(seconds=seconds or 10.0)


@dataclass
class BenchResult:
    """Figures by :data:`FIGURE_KEYS` (None: not measured, see ``notes``) and context."""

    figures: dict[str, float | None] = field(default_factory=lambda: dict.fromkeys(FIGURE_KEYS))
    notes: dict[str, str] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)


def _quiet(message: str) -> None:
    pass


class _Steps:
    """Numbers the progress lines and turns a failed measurement into a note.

    Each step's line also says how much CPU time the host took meanwhile
    (steal, from 5% on; every step's share is kept in ``extras["steal_steps"]``):
    on a virtual machine that is what moves a figure from one run to the next.
    """

    def __init__(self, result: BenchResult, total: int, progress: Progress) -> None:
        self.result, self.total, self.progress, self.done = result, total, progress, 0
        self.began = self._ticks = machine_ticks()

    def announce(self, label: str, outcome: str, started: float) -> None:
        self.done += 1
        took = time.monotonic() - started
        now = machine_ticks()
        stolen = steal_share(self._ticks, now)
        self._ticks = now
        if stolen is not None:
            self.result.extras.setdefault("steal_steps", []).append(
                {"step": label, "share": stolen}
            )
            if stolen >= STEAL_SHOWN:
                outcome += f"; the host took {stolen:.0%} of the CPU time (steal)"
        self.progress(f"[{self.done}/{self.total}] {label}: {outcome} ({took:.1f} s)")

    def fail(self, keys: tuple[str, ...], label: str, reason: str, started: float) -> None:
        for key in keys:  # a figure an earlier round measured stays; the note says why not more
            self.result.notes[key] = reason
        self.announce(label, f"not measured: {reason}", started)


def _best_locust(results: list[LocustResult]) -> tuple[float | None, str | None]:
    failed = [r for r in results if r.failures or not r.requests]
    if failed:
        r = failed[0]
        return None, f"locust: {r.failures} of {r.requests} requests failed (exit {r.exit_code})"
    return max(r.rps for r in results), None


def _run_subprocess(command: list[str], timeout: float, env: dict[str, str]) -> str:
    """Run ``command`` to its end; its stdout, or its last stderr line as the error."""
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        raise RuntimeError(tail[0])
    return done.stdout


class _Run:
    """One bench run's state: settings, pins, the work directory and the result."""

    def __init__(self, settings: BenchSettings, workdir: Path, progress: Progress) -> None:
        self.settings = settings
        self.workdir = workdir
        self.server_pin, self.load_pin = cpu_pins()
        self.result = BenchResult()
        self.wrk = wrk_path() is not None
        # The bare server's best under the collector's load, each right before the
        # collector's turn: the collector's reference (same server stack, same load).
        self.bare_alone: float | None = None
        # With wrk: the bare server, the collector and the server's scaling each round;
        # without, one note and one collector figure. Plus the sender and four Locust files
        # a round, and the GUI.
        wrk_steps = 3 * settings.rounds if self.wrk else 2
        self.steps = _Steps(self.result, wrk_steps + 5 * settings.rounds + 1, progress)
        self.env = {**os.environ, "PYTHONWARNINGS": "ignore"}

    def _keep_best(self, key: str, rps: float) -> None:
        best = self.result.figures[key]
        self.result.figures[key] = round(max(rps, best or 0.0), 1)

    def _round(self, round_: int) -> str:
        rounds = self.settings.rounds
        return f", round {round_ + 1} of {rounds}" if rounds > 1 else ""

    def warm_up(self, bare: BareServer) -> None:
        """The warm-up the collector gets (see ``collector.bench.measure_collector``)."""
        with contextlib.suppress(*MEASUREMENT_ERRORS):  # the measurement says what failed
            WrkLoad(self.workdir, self.load_pin).measure(bare.url, self.settings.warmup)

    def bare_capacity(self, bare: BareServer, round_: int = 0) -> None:
        started = time.monotonic()
        label = "bare server under wrk" + self._round(round_)
        if not self.wrk:
            self.steps.fail(WRK_FIGURES, label, INSTALL_HINT, started)
            return
        try:
            rps = WrkLoad(self.workdir, self.load_pin).measure(bare.url, self.settings.seconds)
        except MEASUREMENT_ERRORS as exc:
            self.steps.fail(("bare_server_rps",), label, str(exc), started)
            return
        self._keep_best("bare_server_rps", rps)
        self.bare_alone = max(rps, self.bare_alone or 0.0)
        self.steps.announce(label, f"{rps:,.0f} req/s", started)

    def sink_busy(self, key: str, shares: dict[str, float]) -> str:
        """Keep how busy the sink was for figure ``key``; its words for the progress line.

        A share above :data:`SINK_BUSY` means the figure measured the sink, not
        the client: the note says so, and so does the line.
        """
        share = shares.get("server")
        if share is None:
            return ""
        busy = self.result.extras.setdefault("sink_busy", {})
        busy[key] = round(max(share, busy.get(key, 0.0)), 3)
        if share <= SINK_BUSY:
            return f"sink {share:.0%}"
        self.result.notes[key] = (
            f"the sink was {share:.0%} busy (over {SINK_BUSY:.0%}): this figure measured the "
            "sink, not the client"
        )
        return f"sink {share:.0%}: measured the sink"

    def wrk_errors(self, key: str, done: WrkResult, seconds: float) -> str:
        """wrk's failed requests beside its figure (a few connect errors at 5000 connections
        do not void it); a figure with more than :data:`WRK_ERRORS_VOID` of them failed
        raises, as it measured the failures."""
        if not done.errors:
            return ""
        share = done.errors / max(1.0, done.rps * seconds + done.errors)
        if share > WRK_ERRORS_VOID:
            raise RuntimeError(f"{done.errors} of wrk's requests failed ({share:.1%})")
        self.result.notes[key] = f"{done.errors} of wrk's requests failed ({share:.2%})"
        return f"{done.errors} errors"

    def client_scaling(self, sink: Sink, round_: int = 0) -> None:
        """wrk alone against the sink at 10, 200 and 5000 connections (``server_rounds``).

        What a C client that costs next to nothing gets from the sink: the
        reference of the sender's c10 (``sender c10 / wrk c10``), and proof that
        the sink is not the busy side as connections grow (its share is beside
        each figure). Each wrk opens its connections inside its own seconds.
        """
        from simulator_app.bench.sender import fd_problem

        started = time.monotonic()
        label = "wrk alone against the sink at " + ", ".join(str(c) for c in SENDER_CONCURRENCIES)
        label += " connections" + self._round(round_)
        measured: dict[str, float] = {}
        said: list[str] = []
        try:
            for connections in SENDER_CONCURRENCIES:
                key = f"wrk_rps_c{connections}"
                if (problem := fd_problem(connections)) is not None:
                    raise RuntimeError(problem)
                meter = CpuMeter(sink.pid, load=False)
                meter.start()
                # Opening thousands of connections takes wrk a second on a busy machine,
                # inside its own duration: never less than WRK_MIN_SECONDS of it.
                seconds = max(WRK_MIN_SECONDS, round(self.settings.seconds))
                done = run_wrk(sink.url, seconds, self.workdir, self.load_pin, connections)
                meter.stop()
                if done.rps <= 0:
                    raise RuntimeError(f"wrk at {connections} connections got no answer")
                words = [w for w in (self.sink_busy(key, meter.take()),) if w]
                if errors := self.wrk_errors(key, done, seconds):
                    words.append(errors)
                measured[f"c{connections}"] = round(done.rps, 1)
                said.append(f"{done.rps:,.0f}" + (f" ({', '.join(words)})" if words else ""))
        except MEASUREMENT_ERRORS as exc:
            self.steps.fail(SCALING_FIGURES, label, str(exc), started)
            return
        for key in SCALING_FIGURES:
            self._keep_best(key, measured[key.removeprefix("wrk_rps_")])
        self.result.extras.setdefault("server_rounds", []).append(measured)
        self.steps.announce(label, ", ".join(said) + " req/s", started)

    def locust_files(self, sink: Sink) -> None:
        from simulator_app.bench.exporter import (
            bundled_locustfile,
            default_scenario,
            exported_locustfile,
            user_request_rate,
        )

        s = self.settings
        scenario = default_scenario()
        files = {
            "locust_httpuser_rps": ("Locust HttpUser", minimal_locustfile("HttpUser")),
            "locust_fasthttpuser_rps": (
                "Locust FastHttpUser",
                minimal_locustfile("FastHttpUser"),
            ),
            "exported_rps": (f"exported {scenario.name}", exported_locustfile(scenario)),
            "bundled_rps": (f"exported {scenario.name}, bundled", bundled_locustfile(scenario)),
        }
        runs: dict[str, list[LocustResult]] = {key: [] for key in files}
        rounds = self.result.extras.setdefault("locust_rounds", [])
        for round_ in range(s.rounds):
            suffix = f", round {round_ + 1} of {s.rounds}" if s.rounds > 1 else ""
            this_round: dict[str, float] = {}
            for key, (label, text) in files.items():
                started = time.monotonic()
                path = self.workdir / f"{key}.py"
                path.write_text(text, encoding="utf-8")
                meter = CpuMeter(sink.pid, load=False)  # Locust's start-up is in the span
                try:
                    meter.start()
                    run = run_locust(path, sink.url, s.seconds, s.users, self.load_pin)
                    meter.stop()
                except MEASUREMENT_ERRORS as exc:
                    runs[key].append(LocustResult(0, 0, 0.0, -1))
                    self.result.notes[key] = str(exc)
                    self.steps.announce(label + suffix, f"failed: {exc}", started)
                    continue
                runs[key].append(run)
                if not run.failures and run.requests:
                    this_round[key] = round(run.rps, 1)
                outcome = f"{run.rps:,.0f} req/s" if not run.failures else f"{run.failures} failed"
                if run.cpu_us_per_request is not None:
                    outcome += f", {run.cpu_us_per_request:,.0f} us CPU a request"
                if busy := self.sink_busy(key, meter.take()):
                    outcome += f"; {busy}"
                self.steps.announce(f"{label}, {s.users} users{suffix}", outcome, started)
            rounds.append(this_round)
        for key, results in runs.items():
            best, problem = _best_locust(results)
            figure = None if best is None else round(best, 1)
            if key in self.result.figures:
                self.result.figures[key] = figure
            else:
                self.result.extras[key] = figure
            if problem:
                self.result.notes.setdefault(key, problem)
        self.result.extras["exported_scenario"] = scenario.name
        # What one user of the same file sends at the scenario's own think times:
        # docs/performance.md's users per worker and cluster arithmetic.
        self.result.extras["user_rps_at_think_times"] = round(user_request_rate(scenario), 4)
        # Locust's CPU a request over each test (start-up not in it), the least of the
        # rounds: what each file costs whatever else the machine runs meanwhile.
        cpu = {
            key: min(costs)
            for key, results in runs.items()
            if (costs := [r.cpu_us_per_request for r in results if r.cpu_us_per_request])
        }
        self.result.extras["locust_cpu_us_per_request"] = cpu

    def sender(self, sink: Sink, round_: int = 0) -> None:
        """The sender at each concurrency against the sink, taking turns (with wrk at 10
        connections, when there is one: the same moments, for the worst-round ratio)."""
        from simulator_app.bench.sender import MAX_DRAIN, MAX_SETTLE, MAX_WARMUP, WRK_TURNS

        s = self.settings
        keys = tuple(f"sender_rps_c{c}" for c in SENDER_CONCURRENCIES)
        label = "nitrox-sim run's sender at concurrency " + ", ".join(
            str(c) for c in SENDER_CONCURRENCIES
        )
        label += (", with wrk in turns" if self.wrk else "") + self._round(round_)
        started = time.monotonic()
        command = [
            *self.load_pin,
            *(sys.executable, "-m", "simulator_app.bench.sender", "--url", sink.url),
            *(arg for c in SENDER_CONCURRENCIES for arg in ("-c", str(c))),
            *("--seconds", str(s.seconds), "--rounds", "1", "--json"),
            *(("--wrk",) if self.wrk else ()),
            *(("--server-pid", str(sink.pid)) if sink.pid is not None else ()),
        ]
        turns = max(1, round(s.seconds))  # bench.sender's one-second slices
        per_run = MAX_WARMUP + s.seconds + turns * (MAX_SETTLE + MAX_DRAIN) + 30
        timeout = (len(SENDER_CONCURRENCIES) + len(WRK_TURNS)) * per_run + 30
        try:
            document = json.loads(_run_subprocess(command, timeout, self.env).splitlines()[-1])
            (measured,) = document["rounds"]
            values = {key: float(rps) for key, rps in measured.items()}
            notes: dict[str, str] = document["notes"]
            (busy,) = document.get("cpu") or [{}]
        except (*MEASUREMENT_ERRORS, IndexError, TypeError) as exc:
            lost = (*keys, "wrk_rps_c10") if self.wrk else keys
            self.steps.fail(lost, label, str(exc) or type(exc).__name__, started)
            return
        for key, rps in values.items():
            self._keep_best(key, rps)
        self.result.notes.update(notes)
        self.result.extras.setdefault("sender_rounds", []).append(
            {key: round(rps, 1) for key, rps in values.items()}
        )
        self.result.extras.setdefault("sender_cpu_rounds", []).append(busy)
        outcome = ", ".join(f"{values[k]:,.0f}" for k in keys if k in values) + " req/s"
        if "wrk_rps_c10" in values:
            outcome += f"; wrk at 10 connections {values['wrk_rps_c10']:,.0f} req/s"
        for key in (*keys, "wrk_rps_c10"):
            self.sink_busy(key, busy.get(key, {}))
        shown = [
            f"c{c} {cpu}"
            for c, k in zip(SENDER_CONCURRENCIES, keys, strict=True)
            if (cpu := describe_cpu(busy.get(k, {})))
        ]
        if shown:
            outcome += "; busy: " + ", ".join(shown)
        notes = {**notes, **{k: n for k, n in self.result.notes.items() if k in values}}
        if notes:
            outcome += "; " + "; ".join(notes.values())
        self.steps.announce(label, outcome, started)

    def collector(self, bare: BareServer, round_: int = 0) -> None:
        """The collector under wrk (right after the bare server's turn under the same wrk),
        or without wrk under the minimal FastHttpUser file, the bare server first."""
        from simulator_app.bench.collector import measure_collector

        load: Load
        if self.wrk:
            load = WrkLoad(self.workdir, self.load_pin)
        else:
            load = LocustLoad(self.workdir, self.settings.users, self.load_pin)
        self.result.extras["collector_load"] = load.name
        label = f"collector (checks + SQLite) under {load.name}" + self._round(round_)
        started = time.monotonic()
        try:
            if not self.wrk:
                reference = load.measure(bare.url, self.settings.seconds)
                self.bare_alone = max(reference, self.bare_alone or 0.0)
            figure = measure_collector(
                load, self.settings.seconds, self.workdir, self.server_pin, self.settings.warmup
            )
        except MEASUREMENT_ERRORS as exc:
            self.steps.fail(("collector_rps",), label, str(exc), started)
            return
        self._keep_best("collector_rps", figure.rps)
        verdicts = self.result.extras.setdefault("collector_verdicts", {"good": 0, "bad": 0})
        verdicts["good"] += figure.good
        verdicts["bad"] += figure.bad
        if verdicts["bad"]:
            self.result.notes["collector_rps"] = (
                f"the collector filed {verdicts['bad']} requests as bad"
            )
        self.steps.announce(label, f"{figure.rps:,.0f} req/s", started)

    def gui(self) -> None:
        s = self.settings
        keys = ("gui_max_stall_ms", "gui_bytes_per_row")
        label = f"desktop log at {s.gui_rate:,} rows/s and {s.gui_rows:,} rows"
        started = time.monotonic()
        if importlib.util.find_spec("PySide6") is None:
            self.steps.fail(keys, label, "PySide6 is not installed", started)
            return
        out = self.workdir / "gui.json"
        command = [
            *(sys.executable, "-m", "simulator_app.gui.sending.bench"),
            *("--rate", str(s.gui_rate), "--seconds", str(s.gui_seconds)),
            *("--rows", str(s.gui_rows), "--json", str(out)),
        ]
        env = {**self.env, "QT_QPA_PLATFORM": "offscreen"}
        try:
            _run_subprocess(command, 300 + s.gui_seconds, env)
            figures = json.loads(out.read_text(encoding="utf-8"))
            values = {key: float(figures[key]) for key in keys}
        except (*MEASUREMENT_ERRORS, IndexError, TypeError) as exc:
            self.steps.fail(keys, label, str(exc) or type(exc).__name__, started)
            return
        self.result.figures.update(values)
        outcome = f"stall {values[keys[0]]:.1f} ms, {values[keys[1]]:.0f} bytes per row"
        self.steps.announce(label, outcome, started)


def run_bench(settings: BenchSettings, progress: Progress = _quiet) -> BenchResult:
    """Measure every figure; see the module docstring. Bounded; leaves no process behind."""
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="nitrox-bench-") as tmp:
        run = _Run(settings, Path(tmp), progress)
        progress(f"{describe_pins(run.server_pin, run.load_pin)}; {settings.seconds:g} s each")
        if not run.wrk:
            progress(WRK_MISSING)
        with BareServer(pin=run.server_pin) as bare, Sink(pin=run.server_pin) as sink:
            if run.wrk:
                run.warm_up(bare)
            else:
                run.bare_capacity(bare)
            for round_ in range(settings.rounds):
                if run.wrk:  # the collector right after the bare server, under the same load
                    run.bare_capacity(bare, round_)
                    run.collector(bare, round_)
                run.sender(sink, round_)
                if run.wrk:
                    run.client_scaling(sink, round_)
            run.locust_files(sink)
            if not run.wrk:  # the bare server and the collector under Locust's load
                run.collector(bare)
        run.gui()
    result = run.result
    from simulator_app.bench.tls import suite_step  # what TLS costs (its own servers)

    result.extras["tls"] = suite_step(settings.seconds, progress)
    reference = run.bare_alone
    result.extras["collector_reference_rps"] = None if reference is None else round(reference, 1)
    result.extras.update(
        {
            "steal_share": steal_share(run.steps.began, machine_ticks()),
            "settings": asdict(settings),
            "cpus": os.cpu_count(),
            "pins": describe_pins(run.server_pin, run.load_pin),
            "wrk": run.wrk,
            "elapsed_s": round(time.monotonic() - began, 1),
        }
    )
    return result
