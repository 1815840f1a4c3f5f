"""Soak: a weekly curve compressed into minutes, sent into the collector, memory watched.

:func:`run_soak` runs the demo mix's journeys, think times included, on a
``weekly`` arrival curve squeezed into ``minutes``, at about ``rate`` req/s
into ``nitrox-sim collector`` (checks on, SQLite on disk, a subprocess on
127.0.0.1). Every few seconds it reads the resident memory of this process
(the sender) and of the collector. The goals: after the first minute, neither
grows by more than :data:`GROWTH_GOAL`; and every request is accounted: what
the sender saw answered 2xx is what the collector stored. Bounded: the run
stops at its own time limit, the collector is stopped at the end.

``nitrox-sim bench --soak`` runs it (20 minutes); ``--soak-minutes`` shortens it.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator_app.bench.collector import collector_command
from simulator_app.bench.processes import start_and_read_url, stop_process
from simulator_app.core.model import Scenario
from simulator_app.core.scenario_file import load_scenario
from simulator_app.sender.runner import LoadRun, RunResult, RunSettings

GROWTH_GOAL = 0.05  # resident memory after the first minute may grow by at most 5%
SETTLE_SECONDS = 60.0  # the first minute: imports, caches, the store's pages warm up
SAMPLE_EVERY = 5.0  # seconds between memory readings
WEEK_HOURS = 168
# The demo mix's curve of a shop's week, Monday first: quiet nights, busy
# lunchtimes and evenings, a busier weekend.
DAY = [1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 9, 11, 12, 10, 9, 9, 10, 12, 14, 15, 13, 9, 5, 2]
WEEKEND = [2, 1, 1, 1, 1, 2, 3, 5, 8, 11, 13, 15, 16, 14, 13, 13, 14, 16, 17, 16, 13, 9, 5, 3]
WEEK = DAY * 5 + WEEKEND * 2
REQUESTS_PER_VISITOR = 6.7  # the demo mix's (1,334 requests for 200 visitors, README)

Progress = Callable[[str], None]


def resident_kb(pid: int | str = "self") -> int | None:
    """VmRSS of process ``pid`` in kB (Linux), None where /proc cannot say."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def soak_scenario(minutes: float, rate: float, root: Path) -> Scenario:
    """The demo mix on a weekly curve squeezed into ``minutes``, at about ``rate`` req/s."""
    scenario = load_scenario(root / "scenarios" / "demo_mix.yaml")
    visitors = max(1, round(rate * minutes * 60 / REQUESTS_PER_VISITOR))
    schedule = dataclasses.replace(
        scenario.schedule,
        visitors=visitors,
        duration=minutes * 60,
        pattern="weekly",
        start_hour=0,
        hours=WEEK_HOURS,
        curve=tuple(float(w) for w in WEEK),
    )
    return dataclasses.replace(scenario, schedule=schedule)


