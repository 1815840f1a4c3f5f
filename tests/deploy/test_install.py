"""What each machine installs: `pip install .` has no Qt; the desktop app is the gui extra.

A Locust worker or a collector box runs without PySide6; these tests make it
unimportable in a subprocess (tests/locust/without_modules.py), as on such a
machine, and run what that machine runs.
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from simulator_app.collector import EmbeddedCollector
from simulator_app.core.scenario_file import load_scenario
from simulator_app.exporter.locustfile import ExportSettings, export_locustfile
from tests.exporter.locust_helpers import stats_of
from tests.locust.without_modules import command

ROOT = Path(__file__).resolve().parents[2]
NO_QT = ("PySide6", "shiboken6")


def _project() -> dict[str, object]:
    return dict(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"])


def _names(requirements: object) -> set[str]:
    assert isinstance(requirements, list)
    return {re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0].lower() for r in requirements}


def test_the_base_install_has_no_qt_and_the_gui_extra_brings_it() -> None:
    project = _project()
    extras = project["optional-dependencies"]
    assert isinstance(extras, dict)
    assert not {n for n in _names(project["dependencies"]) if n.startswith("pyside")}
    assert {"locust", "faker", "geventhttpclient"} <= _names(project["dependencies"])
    assert _names(extras["gui"]) == {"pyside6-essentials", "pyqtgraph"}  # Qt and its charts
    # CI installs '.[test]' alone: it must bring the app's Qt too
    assert "pyside6-essentials" in _names(extras["test"])
    assert "'.[test]'" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_installed_metadata_says_the_same() -> None:
    """What pip installed from: PySide6 only under an extra (reinstall after editing pyproject)."""
    requires = importlib.metadata.requires("nitrox-traffic-simulator") or []
    qt = [r for r in requires if r.lower().startswith("pyside6")]
    assert qt and all("extra ==" in r for r in qt), requires


def test_the_docs_name_the_faker_release_the_project_pins() -> None:
    (faker,) = [r for r in _project()["dependencies"] if r.lower().startswith("faker")]  # type: ignore[attr-defined]
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    named = {m for p in pages for m in re.findall(r"faker==[\d.]+", p.read_text(encoding="utf-8"))}
    assert named == {faker.lower()}, "a bundle's workers need the same Faker release"


def test_the_readme_set_up_commands_install_what_they_run() -> None:
    block = (ROOT / "README.md").read_text(encoding="utf-8").split("```")[1]
    app, tests = [line for line in block.splitlines() if line.startswith("python3")]
    assert "pip install -e '.[gui]'" in app and app.endswith("nitrox-sim gui")
    assert "pip install -e '.[test]'" in tests
    assert tests.endswith("QT_QPA_PLATFORM=offscreen .venv/bin/python tests/check.py")


def test_the_app_without_pyside6_says_what_to_install() -> None:
    done = subprocess.run(
        command(NO_QT, "nitrox-sim", "gui"), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr == (
        "nitrox-sim gui: error: the desktop app needs PySide6, which is not installed:"
        " run pip install '.[gui]' in the project folder (or pip install PySide6-Essentials)\n"
    )


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_an_exported_file_runs_headless_without_pyside6(tmp_path: Path) -> None:
    file = tmp_path / "demo.py"
    scenario = load_scenario(ROOT / "scenarios" / "demo_mix.yaml")
    file.write_text(export_locustfile(scenario, ExportSettings(think_scale=0.0)), encoding="utf-8")
    with EmbeddedCollector() as collector:
        done = subprocess.run(
            command(
                NO_QT,
                "locust",
                *("-f", str(file), "AllJourneys", "--headless", "--json", "--only-summary"),
                *("--host", collector.url, "-u", "1", "-r", "1", "-t", "30s"),
                *("--visitors", "10", "--stop-timeout", "2", "--loglevel", "WARNING"),
            ),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        summary = collector.summary()
    assert done.returncode == 0, done.stderr
    assert stats_of(done) == {"requests": summary["total"], "failures": 0}
    assert summary["total"] > 0 and summary["bad"] == 0
