"""``run --summary-json FILE`` and ``run --junit FILE``: the summary's figures as files."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from simulator_app.core.atomic import write_atomically
from simulator_app.core.junit import junit_xml


def write_summary_files(
    summary: dict[str, Any], json_path: str | None, junit_path: str | None
) -> bool:
    """Write the files asked for, each said in one line; True when one could not be written."""
    failed = False
    outputs: tuple[tuple[str | None, str, str, Callable[[], str]], ...] = (
        (json_path, "--summary-json", "summary", lambda: json.dumps(summary, indent=2) + "\n"),
        (junit_path, "--junit", "junit", lambda: junit_xml(summary)),
    )
    for path, option, label, text in outputs:
        if not path:
            continue
        try:
            write_atomically(path, text())
        except OSError as exc:
            failed = True
            print(
                f"nitrox-sim run: error: {option}: writing {path} failed: {exc.strerror or exc}",
                file=sys.stderr,
            )
        else:
            print(f"{label}: {path}")
    return failed
