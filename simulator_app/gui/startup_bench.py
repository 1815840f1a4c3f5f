"""How long ``nitrox-sim gui`` takes to put a window on screen: time to first paint.

Run ``python -m simulator_app.gui.startup_bench`` (offscreen unless a display is
set; ``--rounds N``). Each round starts ``nitrox-sim gui`` as a new process, with
settings in a throw-away folder, and reads the times the app itself reports
(:mod:`.app`'s ``NITROX_SIM_STARTUP_REPORT``): when the start-up window was first
painted and when the main window was, in seconds since the process started.
The app quits by itself once the main window is painted. The goal is the first
window within 2 s; it prints figures, no test asserts on them.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from simulator_app.gui.app import QUIT_ENV, REPORT_ENV

GOAL_S = 2.0
TIMEOUT_S = 120.0
_LINE = re.compile(r"startup: (.+) painted after ([0-9.]+) s")


def one_round(scenario: str | None = None) -> dict[str, float]:
    """Start the app once; the seconds to each window's first paint, by window."""
    with tempfile.TemporaryDirectory(prefix="nitrox-startup-") as home:
        env = dict(os.environ)
        env.update(
            {
                REPORT_ENV: "1",
                QUIT_ENV: "1",
                "HOME": home,  # QSettings: a fresh user, nothing of the real one touched
                "XDG_CONFIG_HOME": str(Path(home) / "config"),
            }
        )
        if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
            env.setdefault("QT_QPA_PLATFORM", "offscreen")
        script = Path(sys.executable).with_name("nitrox-sim")
        command = [str(script)] if script.exists() else [sys.executable, "-m", "simulator_app"]
        command.append("gui")
        if scenario:
            command.append(scenario)
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        )
    times = {m.group(1): float(m.group(2)) for m in _LINE.finditer(done.stderr)}
    if not times:
        tail = done.stderr.strip().splitlines()[-3:]
        raise SystemExit(f"the app reported no paint (exit {done.returncode}): {tail}")
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="app starts to time (default 3)")
    parser.add_argument("--scenario", help="a scenario file to open (default: none)")
    args = parser.parse_args(argv)
    rounds = [one_round(args.scenario) for _ in range(max(1, args.rounds))]
    for what in rounds[0]:
        figures = [r[what] for r in rounds if what in r]
        print(
            f"{what}: first paint after {statistics.median(figures):.2f} s"
            f" (median of {len(figures)}; min {min(figures):.2f}, max {max(figures):.2f})"
        )
    first = statistics.median(r["the start-up window"] for r in rounds)
    print(f"goal: a window within {GOAL_S:g} s: {'met' if first <= GOAL_S else 'NOT met'}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
