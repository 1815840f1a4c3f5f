"""One run state: every view shows the same counts and the same verdict for the same request.

A fixed nitro_id with a random roaming_id makes the collector judge every
visitor after the first bad (ID_CONFLICT): the bad requests are injected by
the scenario itself, sent for real to the embedded collector on loopback.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QTextCursor
from pytestqt.qtbot import QtBot

from simulator_app.gui.edits import SetValue
from simulator_app.gui.locust_panel import collector_verdicts
from simulator_app.gui.main_window import MainWindow
from simulator_app.gui.sending.click_panel import VERDICT_COLOURS
from simulator_app.gui.sending.log_model import COLUMNS

from .conftest import DEMO

FIXED_NITRO = "de8daa44-ac2e-4ba2-8e1c-987a06817353"


def _ready(window: MainWindow, qtbot: QtBot) -> None:
    assert window.open_file(DEMO)
    qtbot.waitUntil(lambda: bool(window.sending.run_panel.target), timeout=10_000)


def _views_agree(window: MainWindow) -> int:
    """Assert the status bar, Run tab, dashboard and log show the tally's counts; its bad count."""
    sending = window.sending
    sending.flush()
    tally = sending.stats.tally
    assert tally.sent == tally.succeeded + tally.transport
    assert tally.succeeded == tally.good + tally.bad + tally.not_judged
    bad = tally.bad
    assert f"{bad:,} bad" in sending.counts_label.full_text()  # the status bar
    assert sending.counts_label in window.statusBar().findChildren(type(sending.counts_label))
    assert sending.run_panel.counts.text() == tally.line()
    dashboard = sending.dashboard
    dashboard.refresh()
    assert dashboard.figures["contract"].value.text() == f"{bad:,}"
    assert dashboard.figures["good"].value.text() == f"{tally.good:,}"
    assert dashboard.figures["requests"].value.text() == f"{tally.sent:,}"
    assert dashboard.counts_line.text() == tally.line()
    assert f"{bad:,} bad" in dashboard.tables.summary.text()
    log = sending.log
    assert f"{bad:,} judged bad" in log.status.text()
    log.result_box.setCurrentIndex(log.result_box.findData("contract"))
    log.model.finish_scan()
    assert log.model.rowCount() == bad  # the log's bad rows are the ones counted
    log.result_box.setCurrentIndex(log.result_box.findData("all"))
    log.model.finish_scan()
    return bad


