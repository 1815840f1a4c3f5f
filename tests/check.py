"""Every check the project runs, in one command: lint, format, types, import rules, tests.

Run it as ``.venv/bin/python tests/check.py`` (README, .ci/run). Extra
arguments go to pytest, e.g. ``tests/check.py -k collector``. The tests run on
every core (pytest-xdist ``-n auto --dist loadfile``: a module's tests run in one
worker, in order, as modules that share a module-scoped app expect); ``-n 0`` runs
them in this process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main() -> int:
    checks = [
        ("ruff lint", [str(BIN / "ruff"), "check", "simulator_app", "tests"]),
        ("ruff format", [str(BIN / "ruff"), "format", "--check", "simulator_app", "tests"]),
        ("mypy --strict", [str(BIN / "mypy")]),
        ("import rules", [str(BIN / "lint-imports")]),
    ]
    failed = []
    for label, cmd in checks:
        print(
            f"== {label}: {' '.join(Path(c).name if i == 0 else c for i, c in enumerate(cmd))}",
            flush=True,
        )
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            failed.append(label)
    print("== pytest", flush=True)
    given = sys.argv[1:]
    parallel = [] if any(a.startswith(("-n", "--numprocesses")) for a in given) else ["-n", "auto"]
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", *parallel, "--dist", "loadfile", *given], cwd=ROOT
    ).returncode
    if tests != 0:
        failed.append("pytest")
    if failed:
        print(f"checks failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
