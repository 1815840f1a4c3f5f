"""Run locust or nitrox-sim with some packages made unimportable, as on a machine without them.

``python tests/locust/without_modules.py PySide6,shiboken6 locust -f FILE ...``
runs Locust's main with those packages unimportable (``ModuleNotFoundError``,
as if never installed); ``... nitrox-sim gui`` runs the CLI the same way.
A worker that has only locust and Faker is this with simulator_app, Qt and
the project's other dependencies blocked. Tests run it as a subprocess.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

SCRIPT = str(Path(__file__).resolve())
# What a worker with `pip install locust faker` lacks of this project's dependencies.
PROJECT_ONLY = ("simulator_app", "PySide6", "shiboken6", "jsonschema", "ruamel", "httpx")


class Blocker(importlib.abc.MetaPathFinder):
    """Finds the blocked packages by raising ModuleNotFoundError, as if they were absent."""

    def __init__(self, blocked: set[str]) -> None:
        self.blocked = blocked

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.partition(".")[0] in self.blocked:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


def command(blocked: Sequence[str], program: str, *args: str) -> list[str]:
    """The command line that runs ``program`` (``locust`` or ``nitrox-sim``) without ``blocked``."""
    return [sys.executable, SCRIPT, ",".join(blocked), program, *args]


def main() -> None:
    blocked, program, *args = sys.argv[1:]
    sys.meta_path.insert(0, Blocker(set(blocked.split(","))))
    sys.argv = [program, *args]
    if program == "locust":
        from locust.main import main as locust_main

        locust_main()
    elif program == "nitrox-sim":
        from simulator_app.cli import main as cli_main

        sys.exit(cli_main(args))
    else:
        sys.exit(f"{program}: run locust or nitrox-sim")


if __name__ == "__main__":
    main()