def test_every_view_shows_the_same_bad_count_and_verdict(
    live_window: MainWindow, qtbot: QtBot
) -> None:
    window = live_window
    _ready(window, qtbot)
    document = window.document
    document.apply(SetValue(("ids", "nitro_id"), FIXED_NITRO), "Fix the nitro_id")
    document.apply(SetValue(("schedule", "visitors"), 6), "Six visitors")
    document.apply(SetValue(("schedule", "duration"), 0.2), "Quickly")
    assert document.scenario is not None
    # the core's warning, before anything is sent: in the Problems list and under Start
    run = window.sending.run_panel
    assert "ID_CONFLICT" in run.start_note.text() and run.start_button.isEnabled()
    listed = [window.problems.item(i).text() for i in range(window.problems.count())]
    assert any(t.startswith("Warning: ids.nitro_id") and "ID_CONFLICT" in t for t in listed)
    assert "warning" in window.problems_label.text()

    window.collector.poll()
    before = dict(window.collector.summary)
    run.think.setValue(0.0)
    assert window.start_action.isEnabled()
    window.start_action.trigger()
    assert run.running and not window.start_action.isEnabled()
    assert window.stop_action.isEnabled()
    qtbot.waitUntil(lambda: not run.running, timeout=60_000)
    bad = _views_agree(window)
    assert bad > 0
    tally = window.sending.stats.tally
    assert tally.line() in run.message.text()  # the end-of-run message says the same
    assert "0 contract failures" not in run.time_left.text() + run.message.text()

    # The collector counted the same bad requests, per endpoint: the Locust tab's column.
    qtbot.waitUntil(
        lambda: (
            (window.collector.poll() or True)
            and window.collector.summary.get("total", 0) - before.get("total", 0) == tally.sent
        ),
        timeout=10_000,
    )
    by_name = collector_verdicts(before, window.collector.summary)
    assert {n: b for n, (_, b) in by_name.items() if b} == dict(window.sending.stats.bad_by_name)
    locust = window.locust.stats_model
    assert "Collector bad" in locust.COLUMNS

    # Click-through: a new visitor with the same nitro_id is judged bad, and says so everywhere.
    click = window.sending.click_panel
    window.new_visitor_action.trigger()
    window.next_action.trigger()
    qtbot.waitUntil(lambda: not click.busy and bool(click.records), timeout=10_000)
    record = click.records[-1]
    assert record.verdict == "bad"
    codes = [m["code"] for m in record.verdict_messages]
    assert "ID_CONFLICT" in codes
    text = click.output.toPlainText()
    assert "· judged bad" in text and "ID_CONFLICT" in text and "· OK" not in text
    # the verdict line is drawn in the verdict's colour
    found = click.output.document().find("judged bad")
    assert not found.isNull()
    cursor = QTextCursor(found)
    assert cursor.charFormat().foreground().color() == QColor(VERDICT_COLOURS["bad"])
    assert _views_agree(window) == bad + 1

    # The same request in the log: its Verdict cell and details say the same code.
    log = window.sending.log
    last = log.model.rowCount() - 1
    cell = log.model.index(last, COLUMNS.index("Verdict")).data()
    assert cell.startswith("bad · ID_CONFLICT")
    log.select_row(last)
    assert log.details.record is not None and log.details.record.url == record.url
    summary = log.details.summary.text()
    assert "verdict bad · ID_CONFLICT" in summary and "OK" not in summary
    verdict_tab = log.details.views["Verdict"].toPlainText()
    assert verdict_tab.startswith("Verdict: bad") and "ID_CONFLICT" in verdict_tab

    # F8 goes from one bad row to the next, and Ctrl+D toggles between log and dashboard.
    log.select_row(0)
    window.next_bad_action.trigger()
    current = log.current_id()
    assert current is not None and log.store.contract_failed(current)
    window.dashboard_action.trigger()
    assert window.sending.views.currentWidget() is window.sending.dashboard_host
    window.dashboard_action.trigger()
    assert window.sending.views.currentWidget() is window.sending.log


def test_after_stop_the_time_left_is_not_paused(live_window: MainWindow, qtbot: QtBot) -> None:
    window = live_window
    _ready(window, qtbot)
    window.document.apply(SetValue(("schedule", "visitors"), 500), "Many visitors")
    window.document.apply(SetValue(("schedule", "duration"), 30), "Over 30 s")
    run = window.sending.run_panel
    assert run.start()
    qtbot.waitUntil(lambda: run.time_left.text().startswith("Time left: "), timeout=10_000)
    window.pause_action.trigger()
    qtbot.waitUntil(lambda: "paused" in run.time_left.text(), timeout=10_000)
    assert window.pause_action.iconText() == "Resume"
    window.stop_action.trigger()
    assert "paused" not in run.time_left.text()
    qtbot.waitUntil(lambda: not run.running, timeout=30_000)
    assert "paused" not in run.time_left.text() and "ended" in run.time_left.text()
    assert run.message.text().startswith("Stopped")
    assert window.sending.stats.tally.line() in run.message.text()


def test_start_is_off_with_its_reason_while_the_scenario_is_invalid(
    window: MainWindow, qtbot: QtBot
) -> None:
    assert window.open_file(DEMO)
    window.sending.set_target("http://127.0.0.1:9")
    assert window.start_action.isEnabled()
    window.document.apply(SetValue(("ids", "org_id"), "not-a-uuid"), "Break it")
    assert window.document.scenario is None
    run = window.sending.run_panel
    assert not run.start_button.isEnabled() and not window.start_action.isEnabled()
    assert "scenario has problems" in run.start_note.text()
    assert "scenario has problems" in window.start_action.toolTip()
    window.start_action.trigger()  # disabled: nothing happens, nothing breaks
    assert not run.running
    funnel = window.builder.funnel.funnel_model
    assert funnel.index(0, 1).data() == "unavailable"
