"""``nitrox-sim validate``: check scenario files, every problem as file:line: field: message."""

from __future__ import annotations

import argparse
import sys

COMMAND = "validate"
HELP = "check scenario files; print every problem as file:line: field: message"
EPILOG = """\
Exit status is 0 when every file is valid, 1 when any is not. A valid setup
that makes the receiver judge requests bad (a fixed nitro_id with a random
roaming_id, ...) is printed as file:line: warning: field: message [CODE] and
leaves the exit status 0.

examples:
  nitrox-sim validate scenarios/*.yaml                  every bundled scenario
  nitrox-sim validate -q my_scenario.yaml && echo ok    problems only, for scripts and CI
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML files")
    parser.add_argument("-q", "--quiet", action="store_true", help="print problems only")


def run(args: argparse.Namespace) -> int:
    from simulator_app.core.scenario_file import ScenarioError, load_scenario
    from simulator_app.core.setup_warnings import warning_lines

    bad = 0
    for file in args.files:
        try:
            scenario = load_scenario(file)
        except ScenarioError as exc:
            bad += 1
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            continue
        if not args.quiet:
            journeys = ", ".join(j.name for j in scenario.journeys)
            print(f"{file}: ok ({scenario.name}: {journeys})")
        for line in warning_lines(scenario, file):
            print(line, file=sys.stderr)
    return 1 if bad else 0
