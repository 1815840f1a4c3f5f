"""The sending area against the embedded collector: a load run and click-through."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pytestqt.qtbot import QtBot

from simulator_app.collector import EmbeddedCollector
from simulator_app.core.journey import JourneyEngine
from simulator_app.core.model import Scenario
from simulator_app.gui.sending import SendingArea
from simulator_app.gui.sending.columns import LogFilter


def quick(scenario: Scenario, visitors: int) -> Scenario:
    schedule = dataclasses.replace(scenario.schedule, visitors=visitors, duration=0.3)
    return dataclasses.replace(scenario, schedule=schedule)


def test_run_logs_every_request_the_collector_counts(
    area: SendingArea, collector: EmbeddedCollector, buyer: Scenario, qtbot: QtBot
) -> None:
    before = collector.summary()
    area.set_scenario(quick(buyer, 12))
    area.set_target(collector.url)
    assert area.run_panel.visitors.value() == 12  # prefilled from the scenario
    area.run_panel.think.setValue(0.0)
    area.run_panel.concurrency.setValue(4)
    with qtbot.waitSignal(area.run_state_changed, timeout=30_000) as started:
        assert area.run_panel.start_button.isEnabled()
        area.run_panel.start_button.click()
    assert started.args == [True]
    with qtbot.waitSignal(area.run_state_changed, timeout=60_000) as ended:
        pass
    assert ended.args == [False]

    expected = sum(len(list(JourneyEngine(area.log.store._runs[-1][1]).plan(i))) for i in range(12))  # type: ignore[arg-type]
    log = area.log.model
    assert log.rowCount() == expected
    qtbot.waitUntil(lambda: collector.summary()["total"] - before["total"] == expected)
    after = collector.summary()
    assert after["good"] - before["good"] == expected
    assert after["bad"] == before["bad"]
    assert "Finished: 12 visitors" in area.run_panel.message.text()
    assert area.run_panel.progress.value() == 12

    # The stats and the funnel saw the same requests.
    assert area.stats.requests == expected and area.stats.failures == 0
    funnel = {step: measured for step, _, measured in area.stats.funnel_rows()}
    assert funnel["buy"] == 1.0 and funnel["view"] == 1.0
    totals = area.stats_panel.endpoints
    last = totals.rowCount() - 1
    assert totals.text(last, 0) == "Total" and totals.text(last, 1) == str(expected)

    # The log's filter finds the identify rows the collector counted.
    log.set_filter(LogFilter(steps=frozenset({"identify"})))
    log.finish_scan()
    assert log.rowCount() == after["by_type"].get("identify", 0) - before["by_type"].get(
        "identify", 0
    )


def test_pause_resume_and_stop(
    area: SendingArea, collector: EmbeddedCollector, buyer: Scenario, qtbot: QtBot
) -> None:
    slow = dataclasses.replace(buyer.schedule, visitors=500, duration=30.0)
    area.set_scenario(dataclasses.replace(buyer, schedule=slow))
    area.set_target(collector.url)
    area.run_panel.think.setValue(0.0)
    assert area.run_panel.start()
    qtbot.waitUntil(lambda: area.log.model.rowCount() > 0, timeout=10_000)
    area.run_panel.pause_button.click()
    assert area.run_panel.pause_button.text() == "Resume"
    qtbot.waitUntil(lambda: "paused" in area.run_panel.time_left.text())
    area.run_panel.pause_button.click()
    assert area.run_panel.pause_button.text() == "Pause"
    with qtbot.waitSignal(area.run_state_changed, timeout=20_000) as ended:
        area.run_panel.stop_button.click()
    assert ended.args == [False]
    assert area.run_panel.message.text().startswith("Stopped")
    assert area.run_panel.start_button.isEnabled()
    assert area.log.model.rowCount() < 500 * 9


def test_a_remote_target_needs_confirmation(area: SendingArea, buyer: Scenario) -> None:
    asked: list[str] = []

    def refuse(question: str) -> bool:
        asked.append(question)
        return False

    area.run_panel.confirm = refuse
    area.set_scenario(buyer)
    area.set_target("http://192.0.2.10:8080")  # TEST-NET-1: never routed, never contacted
    assert not area.run_panel.start()
    assert asked and "192.0.2.10" in asked[0]
    assert not area.run_panel.running
    assert "not confirmed" in area.run_panel.message.text()


def test_bad_target_is_a_message(area: SendingArea, buyer: Scenario) -> None:
    area.set_scenario(buyer)
    area.set_target("ftp://127.0.0.1/")
    assert not area.run_panel.start()
    assert "not an http:// or https:// URL" in area.run_panel.message.text()


def test_no_scenario_disables_sending(area: SendingArea, collector: EmbeddedCollector) -> None:
    area.set_target(collector.url)
    area.set_scenario(None)
    assert not area.run_panel.start_button.isEnabled()
    assert not area.click_panel.next_button.isEnabled()


def test_click_through_step_by_step(
    area: SendingArea, collector: EmbeddedCollector, buyer: Scenario, qtbot: QtBot
) -> None:
    area.set_scenario(buyer)
    area.set_target(collector.url)
    click = area.click_panel
    click.visitor.setValue(3)
    plan = list(JourneyEngine(buyer).plan(3))
    before = collector.summary()["total"]

    with qtbot.waitSignal(click.busy_changed, check_params_cb=lambda b: not b, timeout=10_000):
        click.next_button.click()
    assert click.position == 1
    first = click.records[0]
    assert first.ok and first.step == plan[0].spec.step == "view"
    assert f"→ POST {first.url}" in click.output.toPlainText()
    assert "← 200" in click.output.toPlainText()
    assert area.run_panel.start_button.isEnabled()  # nothing in flight now

    with qtbot.waitSignal(click.busy_changed, check_params_cb=lambda b: not b, timeout=10_000):
        click.next_button.click()
    assert [r.step for r in click.records] == [p.spec.step for p in plan[:2]]

    with qtbot.waitSignal(click.busy_changed, check_params_cb=lambda b: not b, timeout=30_000):
        click.to_end_button.click()
    assert click.at_end and not click.next_button.isEnabled()
    assert [r.step for r in click.records] == [p.spec.step for p in plan]
    assert all(r.ok for r in click.records)
    assert "identify payload:" in click.output.toPlainText()
    qtbot.waitUntil(lambda: area.log.model.rowCount() == len(plan))
    qtbot.waitUntil(lambda: collector.summary()["total"] - before == len(plan))

    click.reset_button.click()
    assert click.position == 0 and click.output.toPlainText() == ""
    assert click.next_button.isEnabled()


def test_a_run_exports_the_same_report_as_the_cli(
    area: SendingArea, collector: EmbeddedCollector, buyer: Scenario, qtbot: QtBot, tmp_path: Path
) -> None:
    area.set_scenario(quick(buyer, 6))
    area.set_target(collector.url)
    area.run_panel.think.setValue(0.0)
    report = tmp_path / "report.html"
    assert not area.run_panel.report_button.isEnabled()  # no run yet
    assert not area.run_panel.export_report(report)
    with qtbot.waitSignal(area.run_state_changed, timeout=30_000):
        area.run_panel.start_button.click()
    with qtbot.waitSignal(area.run_state_changed, timeout=60_000):
        pass
    assert area.run_panel.report_button.isEnabled()
    assert area.run_panel.export_report(report)
    text = report.read_text(encoding="utf-8")
    run = area.run_panel.run
    assert run is not None and area.run_panel.result is not None
    assert f"{run.seed}" in text  # the seed, to replay the run
    assert text.count("<svg") >= 2  # requests per second and latency over time
    assert "<script" not in text and " src=" not in text and " href=" not in text  # offline
    requests = area.run_panel.result.requests
    assert requests == area.log.model.rowCount() and f"{requests:,}" in text
    assert not area.run_panel.export_report(tmp_path / "missing" / "report.html")
    assert "Could not write" in area.run_panel.message.text()
