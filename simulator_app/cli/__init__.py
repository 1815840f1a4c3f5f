"""``nitrox-sim``: the headless command line.

Each subcommand lives in its own module of this package and exposes
``COMMAND`` (its name), ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int``. Modules keep heavy imports inside ``run`` so that
``--help`` stays instant and no command drags in another's dependencies
(the GUI must never import locust).
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

from simulator_app.cli._common import CliError
from simulator_app.cli._terminal import TerminalStream
from simulator_app.interrupts import Interrupts

_ORDER = (
    "run",
    "live",
    "validate",
    "funnel",
    "import-har",
    "collector",
    "gui",
    "export-locust",
    "bench",
    "schema",
)

EPILOG = """\
examples:
  nitrox-sim run scenarios/demo_mix.yaml            send a demo mix to the embedded collector
  nitrox-sim run scenarios/buyer.yaml --visitors 20 --concurrency 5 --log run.jsonl
  nitrox-sim validate scenarios/*.yaml              check scenario files, file:line: field: message
  nitrox-sim funnel scenarios/demo_mix.yaml         the conversion funnel a scenario implies
  nitrox-sim collector --port 8787                  a local Nitrox receiver that checks every request
  nitrox-sim gui                                    the desktop app
  nitrox-sim export-locust scenarios/demo_mix.yaml -o loadtests/demo_mix.py

Traffic goes to the embedded collector on 127.0.0.1 unless you pass --target.
"""


def _commands() -> list[ModuleType]:
    import simulator_app.cli as package

    found = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if hasattr(module, "COMMAND"):
            found.append(module)

    def order(module: ModuleType) -> tuple[int, str]:
        name = str(module.COMMAND)
        return (_ORDER.index(name) if name in _ORDER else len(_ORDER), name)

    return sorted(found, key=order)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: where and what, then how to see the options.

    argparse prints the whole usage before an error; for a mistyped value
    that buries the one line that matters. Subcommands inherit this class.
    """

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, one subparser per command module."""
    parser = _Parser(
        prog="nitrox-sim",
        description="Realistic shopper traffic for the Nitrox visitor-tracking API.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from simulator_app import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _commands():
        cmd = sub.add_parser(
            module.COMMAND,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", module.HELP),
            epilog=getattr(module, "EPILOG", None),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run, _notes_signals=getattr(module, "NOTES_SIGNALS", False))
    return parser


def main(argv: Sequence[str] | None = None, interrupts: Interrupts | None = None) -> int:
    """The ``nitrox-sim`` console script: signals are noted before any command is imported.

    Everything printed goes through :class:`TerminalStream`. Commands that
    say ``NOTES_SIGNALS = True`` (``run``) get the :class:`Interrupts` as
    ``args.interrupts`` and stop on them in their own time; the others get
    Ctrl-C back as KeyboardInterrupt once their options are read.
    """
    if interrupts is None:  # the console script, or a caller with no signals of its own
        interrupts = Interrupts().install()
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = TerminalStream(out), TerminalStream(err)
    try:
        return _dispatch(argv, interrupts)
    finally:
        interrupts.restore()
        sys.stdout, sys.stderr = out, err


def _dispatch(argv: Sequence[str] | None, interrupts: Interrupts) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if not getattr(args, "_notes_signals", False):
        interrupts.restore()
        if interrupts.first is not None:  # Ctrl-C while starting: nothing was done yet
            print(f"nitrox-sim {args.command}: interrupted", file=sys.stderr)
            return 128 + (interrupts.first or 2)
    args.interrupts = interrupts
    try:
        return int(args._run(args))
    except CliError as exc:
        print(f"nitrox-sim {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"nitrox-sim {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line, the traceback on request
        if os.environ.get("NITROX_DEBUG"):
            raise
        print(
            f"nitrox-sim {args.command}: internal error: {type(exc).__name__}: {exc} "
            "(a bug; NITROX_DEBUG=1 shows where)",
            file=sys.stderr,
        )
        return 70


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
