"""The desktop app's Locust panel: export, a short headless run against the collector, Stop.

Locust runs as a subprocess of the panel (QProcess); this test process never
imports it. Every run is bounded and the tests wait for the process to end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from simulator_app.collector import EmbeddedCollector
from simulator_app.core.scenario_file import load_scenario
from simulator_app.exporter.locust_stats import read_stats_json
from simulator_app.exporter.locustfile import ExportSettings, export_locustfile
from simulator_app.gui.locust_panel import LocustPanel

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "demo_mix.yaml"


@pytest.fixture
def panel(qtbot: object) -> Iterator[LocustPanel]:
    widget = LocustPanel()
    qtbot.addWidget(widget)  # type: ignore[attr-defined]
    yield widget
    widget.shutdown()
    assert not widget.is_running()


def test_nothing_to_run_without_a_scenario(panel: LocustPanel) -> None:
    assert not panel.run_button.isEnabled()
    assert not panel.export_button.isEnabled()
    assert not panel.start_run()
    panel.set_scenario(load_scenario(DEMO), str(DEMO))
    assert panel.run_button.isEnabled() and panel.export_button.isEnabled()
    assert not panel.stop_button.isEnabled()
    assert "Demo mix (demo_mix.yaml)" in panel.scenario_label.text()


def test_export_writes_the_file_and_conf(panel: LocustPanel, tmp_path: Path) -> None:
    scenario = load_scenario(DEMO)
    panel.set_scenario(scenario, str(DEMO))
    panel.think_scale.setValue(0.5)
    panel.users.setValue(7)
    panel.duration.setValue(90)
    assert panel.export_to(str(tmp_path / "mix"))
    written = (tmp_path / "mix.py").read_text(encoding="utf-8")
    assert written == export_locustfile(scenario, ExportSettings(think_scale=0.5))
    conf = (tmp_path / "locust.conf").read_text(encoding="utf-8")
    assert "users = 7\n" in conf and "run-time = 90s\n" in conf
    assert "Wrote" in panel.status.text()


def test_locust_runs_on_this_very_simulator_app(tmp_path: Path) -> None:
    """The exported file imports simulator_app.locust: the subprocess finds the app's own copy
    first, even when the app runs from a source folder that is not installed."""
    import subprocess
    import sys

    import simulator_app
    from simulator_app.gui.locust_panel import locust_environment

    env = locust_environment(os.pathsep.join(["/elsewhere", ""]))
    root = str(Path(simulator_app.__file__).resolve().parent.parent)
    assert env["PYTHONPATH"].split(os.pathsep) == [root, "/elsewhere"]
    done = subprocess.run(
        # -S: no site-packages, so no installed copy: only PYTHONPATH can find it
        [sys.executable, "-S", "-c", "import simulator_app; print(simulator_app.__file__)"],
        cwd=tmp_path,  # the run folder: no simulator_app beside it
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert Path(done.stdout.strip()).resolve() == Path(simulator_app.__file__).resolve()


def test_a_remote_target_needs_a_yes(panel: LocustPanel, tmp_path: Path) -> None:
    asked: list[str] = []

    def decline(question: str) -> bool:
        asked.append(question)
        return False

    panel.confirm = decline
    panel.set_scenario(load_scenario(DEMO), str(DEMO))
    panel.set_target("https://collector.example.invalid")  # never resolves, if the refusal broke
    assert not panel.start_run()
    assert len(asked) == 1 and "https://collector.example.invalid" in asked[0]
    assert "not confirmed" in panel.status.text()
    assert not panel.is_running()
    # What a Yes would run (not run here: tests send to this machine only).
    remote = panel._locust_arguments(tmp_path / "locustfile.py", tmp_path)
    assert "--allow-remote" in remote
    panel.set_target("http://127.0.0.1:8787")
    assert panel._run_problem() is None  # this machine: nothing to ask
    assert len(asked) == 1
    local = panel._locust_arguments(tmp_path / "locustfile.py", tmp_path)
    assert "--allow-remote" not in local


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_a_run_shows_live_stats_and_its_reports(
    panel: LocustPanel, qtbot: object, qtmodeltester: object
) -> None:
    with EmbeddedCollector() as collector:
        panel.set_scenario(load_scenario(DEMO), str(DEMO))
        panel.set_target(collector.url)
        panel.users.setValue(3)
        panel.spawn_rate.setValue(3)
        panel.duration.setValue(
            10
        )  # long enough that stats arrive before the end, even on a busy machine
        panel.think_scale.setValue(0.05)
        with qtbot.waitSignal(panel.runningChanged, timeout=30_000):  # type: ignore[attr-defined]
            assert panel.start_run()
        assert panel.stop_button.isEnabled() and not panel.run_button.isEnabled()
        # live: the table fills while Locust still runs
        qtbot.waitUntil(  # type: ignore[attr-defined]
            lambda: (t := panel.stats_model.total()) is not None and t.requests > 0, timeout=60_000
        )
        assert panel.is_running()
        with qtbot.waitSignal(panel.runFinished, timeout=30000) as finished:  # type: ignore[attr-defined]
            pass
        assert finished.args == [0]
        summary = collector.summary()
    qtmodeltester.check(panel.stats_model)  # type: ignore[attr-defined]
    total = panel.stats_model.total()
    assert total is not None and total.failures == 0
    assert total.requests == summary["total"] > 0 and summary["bad"] == 0
    assert {r.name for r in panel.stats_model.rows} >= {"event/view", "Aggregated"}
    run_dir = panel.run_dir
    assert run_dir is not None and (run_dir / "report.html").exists()
    assert read_stats_json(run_dir / "final.json")[-1].requests == total.requests
    assert (run_dir / "stats_stats.csv").exists()
    assert "HTML report" in panel.reports.text() and "CSV stats" in panel.reports.text()
    assert "finished (exit code 0)" in panel.status.text()
    assert panel.console.toPlainText()
    assert panel.run_button.isEnabled() and not panel.stop_button.isEnabled()


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_stop_ends_a_long_run_cleanly(panel: LocustPanel, qtbot: object) -> None:
    with EmbeddedCollector() as collector:
        panel.set_scenario(load_scenario(DEMO), str(DEMO))
        panel.set_target(collector.url)
        panel.users.setValue(2)
        panel.duration.setValue(600)
        panel.think_scale.setValue(0.05)
        assert panel.start_run()
        qtbot.waitUntil(  # type: ignore[attr-defined]
            lambda: (t := panel.stats_model.total()) is not None and t.requests > 0, timeout=60_000
        )
        with qtbot.waitSignal(panel.runFinished, timeout=20000):  # type: ignore[attr-defined]
            panel.stop_button.click()
        assert not panel.is_running()
        assert "stopped" in panel.status.text()
        run_dir = panel.run_dir
        assert run_dir is not None and (run_dir / "report.html").exists()
        assert collector.summary()["bad"] == 0


def test_stats_files_that_are_missing_or_half_written_read_as_empty(tmp_path: Path) -> None:
    from simulator_app.exporter.locust_stats import read_stats_csv

    assert read_stats_csv(tmp_path / "nope.csv") == []
    half = tmp_path / "half.csv"
    half.write_text("Type,Name,Request Count,Failure Count\nPOST,event/view,1", encoding="utf-8")
    assert read_stats_csv(half) == []
    assert read_stats_json(tmp_path / "nope.json") == []
    (tmp_path / "bad.json").write_text("[{", encoding="utf-8")
    assert read_stats_json(tmp_path / "bad.json") == []
