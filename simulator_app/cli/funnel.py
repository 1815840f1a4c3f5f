"""``nitrox-sim funnel``: the share of visitors a scenario sends to each step."""

from __future__ import annotations

import argparse

from simulator_app.cli._common import CliError

COMMAND = "funnel"
HELP = "show the funnel a scenario implies (share of visitors reaching each step)"
EPILOG = """\
The shares come from the scenario alone (journey weights, continue and
repeat); nothing is sent.

examples:
  nitrox-sim funnel scenarios/demo_mix.yaml            share of visitors reaching each step type
  nitrox-sim funnel scenarios/buyer.yaml --steps       and every journey's steps, one by one
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    parser.add_argument("--steps", action="store_true", help="also list every journey's steps")


def run(args: argparse.Namespace) -> int:
    from simulator_app.core.funnel import expected_funnel
    from simulator_app.core.scenario_file import ScenarioError, load_scenario

    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        raise CliError(str(exc.problems[0])) from None
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
    return 0
