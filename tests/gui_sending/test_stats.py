"""Live stats: endpoint table, requests per second, funnel expected beside measured."""

from __future__ import annotations

from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from simulator_app.core.model import Scenario
from simulator_app.gui.sending.live_stats import LiveStats
from simulator_app.gui.sending.stats_view import StatsPanel
from tests.gui_sending.conftest import make_records


def test_stats_panel_shows_endpoints_rates_and_funnel(
    buyer: Scenario, qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    stats = LiveStats()
    stats.scenario = buyer
    panel = StatsPanel(stats)
    qtbot.addWidget(panel)
    qtmodeltester.check(panel.endpoints)
    qtmodeltester.check(panel.funnel)
    funnel = panel.funnel
    assert [funnel.text(r, 0) for r in range(funnel.rowCount())][:3] == [
        "view",
        "categoryview",
        "productview",
    ]
    assert funnel.text(0, 1) == "100.0%" and funnel.text(0, 2) == "—"

    records = make_records(buyer, range(10), fail_every=10)
    # Only the first half of visitor 9's journey has arrived so far.
    cut = next(i for i, r in enumerate(records) if r.visitor == 9) + 3
    stats.add(records[:cut])
    panel.refresh()
    qtmodeltester.check(panel.endpoints)
    qtmodeltester.check(panel.funnel)
    rows = {panel.endpoints.text(r, 0): r for r in range(panel.endpoints.rowCount())}
    total = rows["Total"]
    assert panel.endpoints.text(total, 1) == str(cut)
    failed = sum(not r.ok for r in records[:cut])
    assert panel.endpoints.text(total, 2) == str(failed)
    identify = rows["identify"]
    assert panel.endpoints.text(identify, 1) == "9"
    assert panel.endpoints.text(total, 3) == "0"  # judged bad: none of these was judged
    assert float(panel.endpoints.text(total, 6)) >= float(panel.endpoints.text(total, 4))
    buy = [funnel.text(r, 0) for r in range(funnel.rowCount())].index("buy")
    assert funnel.text(buy, 1) == "100.0%"
    assert funnel.text(buy, 2) == "90.0%"  # 9 of the 10 visitors seen have bought
    assert panel.summary.text() == f"{stats.tally.line()} · 10 visitors"
    assert f"{cut} requests sent: {cut - failed} succeeded, {failed} failed" in panel.summary.text()

    # make_records spaces requests 10 ms apart: 100 per second.
    rates = stats.rates()
    assert sum(count for _, count in rates) == cut
    assert max(count for _, count in rates) == min(100, cut)


def test_late_records_count_in_their_own_second(buyer: Scenario) -> None:
    stats = LiveStats()
    records = make_records(buyer, range(3))
    stats.add(records[50:])
    stats.add(records[:50])
    assert sum(c for _, c in stats.rates()) == len(records)
    assert stats.rates()[0][0] == int(records[0].time)
