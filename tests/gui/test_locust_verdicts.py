"""The Locust tab shows the collector's verdicts per request name beside Locust's own figures."""

from __future__ import annotations

from pathlib import Path

from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from simulator_app.exporter.locust_stats import LocustRow
from simulator_app.gui.locust_panel import LocustPanel, collector_verdicts
from simulator_app.gui.locust_stats_model import LocustStatsModel


def _row(name: str, requests: int, failures: int = 0) -> LocustRow:
    return LocustRow("POST", name, requests, failures, 1.0, 2.0, 1.5, 10.0, 3.0)


def test_the_collector_columns_show_its_verdicts(qtmodeltester: ModelTester) -> None:
    model = LocustStatsModel()
    model.set_rows([_row("event/view", 10), _row("identify", 4), _row("Aggregated", 14)])
    good, bad = model.COLUMNS.index("Collector good"), model.COLUMNS.index("Collector bad")
    assert model.index(0, bad).data() == "—"  # before any verdicts: the target does not judge
    before = {"by_type": {"view": 5}, "bad_by_type": {"view": 1}}
    after = {"by_type": {"view": 15, "identify": 4}, "bad_by_type": {"view": 4}}
    verdicts = collector_verdicts(before, after)
    assert verdicts == {"event/view": (7, 3), "identify": (4, 0)}
    model.set_verdicts(verdicts)
    assert [model.index(r, bad).data() for r in range(3)] == ["3", "0", "3"]
    assert [model.index(r, good).data() for r in range(3)] == ["7", "4", "11"]
    qtmodeltester.check(model)


def test_the_panel_says_the_collectors_verdicts(qtbot: QtBot, tmp_path: Path) -> None:
    panel = LocustPanel()
    qtbot.addWidget(panel)
    panel.stats_model.set_rows([_row("event/view", 10), _row("Aggregated", 10)])
    before = {"by_type": {"view": 5}, "bad_by_type": {"view": 1}}
    panel.set_collector_summary(before)
    assert panel.collector_line() == ""  # no run began: nothing to compare with
    panel._collector_before, panel._run_dir = before, tmp_path  # as start_run leaves them
    panel.set_collector_summary({"by_type": {"view": 15}, "bad_by_type": {"view": 4}})
    assert panel.collector_line() == " · the collector judged 7 good, 3 bad"
    panel.set_collector_summary(None)  # Locust no longer sends to the collector
    assert panel.collector_line() == ""
