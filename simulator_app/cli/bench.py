"""``nitrox-sim bench``: how much load this machine makes, against the peers, in one run."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from simulator_app.cli._common import CliError

COMMAND = "bench"
HELP = "measure what this machine generates: sender, Locust, exported file, collector, GUI log"
DESCRIPTION = """\
Measure, side by side in one run on 127.0.0.1: nitrox-sim run's sender at
concurrency 10, 200 and 5000 (taking turns with wrk at 10 connections), wrk
alone at those numbers of connections, Locust with a minimal HttpUser and
FastHttpUser file, and the exported demo mix (thin, and --bundle), all against
a reference sink: an asyncio + httptools server on uvloop that answers the
contract's success rules and nothing else, so that the client, not the
receiver, is the busy side (beside each figure, the sink's share of its CPU;
above 60%, the figure is marked as measuring the sink). Then the collector
against the bare uvicorn server under the same wrk load (the same server
stack), and the desktop app's request log. Prints a table of figures, the
goals as ratios (PASS/MISS, the worst of the interleaved rounds), and what wrk
got from the sink as its connections grew; a progress line per measurement
goes to stderr. With two CPUs the receivers are pinned to one and the load to
the other (taskset). Without wrk the first line says how to install it
(apt-get install -y wrk) and the ratios to it say "not measured (no wrk)".
--json FILE writes every figure, ratio and goal in one documented shape
(schema 2, see simulator_app.bench.report.to_json).
"""
EPILOG = """\
Exit status: 0 when the bench ran (missed goals are reported, not errors),
2 on bad arguments, 130 when stopped with Ctrl-C.

examples:
  nitrox-sim bench --quick                      about a minute and a half
  nitrox-sim bench --json bench.json            three rounds of 10 s each, about 9 minutes
  nitrox-sim bench --seconds 20                 longer measurements, steadier figures
  nitrox-sim bench --soak --json soak.json      20 minutes into the collector: memory, accounting
  nitrox-sim bench --scale                      10,000 Locust users of each kind: memory, spawn
"""

MAX_SECONDS = 300.0
SOAK_MINUTES = 20.0
MAX_SOAK_MINUTES = 24 * 60


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quick", action="store_true", help="one round of short measurements (under 2 minutes)"
    )
    parser.add_argument(
        "--json", metavar="FILE", help="also write every figure, ratio and goal to FILE as JSON"
    )
    parser.add_argument(
        "--seconds",
        metavar="S",
        help="length of each load measurement (default 4 with --quick, else 10)",
    )
    parser.add_argument(
        "--soak",
        action="store_true",
        help="instead of the figures: a weekly curve compressed into 20 minutes at about "
        "200 req/s into the collector; the sender's and the collector's memory after the "
        "first minute (goal: at most 5%% growth) and every request accounted",
    )
    parser.add_argument(
        "--soak-minutes", metavar="M", help="the soak's length in minutes (default 20)"
    )
    parser.add_argument(
        "--scale",
        action="store_true",
        help="instead of the figures: one Locust process with 10,000 users of the exported "
        "demo mix at its think times beside 10,000 minimal FastHttpUsers: memory per user "
        "(goal: at most 1.5 times the minimal user's) and spawn time; then the sender with "
        "up to 100,000 visitors in flight (as many as the file limit allows): memory per "
        "visitor (goal: at most 10 kB)",
    )


def _seconds(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise CliError(f"--seconds: {text!r} is not a number") from None
    if not math.isfinite(value) or not 0 < value <= MAX_SECONDS:
        raise CliError(f"--seconds: {text} must be more than 0 and at most {MAX_SECONDS:g}")
    return value


def _json_target(text: str | None) -> Path | None:
    """Check the --json FILE before minutes of measuring, not after."""
    if text is None:
        return None
    path = Path(text)
    if path.is_dir():
        raise CliError(f"--json: {text} is a directory")
    from simulator_app.core.outputs import output_problem

    problem = output_problem(path)  # a FIFO, a device: never written into
    if problem is not None:
        raise CliError(f"--json: {text}: {problem}")
    if not path.parent.is_dir():
        raise CliError(f"--json: the folder {str(path.parent)!r} does not exist")
    return path


def _progress(message: str) -> None:
    print(f"nitrox-sim bench: {message}", file=sys.stderr, flush=True)


def _minutes(text: str | None) -> float:
    if text is None:
        return SOAK_MINUTES
    try:
        value = float(text)
    except ValueError:
        raise CliError(f"--soak-minutes: {text!r} is not a number") from None
    if not math.isfinite(value) or not 0 < value <= MAX_SOAK_MINUTES:
        raise CliError(f"--soak-minutes: {text} must be more than 0 and at most {MAX_SOAK_MINUTES}")
    return value


def _soak(args: argparse.Namespace, target: Path | None) -> int:
    from simulator_app.bench.soak import run_soak

    result = run_soak(_minutes(args.soak_minutes), progress=_progress)
    print("\n".join(result.lines()))
    if target is not None:
        _write(target, result.to_json())
    return 0


def _write(target: Path, document: object) -> None:
    try:
        target.write_text(json.dumps(document, indent=2) + "\n", "utf-8")
    except OSError as exc:
        raise CliError(f"--json: cannot write {target}: {exc.strerror}", exit_code=1) from None


def run(args: argparse.Namespace) -> int:
    seconds = _seconds(args.seconds)
    target = _json_target(args.json)
    if args.soak:
        return _soak(args, target)
    if args.scale:
        from simulator_app.bench.scale import lines, locust_scale, sender_scale

        document = locust_scale(progress=_progress)
        document["sender"] = sender_scale(progress=_progress)
        print("\n".join(lines(document)))
        if target is not None:
            _write(target, document)
        return 0
    if args.soak_minutes is not None:
        raise CliError("--soak-minutes goes with --soak")
    from simulator_app.bench import report, suite

    result = suite.run_bench(suite.settings_for(args.quick, seconds), _progress)
    print(report.format_table(result))
    if target is not None:
        _write(target, report.to_json(result))
    return 0
