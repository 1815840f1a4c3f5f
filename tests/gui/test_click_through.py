"""Click-through of a chosen journey: the picker, New visitor, and a transcript that survives."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from simulator_app.gui.edits import SetValue
from simulator_app.gui.main_window import MainWindow

from .conftest import DEMO


def _ready(window: MainWindow, qtbot: QtBot) -> None:
    assert window.open_file(DEMO)
    qtbot.waitUntil(lambda: bool(window.sending.click_panel.target), timeout=10_000)


def _step_through(window: MainWindow, qtbot: QtBot, count: int) -> None:
    click = window.sending.click_panel
    start = click.position
    for n in range(start, start + count):
        assert click.next_step()
        qtbot.waitUntil(lambda n=n: not click.busy and click.position == n + 1, timeout=10_000)


def test_the_chosen_journey_is_the_one_sent(live_window: MainWindow, qtbot: QtBot) -> None:
    _ready(live_window, qtbot)
    click = live_window.sending.click_panel
    names = [click.journey.itemData(i) for i in range(click.journey.count())]
    assert names == ["", "browser", "cart abandoner", "buyer"]

    assert click.choose_journey("buyer")
    engine = click.engine
    assert engine is not None
    first = click.visitor.value()
    assert first == engine.visitor_on("buyer")
    assert engine.journeys_of(first)[0] == "buyer"
    _step_through(live_window, qtbot, 2)
    assert [r.journey for r in click.records] == ["buyer", "buyer"]
    assert all(r.visitor == first for r in click.records)
    assert "buyer" in click.position_label.full_text()

    # New visitor: the next one who takes the journey, from its first request.
    click.new_visitor()
    second = click.visitor.value()
    assert second == engine.visitor_on("buyer", first + 1)
    assert second > first and click.position == 0 and click.plan is None
    assert not click.output.toPlainText()
    _step_through(live_window, qtbot, 1)
    assert click.records[0].journey == "buyer" and click.records[0].visitor == second


def _visitor_with(window: MainWindow, requests: int) -> None:
    """Show a visitor on the chosen journey who sends at least ``requests`` (the seed is new)."""
    click = window.sending.click_panel
    engine = click.engine
    assert engine is not None
    for _ in range(100):
        if len(list(engine.plan(click.visitor.value()))) >= requests:
            return
        click.new_visitor()
    raise AssertionError(f"no visitor in 100 sends {requests} requests")


def test_transcript_survives_an_unrelated_edit(live_window: MainWindow, qtbot: QtBot) -> None:
    _ready(live_window, qtbot)
    click = live_window.sending.click_panel
    document = live_window.document
    assert click.choose_journey("buyer")
    # one buyer in ten leaves after two requests: this one must have a third to send
    _visitor_with(live_window, 3)
    _step_through(live_window, qtbot, 2)
    shown = click.output.toPlainText()
    assert shown

    # How many visitors a run has: this visitor still sends the same, so nothing is lost.
    document.apply(SetValue(("schedule", "visitors"), 123), "Change visitors")
    assert document.scenario is not None and document.scenario.schedule.visitors == 123
    assert click.position == 2 and click.output.toPlainText() == shown
    assert click.chosen_journey() == "buyer"
    _step_through(live_window, qtbot, 1)

    # The store's address is in every request: the transcript starts again.
    document.apply(SetValue(("store", "base_url"), "https://shop.example.org"), "Change URL")
    assert click.position == 0 and click.plan is None and not click.output.toPlainText()
    assert click.chosen_journey() == "buyer"


def test_a_long_status_does_not_widen_the_panel(window: MainWindow) -> None:
    click = window.sending.click_panel
    before = click.minimumSizeHint().width()
    click.position_label.setText("Journey “" + "x" * 500 + "”: 0 of 9 requests sent")
    assert click.minimumSizeHint().width() == before
    assert click.position_label.toolTip().startswith("Journey")
