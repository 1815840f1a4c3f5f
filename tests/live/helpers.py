"""Pieces the live tests share: a scenario with a daily curve, a real collector, the CLI."""

from __future__ import annotations

import base64
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from tests.conftest import ROOT, SCENARIOS

# Local hours 0-5 nobody shops; then 1, 2, 3 (weights) in each six hours.
CURVE = [0.0] * 6 + [1.0] * 6 + [2.0] * 6 + [3.0] * 6


def curve_scenario(folder: Path, curve: list[float] | None = None) -> Path:
    """demo_mix with India and the US half each, arriving by a daily curve."""
    text = (SCENARIOS / "demo_mix.yaml").read_text(encoding="utf-8")
    text = text.replace("locales: [en_IN, hi_IN, en_US, en_GB]", "locales: [en_IN, en_US]")
    text = text.replace("countries: {IN: 60, US: 25, GB: 15}", "countries: {IN: 50, US: 50}")
    text = text.replace(
        "  pattern: poisson\n",
        f"  pattern: daily\n  curve: {json.dumps(curve or CURVE)}\n",
    )
    assert "pattern: daily" in text and "IN: 50" in text
    path = folder / "curve.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def nitrox_sim(*args: str) -> list[str]:
    return [sys.executable, "-m", "simulator_app", *args]


def start_collector(db: Path) -> tuple[subprocess.Popen[str], str]:
    """``nitrox-sim collector --db`` on loopback, a free port; its URL."""
    proc = subprocess.Popen(
        nitrox_sim("collector", "--port", "0", "--db", str(db)),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+", line)
    if not found:
        proc.kill()
        raise AssertionError(f"collector did not start: {line!r} {proc.communicate()}")
    return proc, found.group(0)


def events(db: Path) -> list[dict[str, Any]]:
    """Every stored request: time, type, path, body, and its ids from the path."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT time, type, path, body FROM events ORDER BY id"
        ).fetchall()
    out = []
    for time, kind, path, body in rows:
        parts = [unquote(p) for p in path.split("?")[0].split("/")]
        row: dict[str, Any] = {"time": time, "type": kind, "path": path, "body": body}
        if parts[2] == "identify":
            row["roaming"], row["nitro"] = parts[4], parts[5]
            payload = parts[6]
            payload += "=" * (-len(payload) % 4)
            row["payload"] = json.loads(
                base64.b64decode(payload.replace("-", "+").replace("_", "/"))
            )
        else:
            row["roaming"], row["nitro"] = parts[3], parts[4]
        out.append(row)
    return out
