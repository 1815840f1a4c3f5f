"""Rules the core keeps: it imports no Qt, locust, gevent or httpx; the schema file is current."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from simulator_app.cli import main
from simulator_app.core.scenario_file import load_scenario
from simulator_app.core.schema import SCHEMA, schema_json
from tests.factory import BUNDLED

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
FORBIDDEN = ("PySide6", "locust", "gevent", "httpx")

IMPORT_ALL = f"""
import importlib, pkgutil, sys
import simulator_app.core as core
names = [m.name for m in pkgutil.walk_packages(core.__path__, core.__name__ + ".")]
for name in names:
    importlib.import_module(name)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {FORBIDDEN!r})
print(len(names), *loaded)
"""


def test_the_core_imports_no_qt_locust_gevent_or_httpx() -> None:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    count, *loaded = done.stdout.split()
    assert int(count) >= 13  # every module of the core was imported
    assert loaded == []


def test_schema_file_is_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    printed = capsys.readouterr().out
    assert printed == schema_json()
    assert printed == (SCENARIOS / "scenario.schema.json").read_text(encoding="utf-8"), (
        "scenarios/scenario.schema.json is stale: run nitrox-sim schema -o scenarios/scenario.schema.json"
    )
    assert json.loads(printed) == SCHEMA


def test_schema_command_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    assert main(["schema", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == schema_json()


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_every_bundled_scenario_validates(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = load_scenario(path)
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out == (
        f"{path}: ok ({scenario.name}: {', '.join(j.name for j in scenario.journeys)})\n"
    )
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=scenario.schema.json"


def test_the_bundled_set_has_a_browser_a_buyer_a_cart_abandoner_and_a_mix() -> None:
    assert all(path.exists() for path in BUNDLED)
    mix = load_scenario(SCENARIOS / "demo_mix.yaml")
    assert len(mix.journeys) >= 3
