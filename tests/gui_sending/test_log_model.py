"""The request log's model and panel: batches, trimming, filters, details, cURL, exports."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from simulator_app.core.model import Scenario
from simulator_app.core.record import RequestRecord
from simulator_app.gui.sending.columns import LogFilter
from simulator_app.gui.sending.log_model import COLUMNS, LogModel
from simulator_app.gui.sending.log_panel import LogPanel
from simulator_app.gui.sending.store import LogStore
from tests.gui_sending.conftest import make_records


def test_batches_insert_once_and_trim_once(buyer: Scenario, qtmodeltester: ModelTester) -> None:
    model = LogModel(LogStore(capacity=100))
    qtmodeltester.check(model)
    inserts: list[tuple[int, int]] = []
    removes: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, a, b: inserts.append((a, b)))
    model.rowsRemoved.connect(lambda _p, a, b: removes.append((a, b)))
    records = make_records(buyer, range(20))
    model.ingest(records[:60])
    model.ingest(records[60:90])
    assert inserts == [(0, 59), (60, 89)] and removes == []
    model.ingest(records[90:130])  # 30 too many: the 30 oldest go in one removal
    assert removes == [(0, 29)]
    assert inserts[-1] == (60, 99)
    assert model.rowCount() == 100
    first = model.index(0, 1).data()
    assert first == str(records[30].visitor)
    last = model.index(99, 2).data()
    assert last == records[129].step
    qtmodeltester.check(model)


def test_cells_show_the_request(buyer: Scenario) -> None:
    model = LogModel(LogStore())
    records = make_records(buyer, range(1), fail_every=3)
    model.ingest(records)
    failed = next(i for i, r in enumerate(records) if not r.ok)
    cells = [model.index(failed, c).data() for c in range(model.columnCount())]
    record = records[failed]
    col = {name: n for n, name in enumerate(COLUMNS)}
    assert [cells[col[c]] for c in ("Visitor", "Step", "Method")] == [
        str(record.visitor),
        record.step,
        record.method,
    ]
    path = cells[col["Path"]]
    assert path.startswith("/jsv1/") and "_=" not in path
    assert cells[col["Status"]] == "500"
    assert cells[col["Verdict"]].startswith("failed · ")
    assert model.index(failed, 0).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert model.index(failed, 0).data(Qt.ItemDataRole.ToolTipRole) == "HTTP 500"
    # the Verdict comes before the long path, which is last: it is never scrolled away
    assert col["Verdict"] < col["Path"] == len(COLUMNS) - 1


def test_filter_view_follows_new_rows_and_trims(
    buyer: Scenario, qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    model = LogModel(LogStore(capacity=200))
    records = make_records(buyer, range(40), fail_every=4)
    model.ingest(records[:150])
    model.set_filter(LogFilter(result="failed"))
    qtmodeltester.check(model)
    qtbot.waitUntil(lambda: not model.scanning)
    assert model.rowCount() == sum(not r.ok for r in records[:150])
    model.ingest(records[150:300])  # 100 oldest rows trimmed, 150 new rows tested
    held = records[100:300]
    shown = [model.store.row(model.row_id(r)) for r in range(model.rowCount())]
    assert len(shown) == sum(not r.ok for r in held)
    assert all(row.failed for row in shown)
    model.set_filter(LogFilter())
    assert model.rowCount() == 200
    qtmodeltester.check(model)


def test_a_filter_scan_runs_in_slices(buyer: Scenario, qtbot: QtBot, monkeypatch: object) -> None:
    import simulator_app.gui.sending.log_model as log_model

    monkeypatch.setattr(log_model, "SCAN_SLICE", 50)  # type: ignore[attr-defined]
    model = LogModel(LogStore())
    records = make_records(buyer, range(60))
    model.ingest(records)
    progress: list[float] = []
    model.scan_progress.connect(progress.append)
    model.set_filter(LogFilter(steps=frozenset({"buy"})))
    assert model.rowCount() == 0 and model.scanning  # nothing scanned synchronously
    with qtbot.waitSignal(model.scan_progress, check_params_cb=lambda p: p == 1.0, timeout=30_000):
        pass
    assert len(progress) > 3 and progress[-1] == 1.0
    assert model.rowCount() == 60  # every buyer buys once


def test_panel_filters_details_curl_and_exports(
    buyer: Scenario, qtbot: QtBot, tmp_path: Path
) -> None:
    panel = LogPanel(LogStore(recent=50))
    qtbot.addWidget(panel)
    panel.model.store.begin_run(buyer)
    records = make_records(buyer, range(12), fail_every=9)
    panel.ingest(records)

    panel.step_box.setCurrentIndex(panel.step_box.findData("identify"))
    qtbot.waitUntil(lambda: not panel.model.scanning)
    assert panel.model.rowCount() == 12
    panel.visitor_edit.setText("5")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1)
    assert "1 of" in panel.status.text()
    panel.select_row(0)
    text = panel.details.text()
    assert "Identify payload (decoded)" in text
    assert '"source": "checkout form"' in text

    curl = panel.copy_curl()
    assert curl is not None and QGuiApplication.clipboard().text() == curl
    identify = next(r for r in records if r.visitor == 5 and r.step == "identify")
    assert shlex.split(curl.replace("\\\n", ""))[-1] == identify.url

    har_path = tmp_path / "one.har"
    job = panel.export(har_path, "har", selection_only=True)
    assert job is not None
    qtbot.waitUntil(lambda: not job.running)
    har = json.loads(har_path.read_text(encoding="utf-8"))
    assert [e["request"]["url"] for e in har["log"]["entries"]] == [identify.url]

    panel.visitor_edit.setText("")
    panel.step_box.setCurrentIndex(0)
    panel.result_box.setCurrentIndex(panel.result_box.findData("failed"))
    qtbot.waitUntil(lambda: panel.model.rowCount() == sum(not r.ok for r in records))
    jsonl_path = tmp_path / "failed.jsonl"
    job = panel.export(jsonl_path, "jsonl", selection_only=False)
    assert job is not None
    with qtbot.waitSignal(job.finished, timeout=30_000) as blocker:
        pass
    assert blocker.args is not None and "Exported" in blocker.args[0]
    lines = jsonl_path.read_text(encoding="utf-8").splitlines()
    got = [RequestRecord.from_json(json.loads(line)) for line in lines]
    assert [(r.visitor, r.step, r.error) for r in got] == [
        (r.visitor, r.step, r.error) for r in records if not r.ok
    ]


def test_export_everything_rebuilds_older_rows(
    buyer: Scenario, qtbot: QtBot, tmp_path: Path
) -> None:
    panel = LogPanel(LogStore(recent=5, failed_cap=0))
    qtbot.addWidget(panel)
    panel.model.store.begin_run(buyer)
    records = make_records(buyer, range(3))
    panel.ingest(records)
    path = tmp_path / "all.har"
    job = panel.export(path, "har", selection_only=False)
    assert job is not None
    qtbot.waitUntil(lambda: not job.running)
    entries = json.loads(path.read_text(encoding="utf-8"))["log"]["entries"]
    assert [e["request"]["url"] for e in entries] == [r.url for r in records]
    assert [e.get("postData", {}).get("text") for e in (x["request"] for x in entries)] == [
        r.request_body for r in records
    ]
    assert sum("rebuilt" in e.get("comment", "") for e in entries) == len(records) - 5
    assert "rebuilt from the scenario" in job.message


def test_export_to_an_unwritable_place_says_so(qtbot: QtBot, tmp_path: Path) -> None:
    panel = LogPanel(LogStore())
    qtbot.addWidget(panel)
    job = panel.export(tmp_path / "missing" / "x.har", "har", selection_only=False)
    assert job is not None and not job.running
    assert panel.status.text().startswith("Could not write")


def test_selection_export_needs_a_selection(qtbot: QtBot, tmp_path: Path) -> None:
    panel = LogPanel(LogStore())
    qtbot.addWidget(panel)
    assert panel.export(tmp_path / "x.har", "har", selection_only=True) is None
    assert "Select" in panel.status.text()
    assert panel.model.index(0, 0, QModelIndex()).data() is None
