"""``nitrox-sim import-har``: a browser recording (HAR) of a storefront made into a scenario."""

from __future__ import annotations

import argparse
import sys

from simulator_app.cli._common import CliError
from simulator_app.cli._har import import_har_file, judged_lines, scenario_text

COMMAND = "import-har"
HELP = "make a scenario of a browser recording (HAR) of a storefront running the Nitrox tracker"
DESCRIPTION = """\
Read a HAR 1.2 file saved from Chrome's or Firefox's developer tools
(Network tab: "Save all as HAR" / "Save All As HAR") and write a scenario
with one journey per recorded visitor, its steps and think times as
recorded, and the catalog, pages and tracker settings the events show.
Only Nitrox requests are read (identify and the seven events, on any host
and base path). The recorded requests are judged as the embedded collector
would judge them; its messages are printed. The visitors' identities are
replaced by generated ones.
"""
EPILOG = """\
Exit status: 0 when imported and every recorded request keeps the contract,
1 when imported and the collector judged some recorded request bad, 2 when
nothing could be imported.

examples:
  nitrox-sim import-har session.har -o scenarios/session.yaml
  nitrox-sim import-har session.har                  summary only, nothing written
  nitrox-sim run scenarios/session.yaml --exact      each journey once, as recorded
  nitrox-sim run --replay session.har                the recorded requests again
"""

MAX_SHOWN = 20  # lines of each kind (unreadable entries, collector messages, notes)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("har", metavar="FILE.har", help="HAR file saved by the browser")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the scenario here (YAML)")
    parser.add_argument("--name", help="the scenario's name (default: the file's name)")
    parser.add_argument(
        "--keep-identities",
        action="store_true",
        help="write the recorded roaming_id and nitro_id (a one-visitor recording) instead of"
        " generated ones",
    )


def _shown(lines: list[str], what: str, total: int | None = None) -> list[str]:
    total = len(lines) if total is None else total
    if total <= MAX_SHOWN:
        return lines
    return [*lines[:MAX_SHOWN], f"... and {total - MAX_SHOWN:,} more {what}"]


def run(args: argparse.Namespace) -> int:
    from simulator_app.cli._outputs import refuse_bad_outputs
    from simulator_app.core.atomic import write_atomically
    from simulator_app.core.recording.importer import summary_lines

    refuse_bad_outputs([("-o", args.output)], [("the recording", args.har)])
    recording, imported, verdicts = import_har_file(args.har, args.name, args.keep_identities)
    for line in summary_lines(recording, imported):
        print(line)
    bad = sum(v.verdict == "bad" for v in verdicts)
    warned = sum(v.verdict == "warn" for v in verdicts)
    print(
        f"collector: {len(verdicts) - bad - warned} good, {warned} warned, {bad} bad"
        " (the recorded requests, judged as the embedded collector judges them)"
    )
    for line in _shown(judged_lines(verdicts), "messages"):
        print(f"  {line}")
    for line in _shown(recording.problems, "unreadable entries", recording.problem_count):
        print(f"{args.har}: {line}", file=sys.stderr)
    for line in _shown(imported.notes, "notes"):
        print(f"note: {line}", file=sys.stderr)
    for line in imported.warnings:
        print(f"warning: {line}", file=sys.stderr)
    if args.output:
        text = scenario_text(imported.scenario, args.har)
        try:
            write_atomically(args.output, text)
        except OSError as exc:
            raise CliError(f"{args.output}: cannot write: {exc.strerror}") from None
        ids = "recorded" if imported.scenario.ids.nitro_id != "random" else "generated"
        print(f"written to {args.output} (visitors' IDs {ids})")
    else:
        print("nothing written (give -o FILE to write the scenario)")
    return 1 if bad else 0
