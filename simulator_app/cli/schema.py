"""``nitrox-sim schema``: print the JSON Schema of scenario files."""

from __future__ import annotations

import argparse
import sys

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
    from simulator_app.cli._common import CliError
    from simulator_app.cli._outputs import check_output
    from simulator_app.core.atomic import write_atomically
    from simulator_app.core.schema import schema_json

    if args.output:
        check_output("-o", args.output)
        try:
            write_atomically(args.output, schema_json())
        except OSError as exc:
            raise CliError(f"-o: cannot write {args.output}: {exc.strerror}", exit_code=1) from None
    else:
        sys.stdout.write(schema_json())
    return 0
