"""``nitrox-sim live``: keep a dashboard alive on the wall clock, for days, resumably."""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import TYPE_CHECKING, TextIO, cast

from simulator_app.cli._common import CliError
from simulator_app.interrupts import Interrupts

if TYPE_CHECKING:
    from simulator_app.core.campaign import Campaign
    from simulator_app.core.model import Scenario

COMMAND = "live"
NOTES_SIGNALS = True  # Ctrl-C and SIGTERM end the session cleanly: the file says where it got
HELP = "send a scenario's curve on the wall clock for days; resumable, never repeating a visitor"
DESCRIPTION = """\
Send a scenario's visitors on the wall clock: its daily or weekly curve
(weekly by default) laid on each visitor's own local time, at a number of
visitors, orders or revenue per day, for --for (or until stopped). The
campaign file (its path is printed at the start) keeps the seed and how far
the campaign got; `live --resume FILE` continues at the current time after a
stop, a kill or a reboot, sending no visitor, identity or order id twice and
never catching up: hours missed stay missed, and the summary says so.
Without --target the embedded collector starts on 127.0.0.1.
"""
EPILOG = """\
Exit status: 0 when the campaign's time is over (or it was already), 1 when
the campaign file could not be written, 2 on bad input, 130/143 when stopped
with Ctrl-C/SIGTERM (the file is saved: resume it).

--time-scale F runs the campaign clock F times faster than the wall clock
(think times too): 10080 puts a week into a minute, for demos and tests.
--campaign FILE --resume-if-exists starts FILE's campaign once and resumes
it every later time: the one command of a service (deploy/systemd).

examples:
  nitrox-sim live scenarios/demo_mix.yaml --for 7d --visitors-per-day 2000 --plan
  nitrox-sim live scenarios/demo_mix.yaml --for 7d --orders-per-day 40 --campaign demo.json
  nitrox-sim live --resume demo.json
  nitrox-sim live scenarios/demo_mix.yaml --for 7d --campaign state/demo.json --resume-if-exists
  nitrox-sim live scenarios/demo_mix.yaml --for 7d --visitors-per-day 500 --time-scale 10080
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", metavar="SCENARIO", nargs="?", help="scenario YAML file")
    parser.add_argument(
        "--resume", metavar="FILE", help="continue the campaign of FILE at the current time"
    )
    parser.add_argument(
        "--campaign",
        metavar="FILE",
        help="the campaign file to create (default: SCENARIO's name + .campaign.json, here)",
    )
    parser.add_argument(
        "--resume-if-exists",
        action="store_true",
        help="with --campaign FILE: resume FILE when it exists, else start it (for a service)",
    )
    parser.add_argument(
        "--log-dir",
        metavar="DIR",
        help="also write what is printed into DIR, one file a day (live-YYYY-MM-DD.log)",
    )
    parser.add_argument(
        "--log-max-mb",
        metavar="MB",
        default="100",
        help="with --log-dir: the most the day files take together; the oldest go (default 100)",
    )
    parser.add_argument(
        "--for", dest="length", metavar="T", help="how long: 7d, 36h, 90m, 600 (default: 366d)"
    )
    per_day = parser.add_mutually_exclusive_group()
    per_day.add_argument("--visitors-per-day", metavar="N", help="visitors a day, on average")
    per_day.add_argument(
        "--orders-per-day", metavar="N", help="orders a day: visitors worked back by the funnel"
    )
    per_day.add_argument(
        "--revenue-per-day", metavar="X", help="revenue a day: visitors worked back by the funnel"
    )
    parser.add_argument(
        "--funnel",
        metavar="STEP=SHARE",
        action="append",
        default=[],
        help="set drop-offs so the funnel shows this share (as funnel --target; repeatable)",
    )
    parser.add_argument("--seed", metavar="S", help="the campaign's seed (default: a fresh one)")
    parser.add_argument(
        "--target", metavar="URL", help="base URL to send to (default: the embedded collector)"
    )
    parser.add_argument(
        "--rate",
        metavar="R",
        help="requests per second at most (default: 3x the busiest quarter hour's)",
    )
    parser.add_argument(
        "--concurrency", metavar="C", help="visitors in flight at most (default: the scenario's)"
    )
    parser.add_argument(
        "--plan",
        action="store_true",
        help="print what the dashboard will show per day and per hour of the week, write it"
        " as CSV (--plan-csv) and send nothing",
    )
    parser.add_argument(
        "--plan-csv", metavar="FILE", help="where the plan's CSV goes (default: beside the file)"
    )
    parser.add_argument(
        "--time-scale",
        metavar="F",
        help="campaign seconds per wall second (default 1: the wall clock); for tests and demos",
    )
    parser.add_argument(
        "--timeout", metavar="T", default="10", help="seconds per request (default 10)"
    )
    parser.add_argument(
        "--yes", action="store_true", help="confirm a non-loopback target without being asked"
    )


def _scenario(path: str, funnel: dict[str, float]) -> Scenario:
    from simulator_app.core.scenario_file import ScenarioError, load_scenario
    from simulator_app.core.targets import TargetError, solve

    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        raise CliError(str(exc.problems[0])) from None
    if funnel:
        try:
            scenario, _ = solve(scenario, funnel)
        except TargetError as exc:
            raise CliError(f"--funnel {exc}") from None
    return scenario


def _new_campaign(
    args: argparse.Namespace, scenario: Scenario, funnel: dict[str, float]
) -> Campaign:
    from simulator_app.cli.run import _number
    from simulator_app.core.campaign import MAX_LENGTH, Campaign, CampaignError, parse_span
    from simulator_app.core.funnel import expected_orders
    from simulator_app.core.journey import fresh_seed

    try:
        length = parse_span(args.length) if args.length else MAX_LENGTH
    except CampaignError as exc:
        raise CliError(str(exc)) from None
    scale = _number(args.time_scale, "--time-scale", float, 0, strict=True) or 1.0
    seed = _number(args.seed, "--seed", int, 0)
    if seed is None:
        seed = scenario.seed if scenario.seed is not None else fresh_seed()
    per_day = None
    if args.visitors_per_day is not None:
        per_day = _number(args.visitors_per_day, "--visitors-per-day", float, 0, strict=True)
    elif args.orders_per_day is not None or args.revenue_per_day is not None:
        orders = expected_orders(scenario, 2000)
        if args.orders_per_day is not None:
            wanted = _number(args.orders_per_day, "--orders-per-day", float, 0, strict=True)
            rate, what = orders.orders_per_visitor, "orders"
        else:
            wanted = _number(args.revenue_per_day, "--revenue-per-day", float, 0, strict=True)
            rate, what = orders.revenue_per_visitor, "revenue"
        if rate <= 0:
            raise CliError(f"{args.scenario}: its visitors make no {what}: set --visitors-per-day")
        per_day = wanted / rate
    if per_day is None:
        schedule = scenario.schedule
        hours = schedule.span_hours if schedule.pattern in ("daily", "weekly") else 24.0
        per_day = schedule.visitors * 24.0 / hours
    from simulator_app.core.campaign import MAX_CAMPAIGN_VISITORS

    if per_day * length / 86_400 > MAX_CAMPAIGN_VISITORS:
        raise CliError(
            f"{per_day:,.0f} visitors a day for {length / 86_400:g} days is more than"
            f" {MAX_CAMPAIGN_VISITORS:,} visitors: set a shorter --for"
        )
    return Campaign(
        scenario=os.path.abspath(args.scenario),
        seed=seed,
        start=time.time(),
        length=length,
        visitors_per_day=per_day,
        scale=scale,
        target=args.target,
        rate=_number(args.rate, "--rate", float, 0, strict=True),
        funnel=funnel,
    )


def _default_path(scenario_path: str) -> str:
    stem = os.path.splitext(os.path.basename(scenario_path))[0]
    return f"{stem}.campaign.json"


def run(args: argparse.Namespace) -> int:
    interrupts: Interrupts = getattr(args, "interrupts", None) or Interrupts()
    if args.resume_if_exists:
        if not args.campaign:
            raise CliError("--resume-if-exists needs --campaign FILE")
        if os.path.exists(args.campaign):
            args.resume, args.scenario, args.length, args.seed, args.funnel = (
                args.campaign, None, None, None, [])  # fmt: skip
    if not args.log_dir:
        return _run(args, interrupts)
    from simulator_app.cli._daily_log import DailyLog
    from simulator_app.cli.run import _number

    most = _number(args.log_max_mb, "--log-max-mb", float, 0, strict=True)
    try:
        log = DailyLog(args.log_dir, int(most * 2**20), echo=sys.stdout)
    except OSError as exc:
        raise CliError(f"--log-dir: cannot write {args.log_dir}: {exc.strerror}") from None
    out = sys.stdout
    sys.stdout = cast(TextIO, log)
    try:
        return _run(args, interrupts)
    finally:
        sys.stdout = out
        log.close()


def _run(args: argparse.Namespace, interrupts: Interrupts) -> int:
    from simulator_app.core.campaign import Campaign, CampaignError
    from simulator_app.core.targets import parse_target

    if args.resume:
        if args.scenario or args.length or args.seed or args.funnel or args.target:
            raise CliError(
                "--resume FILE takes the scenario, --for, --seed, --funnel and --target from FILE"
            )
        try:
            campaign = Campaign.load(args.resume)
        except CampaignError as exc:
            raise CliError(str(exc)) from None
        path = args.resume
        scenario = _scenario(campaign.scenario, campaign.funnel)
    else:
        if not args.scenario:
            raise CliError("give a SCENARIO file, or --resume FILE")
        try:
            funnel = dict(parse_target(t) for t in args.funnel)
        except ValueError as exc:
            raise CliError(f"--funnel {exc}") from None
        scenario = _scenario(args.scenario, funnel)
        campaign = _new_campaign(args, scenario, funnel)
        path = args.campaign or _default_path(args.scenario)
        if os.path.exists(path) and not args.plan:
            raise CliError(f"--campaign: {path} exists: resume it with --resume {path}")
    from simulator_app.cli._live_session import live_session

    return live_session(args, campaign, scenario, path, interrupts)
