"""``nitrox-sim schema``: print the JSON Schema of scenario files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

COMMAND = "schema"
HELP = "print (or write) the JSON Schema of scenario files, for editors"
EPILOG = """\
examples:
  nitrox-sim schema                                     print the schema
  nitrox-sim schema -o scenarios/scenario.schema.json   refresh the file editors read
    (scenario files name it on their first line: # yaml-language-server: $schema=...)
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")


def run(args: argparse.Namespace) -> int:
    from simulator_app.core.schema import schema_json

    if args.output:
        Path(args.output).write_text(schema_json(), encoding="utf-8")
    else:
        sys.stdout.write(schema_json())
    return 0
