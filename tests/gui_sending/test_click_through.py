"""Click-through of a chosen journey: the picker, New visitor, and a transcript that survives."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from simulator_app.collector import EmbeddedCollector
from simulator_app.core.journey import JourneyEngine
from simulator_app.core.model import Scenario
from simulator_app.core.scenario_file import load_scenario
from simulator_app.gui.sending import SendingArea

DEMO = Path(__file__).resolve().parent.parent.parent / "scenarios" / "demo_mix.yaml"


@pytest.fixture(scope="module")
def demo() -> Scenario:
    return dataclasses.replace(load_scenario(DEMO), seed=11)


@pytest.fixture(scope="module")
def collector() -> Iterator[EmbeddedCollector]:
    with EmbeddedCollector() as running:
        yield running


@pytest.fixture
def area(qtbot: QtBot) -> Iterator[SendingArea]:
    widget = SendingArea()
    qtbot.addWidget(widget)
    yield widget
    widget.shutdown()


def _step_through(area: SendingArea, qtbot: QtBot, count: int) -> None:
    click = area.click_panel
    for n in range(count):
        assert click.next_step()
        qtbot.waitUntil(lambda n=n: not click.busy and click.position == n + 1, timeout=10_000)


def test_the_chosen_journey_is_the_one_sent(
    area: SendingArea, collector: EmbeddedCollector, demo: Scenario, qtbot: QtBot
) -> None:
    area.set_scenario(demo)
    area.set_target(collector.url)
    click = area.click_panel
    names = [click.journey.itemData(i) for i in range(click.journey.count())]
    assert names == ["", "browser", "cart abandoner", "buyer"]

    assert click.choose_journey("buyer")
    engine = JourneyEngine(demo)
    first = click.visitor.value()
    assert first == engine.visitor_on("buyer")
    assert engine.journeys_of(first)[0] == "buyer"
    _step_through(area, qtbot, 2)
    assert all(r.journey == "buyer" for r in click.records)
    assert "buyer" in click.position_label.full_text()

    # New visitor: the next one who takes the journey, from its first request.
    click.new_visitor()
    second = click.visitor.value()
    assert second == engine.visitor_on("buyer", first + 1)
    assert second > first and click.position == 0 and click.plan is None
    assert not click.output.toPlainText()
    _step_through(area, qtbot, 1)
    assert click.records[0].journey == "buyer" and click.records[0].visitor == second


def test_transcript_survives_an_unrelated_edit(
    area: SendingArea, collector: EmbeddedCollector, demo: Scenario, qtbot: QtBot
) -> None:
    area.set_scenario(demo)
    area.set_target(collector.url)
    click = area.click_panel
    assert click.choose_journey("buyer")
    _step_through(area, qtbot, 2)
    shown = click.output.toPlainText()
    assert shown

    # How many visitors a run has: this visitor still sends the same, so nothing is lost.
    schedule = dataclasses.replace(demo.schedule, visitors=demo.schedule.visitors + 50)
    area.set_scenario(dataclasses.replace(demo, schedule=schedule))
    assert click.position == 2 and click.output.toPlainText() == shown
    assert click.chosen_journey() == "buyer"
    assert click.next_step()
    qtbot.waitUntil(lambda: not click.busy and click.position == 3, timeout=10_000)

    # The store's URL changes every request: the transcript starts again.
    store = dataclasses.replace(demo.store, base_url="https://shop.example.org")
    area.set_scenario(dataclasses.replace(demo, store=store))
    assert click.position == 0 and click.plan is None and not click.output.toPlainText()


def test_a_long_status_does_not_widen_the_panel(area: SendingArea, qtbot: QtBot) -> None:
    click = area.click_panel
    before = click.minimumSizeHint().width()
    click.position_label.setText("Journey “" + "x" * 500 + "”: 0 of 9 requests sent")
    assert click.minimumSizeHint().width() == before
    assert click.position_label.toolTip().startswith("Journey")
