"""``nitrox-sim funnel``: the share of visitors a scenario sends to each step, and back again."""

from __future__ import annotations

import argparse
import sys

from simulator_app.cli._common import CliError

COMMAND = "funnel"
HELP = "show the funnel a scenario implies, or set drop-offs to reach target shares"
EPILOG = """\
The shares come from the scenario alone (journey weights, continue, repeat
and returning visitors); nothing is sent. Orders, revenue and average order
value are estimated by planning 5,000 visitors without sending them.

With --target, the continue probabilities before each target step are
scaled (keeping the journeys' shape) until the expected funnel shows the
shares asked for; --write saves them into the scenario file, keeping its
comments.

examples:
  nitrox-sim funnel scenarios/demo_mix.yaml            share of visitors reaching each step
  nitrox-sim funnel scenarios/buyer.yaml --steps       and every journey's steps, one by one
  nitrox-sim funnel scenarios/demo_mix.yaml --target buy=3%   drop-offs that make 3% buy
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    parser.add_argument("--steps", action="store_true", help="also list every journey's steps")
    parser.add_argument(
        "--target",
        metavar="STEP=SHARE",
        action="append",
        default=[],
        help="a share the funnel should show, e.g. buy=3%% or checkout=0.1 (repeatable)",
    )
    parser.add_argument(
        "--write", action="store_true", help="with --target: save the new drop-offs in SCENARIO"
    )


def _money(value: float) -> str:
    return f"{value:,.2f}"


def run(args: argparse.Namespace) -> int:
    from simulator_app.core.atomic import write_atomically
    from simulator_app.core.funnel import expected_funnel, expected_orders
    from simulator_app.core.scenario_file import (
        ScenarioError,
        check_document,
        dump_document,
        load_scenario,
        parse_document,
        read_text,
    )
    from simulator_app.core.targets import TargetError, parse_target, solve

    if args.write and not args.target:
        raise CliError("--write needs at least one --target STEP=SHARE")
    try:
        targets = dict(parse_target(t) for t in args.target)
    except ValueError as exc:
        raise CliError(f"--target {exc}") from None
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        raise CliError(str(exc.problems[0])) from None
    if targets:
        try:
            scenario, changes = solve(scenario, targets)
        except TargetError as exc:
            raise CliError(str(exc)) from None
        print(
            f"{scenario.name}: drop-offs for {', '.join(f'{k}={v:.1%}' for k, v in targets.items())}"
        )
        for change in changes:
            journey = scenario.journeys[change.journey]
            step = journey.steps[change.step]
            print(
                f"  {journey.name} step {change.step + 1} ({step.type}): "
                f"continue {change.before:g} -> {change.after:g}"
            )
        if args.write:
            document = parse_document(read_text(args.scenario), args.scenario)
            for change in changes:
                step_doc = document["journeys"][change.journey]["steps"][change.step]
                if change.after == 1.0:
                    step_doc.pop("continue", None)
                else:
                    step_doc["continue"] = change.after
            _, problems = check_document(document, args.scenario)
            if problems:  # cannot happen for probabilities in 0..1; refuse rather than corrupt
                raise CliError(str(problems[0]))
            try:
                write_atomically(args.scenario, dump_document(document))
            except OSError as exc:
                raise CliError(f"{args.scenario}: cannot write: {exc.strerror}") from None
            print(f"written to {args.scenario}")
        print()
    funnel = expected_funnel(scenario)
    print(f"{scenario.name}: expected share of visitors reaching each step")
    for step_type, share in funnel.ordered():
        bar = "#" * round(share * 40)
        print(f"  {step_type:<15} {share * 100:6.1f}%  {bar}")
    if args.steps:
        for reach in funnel.steps:
            print(
                f"  {reach.journey:<20} {reach.index + 1:>2}. {reach.type:<15} {reach.reach * 100:6.1f}%"
            )
    orders = expected_orders(scenario)
    visitors = scenario.schedule.visitors
    count, revenue = orders.for_visitors(visitors)
    print(
        f"orders: {orders.orders_per_visitor:.1%} of visitors, {count:,.1f} of {visitors:,}; "
        f"revenue {_money(revenue)}; average order {_money(orders.average_order_value)} "
        f"({orders.lines_per_order:.1f} lines)"
    )
    print(
        f"(orders estimated from {orders.visitors:,} visitors planned, none sent)", file=sys.stderr
    )
    return 0