@dataclass
class SoakResult:
    minutes: float
    rate_goal: float
    requests: int = 0
    succeeded: int = 0
    stored: int = 0
    failures: int = 0
    elapsed: float = 0.0
    # (seconds since start, sender kB, collector kB)
    samples: list[tuple[float, int | None, int | None]] = field(default_factory=list)

    def growth(self, column: int) -> float | None:
        """Growth of one process's memory from the first reading after the first minute
        (or the run's first fifth, in a short run) to the last."""
        settle = min(SETTLE_SECONDS, self.elapsed / 5)
        kept = [s[column] for s in self.samples if s[0] >= settle and s[column] is not None]
        if len(kept) < 2:
            return None
        first, last = kept[0], kept[-1]
        assert first is not None and last is not None
        return (last - first) / first

    def to_json(self) -> dict[str, Any]:
        sender, collector = self.growth(1), self.growth(2)
        return {
            "minutes": self.minutes,
            "rate_goal": self.rate_goal,
            # over the arrivals' span: the last visits' think times come after it
            "rate": round(self.requests / (self.minutes * 60), 1) if self.minutes else None,
            "requests": self.requests,
            "succeeded": self.succeeded,
            "stored": self.stored,
            "failures": self.failures,
            "accounted": self.succeeded == self.stored,
            "sender_growth": None if sender is None else round(sender, 4),
            "collector_growth": None if collector is None else round(collector, 4),
            "growth_goal": GROWTH_GOAL,
            "samples": self.samples,
        }

    def lines(self) -> list[str]:
        data = self.to_json()
        out = [
            f"soak: {self.minutes:g} min, weekly curve, {data['requests']:,} requests "
            f"({data['rate']} req/s over the arrivals, goal about {self.rate_goal:g}), "
            f"{self.failures} failed, {self.elapsed / 60:.1f} min in all",
            f"accounted: sent and answered {self.succeeded:,}, stored {self.stored:,}: "
            + ("PASS" if data["accounted"] else "MISS"),
        ]
        for name, key in (("sender", "sender_growth"), ("collector", "collector_growth")):
            growth = data[key]
            if growth is None:
                out.append(f"{name} memory: not measured (no /proc, or too short a run)")
                continue
            column = 1 if name == "sender" else 2
            kept = [kb for s in self.samples if (kb := s[column]) is not None]
            verdict = "PASS" if growth <= GROWTH_GOAL else "MISS"
            out.append(
                f"{name} memory after the first minute: {growth:+.1%} "
                f"(goal at most +{GROWTH_GOAL:.0%}; {kept[0]:,} kB at start, "
                f"{max(kept):,} kB at most, {kept[-1]:,} kB at the end): {verdict}"
            )
        return out


def _stored(url: str) -> int:
    with urllib.request.urlopen(url + "/_collector/all", timeout=30) as answer:
        summary = json.loads(answer.read())
    return int(summary["good"]) + int(summary["bad"])


def run_soak(
    minutes: float,
    rate: float = 200.0,
    progress: Progress = lambda _: None,
    think_scale: float = 1.0,
) -> SoakResult:
    """Run the soak (see the module docstring); bounded by ``minutes`` plus the visits' end.

    ``think_scale`` below 1 shortens the visits (a test's short soak).
    """
    root = Path(__file__).resolve().parents[2]
    scenario = soak_scenario(minutes, rate, root)
    result = SoakResult(minutes=minutes, rate_goal=rate)
    with tempfile.TemporaryDirectory(prefix="nitrox-soak-") as tmp:
        process, url = start_and_read_url(collector_command(Path(tmp) / "soak.sqlite"))
        try:
            run = LoadRun(
                scenario,
                RunSettings(
                    target=url,
                    concurrency=5000,
                    seed=1,
                    think_scale=think_scale,
                    time_limit=minutes * 60 + 600,
                ),
            )
            done: list[RunResult] = []
            thread = threading.Thread(
                target=lambda: done.append(run.run()), name="soak-sender", daemon=True
            )
            began = time.monotonic()
            thread.start()
            next_sample = 0.0
            while thread.is_alive():
                now = time.monotonic() - began
                if now >= next_sample:
                    sample = (round(now, 1), resident_kb(), resident_kb(process.pid))
                    result.samples.append(sample)
                    p = run.progress()
                    progress(
                        f"{now / 60:.1f} min: {p.requests:,} requests, {p.failures} failed; "
                        f"sender {sample[1]} kB, collector {sample[2]} kB"
                    )
                    next_sample += SAMPLE_EVERY
                thread.join(timeout=0.5)
            result.elapsed = time.monotonic() - began
            result.samples.append(
                (round(result.elapsed, 1), resident_kb(), resident_kb(process.pid))
            )
            if not done:
                raise RuntimeError("the soak's sender ended without a result")
            (outcome,) = done
            result.requests = outcome.requests
            result.failures = outcome.failures + outcome.cancelled
            result.succeeded = outcome.requests - result.failures
            result.stored = _stored(url)
        finally:
            stop_process(process, timeout=30)
    return result


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m simulator_app.bench.soak")
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    result = run_soak(args.minutes, args.rate, lambda m: print(m, file=sys.stderr, flush=True))
    print("\n".join(result.lines()))
    if args.json:
        Path(args.json).write_text(json.dumps(result.to_json(), indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
