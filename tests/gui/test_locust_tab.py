"""The Locust tab: formatted figures with p99, the Aggregated row pinned, a monospace console,
reports in the folder the user chooses, and a locust.conf aimed at the target the panel shows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from simulator_app.collector import EmbeddedCollector
from simulator_app.core.scenario_file import load_scenario
from simulator_app.exporter.locust_stats import LocustRow, read_stats_csv
from simulator_app.gui.locust_panel import LocustPanel

from .conftest import DEMO


@pytest.fixture
def panel(qtbot: QtBot) -> Iterator[LocustPanel]:
    widget = LocustPanel()
    qtbot.addWidget(widget)
    yield widget
    widget.shutdown()


def _row(name: str, requests: int, average: float) -> LocustRow:
    return LocustRow("POST", name, requests, 1, 12.0, 40.0, average, 0.8557050000490563, 95.0)


def _column(panel: LocustPanel, title: str) -> int:
    return panel.stats_model.COLUMNS.index(title)


def test_figures_are_formatted_and_the_total_stays_last(
    panel: LocustPanel, qtmodeltester: object
) -> None:
    rows = [_row("event/view", 12_345, 3.14159), _row("identify", 7, 250.0)]
    total = LocustRow("", "Aggregated", 12_352, 2, 12.0, 45.0, 3.3, 1.71, 240.0)
    panel.stats_model.set_rows([*rows, total])
    qtmodeltester.check(panel.stats_model)  # type: ignore[attr-defined]
    view = panel.stats_proxy

    def shown(row: int, title: str) -> str:
        return str(view.index(row, _column(panel, title)).data())

    names = [shown(r, "Name") for r in range(view.rowCount())]
    assert names == ["event/view", "identify", "Aggregated"]
    assert shown(0, "Requests") == "12,345" and shown(0, "req/s") == "0.9"
    assert shown(0, "Average ms") == "3.1" and shown(0, "99% ms") == "95"
    # Sorted either way, the Aggregated row stays at the bottom, in bold.
    for order in (Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder):
        panel.stats_view.sortByColumn(_column(panel, "Requests"), order)
        assert shown(view.rowCount() - 1, "Name") == "Aggregated"
    assert shown(0, "Name") == "identify"  # ascending by count: 7 before 12,345
    last = view.index(view.rowCount() - 1, 0)
    assert last.data(Qt.ItemDataRole.FontRole).bold()
    assert view.index(0, 0).data(Qt.ItemDataRole.FontRole) is None
    # Locust's tables line up: narrow and wide letters take the same width in the console
    metrics = panel.console.fontMetrics()
    assert metrics.horizontalAdvance("iiiiiiii") == metrics.horizontalAdvance("WWWWWWWW")


def test_p99_is_read_from_locusts_csv(tmp_path: Path) -> None:
    csv = tmp_path / "stats_stats.csv"
    csv.write_text(
        "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
        "Requests/s,95%,99%\nPOST,event/view,10,0,5,6.5,2.0,20,31\n",
        encoding="utf-8",
    )
    (row,) = read_stats_csv(csv)
    assert (row.p95_ms, row.p99_ms) == (20.0, 31.0)


def test_the_exported_conf_points_at_the_target_shown(panel: LocustPanel, tmp_path: Path) -> None:
    panel.set_scenario(load_scenario(DEMO), str(DEMO))
    panel.set_target("http://127.0.0.1:42079/")  # the embedded collector's actual port
    assert panel.target_label.text() == "http://127.0.0.1:42079"
    assert panel.export_to(str(tmp_path / "mix.py"))
    conf = (tmp_path / "locust.conf").read_text(encoding="utf-8")
    assert "host = http://127.0.0.1:42079\n" in conf
    assert "8787" not in conf


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_reports_go_where_the_user_chose(
    panel: LocustPanel, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = tmp_path / "reports"
    chosen.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_a: str(chosen))
    panel.choose_reports.click()
    assert panel.reports_dir == chosen and str(chosen) in panel.reports_label.full_text()
    with EmbeddedCollector() as collector:
        panel.set_scenario(load_scenario(DEMO), str(DEMO))
        panel.set_target(collector.url)
        panel.users.setValue(2)
        panel.spawn_rate.setValue(2)
        panel.duration.setValue(2)
        panel.think_scale.setValue(0.05)
        assert panel.start_run()
        with qtbot.waitSignal(panel.runFinished, timeout=60_000) as finished:
            pass
    assert finished.args == [0]
    run_dir = panel.run_dir
    assert run_dir is not None and run_dir.parent == chosen
    assert (run_dir / "report.html").exists() and (run_dir / "stats_stats.csv").exists()
    assert str(run_dir) in panel.reports.text()
