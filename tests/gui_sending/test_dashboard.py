"""The dashboard's series against the records, verdicts through a real run, HAR as received."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections import Counter, defaultdict
from pathlib import Path

from pytestqt.qtbot import QtBot

from simulator_app.collector import EmbeddedCollector
from simulator_app.core.funnel import order_value
from simulator_app.core.journey import JourneyEngine
from simulator_app.core.model import Scenario
from simulator_app.core.stats import EndpointStats
from simulator_app.gui.sending import SendingArea
from simulator_app.gui.sending.dashboard import AxisEnd, Dashboard, nice_top, ranked
from simulator_app.gui.sending.live_stats import LiveStats
from simulator_app.gui.sending.log_model import COLUMNS
from tests.gui_sending.conftest import make_records


def test_dashboard_series_match_the_records(buyer: Scenario, qtbot: QtBot) -> None:
    stats = LiveStats()
    stats.scenario = buyer
    dashboard = Dashboard(stats)
    qtbot.addWidget(dashboard)
    records = make_records(buyer, range(30), fail_every=13)
    records = [  # every fifth answered request judged bad by the receiver
        dataclasses.replace(r, verdict="bad" if n % 5 == 0 else "good")
        for n, r in enumerate(records)
    ]
    stats.add(records[40:])
    stats.add(records[:40])  # late ones count in their own second
    # A worker thread looks the visitors up; the GUI thread only counts what it found.
    qtbot.waitUntil(lambda: stats.resolve_visitors() == 0, timeout=30_000)
    dashboard.refresh()

    by_second: dict[int, EndpointStats] = defaultdict(lambda: EndpointStats(""))
    for r in records:
        by_second[int(r.time)].record(r.latency_ms, r.ok)
    seconds = sorted(by_second)
    xs, rps = dashboard.rps_curve.getData()
    assert [int(x) for x in xs] == seconds
    assert list(rps) == [by_second[s].count for s in seconds]
    for curve, q in (
        (dashboard.p50_curve, 0.50),
        (dashboard.p95_curve, 0.95),
        (dashboard.p99_curve, 0.99),
    ):
        assert list(curve.getData()[1]) == [by_second[s].percentile(q) for s in seconds]
    transport = Counter(int(r.time) for r in records if not r.ok)
    contract = Counter(int(r.time) for r in records if r.contract_failed)
    assert list(dashboard.transport_curve.getData()[1]) == [transport[s] for s in seconds]
    assert list(dashboard.contract_curve.getData()[1]) == [contract[s] for s in seconds]
    assert sum(contract.values()) > 0 and sum(transport.values()) > 0

    bought = [
        order_value(r.request_body)
        for r in records
        if r.step == "buy" and r.ok and not r.contract_failed and r.request_body
    ]
    cents = sum(o[1] for o in bought if o)
    assert stats.orders == len(bought) > 0
    assert dashboard.figures["orders"].value.text() == str(len(bought))
    assert dashboard.figures["revenue"].value.text() == f"{cents / 100:,.2f}"
    assert dashboard.figures["contract"].value.text() == str(sum(contract.values()))

    engine = JourneyEngine(buyer)
    visitors = [engine.visitor(i) for i in range(30)]
    assert stats.countries == Counter(v.country for v in visitors)
    assert stats.devices == Counter(v.device.kind for v in visitors)
    names = dashboard.device_bars.names
    assert sorted(names) == sorted(stats.devices)
    shares = dict(zip(names, dashboard.device_bars.values[0], strict=True))
    assert shares == {d: round(n / 30 * 100, 1) for d, n in stats.devices.items()}
    stats.shutdown()
    assert not [t for t in threading.enumerate() if t.name == "live-stats-visitors"]


def _run(area: SendingArea, qtbot: QtBot) -> None:
    with qtbot.waitSignal(area.run_state_changed, timeout=30_000):
        assert area.start()
    with qtbot.waitSignal(area.run_state_changed, timeout=60_000):
        pass


def test_a_repeated_run_shows_its_contract_failures(
    area: SendingArea, collector: EmbeddedCollector, buyer: Scenario, qtbot: QtBot
) -> None:
    # The same seed twice: the second run's orders repeat the first's, and the collector says so.
    schedule = dataclasses.replace(buyer.schedule, visitors=8, duration=0.2)
    area.set_scenario(dataclasses.replace(buyer, schedule=schedule))
    area.set_target(collector.url)
    area.run_panel.think.setValue(0.0)
    _run(area, qtbot)
    collector.app.store.flush()
    before = collector.summary()
    area.log.clear()
    _run(area, qtbot)
    qtbot.waitUntil(lambda: collector.summary()["total"] - before["total"] == area.stats.requests)
    after = collector.summary()
    bad = after["bad"] - before["bad"]
    log = area.log.model
    assert (
        log.rowCount() == area.stats.requests == after["total"] - before["total"]
    )  # sent = logged = stored
    assert bad > 0 and area.stats.contract_failures == bad and area.stats.failures == 0
    assert f"judged {area.stats.tally.good:,} good, {bad:,} bad" in area.run_panel.message.text()
    area.log.result_box.setCurrentIndex(area.log.result_box.findData("contract"))
    log.finish_scan()
    assert log.rowCount() == bad
    cells = [log.data(log.index(r, COLUMNS.index("Verdict"))) for r in range(log.rowCount())]
    assert all(c.startswith("bad · ") for c in cells)
    area.log.select_row(0)
    assert area.log.details.views["Verdict"].toPlainText().startswith("Verdict: bad")


def test_the_har_of_a_run_is_what_the_collector_received(
    area: SendingArea, collector: EmbeddedCollector, buyer: Scenario, qtbot: QtBot, tmp_path: Path
) -> None:
    schedule = dataclasses.replace(buyer.schedule, visitors=6, duration=0.2)
    area.set_scenario(dataclasses.replace(buyer, schedule=schedule, seed=None))
    area.set_target(collector.url)
    area.run_panel.think.setValue(0.0)
    collector.app.store.flush()
    first = collector.summary()["total"]
    area.log.store.recent_cap = 0  # every row rebuilt from the store: the hard case
    area.log.store._recent = []
    _run(area, qtbot)
    sent = area.stats.requests
    qtbot.waitUntil(lambda: collector.summary()["total"] - first == sent)
    collector.app.store.flush()
    store = collector.app.store
    with store._lock:
        received = store._db.execute(
            "SELECT method, path, body FROM events ORDER BY id DESC LIMIT ?", (sent,)
        ).fetchall()
    out = tmp_path / "run.har"
    job = area.log.export(out, "har", selection_only=False)
    assert job is not None
    qtbot.waitUntil(lambda: not job.running)
    entries = json.loads(out.read_text(encoding="utf-8"))["log"]["entries"]
    assert len(entries) == sent == len(received)
    origin = collector.url.rstrip("/")
    # identify is a GET: the collector keeps its decoded payload as the row's body
    har = sorted(
        (e["request"]["method"], e["request"]["url"], e["request"].get("postData", {}).get("text"))
        for e in entries
    )
    got = sorted((m, origin + p, b if m != "GET" else None) for m, p, b in received)
    assert har == got
    assert sum(1 for e in entries if "postData" in e["request"]) > 0
    for e in entries:  # HAR 1.2: -1 when unknown, the real size when a body came back
        assert e["response"]["bodySize"] in (-1, len(e["response"]["content"]["text"].encode()))


def test_run_settings_are_saved_to_the_scenario_file(area: SendingArea) -> None:
    from simulator_app.core.scenario_file import load_scenario
    from simulator_app.gui.document import ScenarioDocument
    from tests.gui_sending.conftest import SCENARIOS

    document = ScenarioDocument()
    document.load_text((SCENARIOS / "buyer.yaml").read_text(encoding="utf-8"), None)
    area.set_document(document)
    document.validated.connect(lambda: area.set_scenario(document.scenario))
    area.set_scenario(document.scenario)
    assert document.scenario is not None
    assert not document.modified  # prefilling the panel edits nothing
    panel = area.run_panel
    panel.visitors.setValue(37)
    panel.visitors.setValue(38)  # one undo step per field, not per change
    panel.duration.setValue(12.5)
    panel.concurrency.setValue(7)
    panel.think.setValue(0.5)
    assert document.undo_stack.count() == 4
    schedule = document.scenario.schedule
    assert (schedule.visitors, schedule.duration, schedule.concurrency, schedule.think_scale) == (
        38,
        12.5,
        7,
        0.5,
    )
    text = document.text()
    assert "visitors: 38" in text and "think_scale: 0.5" in text
    document.undo_stack.undo()
    assert (
        document.scenario.schedule.think_scale
        == load_scenario(SCENARIOS / "buyer.yaml").schedule.think_scale
    )
    assert panel.think.value() == document.scenario.schedule.think_scale


def test_bars_keep_their_order_until_one_clearly_overtakes() -> None:
    counts = Counter(US=100, GB=98, IN=50)
    assert ranked(counts, 10, []) == ["US", "GB", "IN"]
    assert ranked(counts, 10, ["GB", "US", "IN"]) == ["GB", "US", "IN"]  # 2% apart: no swap
    counts["US"] = 110
    assert ranked(counts, 10, ["GB", "US", "IN"]) == ["US", "GB", "IN"]
    assert ranked(counts, 2, ["GB", "US", "IN"]) == ["US", "GB"]


def test_axis_ends_are_round_and_above_the_data() -> None:
    assert [nice_top(v) for v in (0, 0.5, 3.2, 5000, 5500, 99)] == [1, 1, 4, 6000, 8000, 120]
    top = AxisEnd()
    assert top.fit(5000) and top.value == 6000
    assert not top.fit(5400) and not top.fit(2000)  # inside, or not far below: unchanged
    assert top.fit(1000) and top.value == 1200
