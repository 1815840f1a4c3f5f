"""The window fits a laptop: it shrinks to 1024x640 and never grows by itself."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QMainWindow, QScrollArea
from pytestqt.qtbot import QtBot

from simulator_app.gui.edits import SetValue
from simulator_app.gui.main_window import MainWindow

from .conftest import DEMO

LAPTOP = QSize(1024, 640)
# the offscreen platform, on showing a window
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _settle(qtbot: QtBot) -> None:
    qtbot.wait(50)  # the layouts run on posted events


def test_the_window_shrinks_to_a_small_laptop(window: MainWindow, qtbot: QtBot) -> None:
    assert window.open_file(DEMO)
    window.show()
    hint = window.minimumSizeHint()
    assert hint.width() <= LAPTOP.width() and hint.height() <= LAPTOP.height()
    window.resize(LAPTOP)
    _settle(qtbot)
    assert window.size() == LAPTOP
    # Every page is reachable: each scrolls inside its tab rather than being cut off.
    for tabs in (window.scenario_tabs, window.run_tabs):
        for page in range(tabs.count()):
            assert isinstance(tabs.widget(page), QScrollArea)
    # The builder's three columns fit the width without scrolling sideways.
    assert window.builder.minimumSizeHint().width() <= LAPTOP.width() - 40


def test_problems_do_not_grow_the_window(window: MainWindow, qtbot: QtBot) -> None:
    assert window.open_file(DEMO)
    window.show()
    window.resize(LAPTOP)
    _settle(qtbot)
    assert window.problems_dock.isHidden()
    # A bad weight in each journey: the dock appears with their problems.
    for journey in range(3):
        window.document.apply(SetValue(("journeys", journey, "weight"), -1), "bad")
    _settle(qtbot)
    assert window.problems.count() >= 3 and not window.problems_dock.isHidden()
    assert window.size() == LAPTOP
    for _ in range(3):
        window.undo_action.trigger()
    _settle(qtbot)
    assert window.problems_dock.isHidden() and window.size() == LAPTOP


def test_a_long_status_line_does_not_widen_anything(window: MainWindow, qtbot: QtBot) -> None:
    assert window.open_file(DEMO)
    window.show()
    window.resize(LAPTOP)
    _settle(qtbot)
    click = window.sending.click_panel
    log_width = window.sending.log.width()
    click.position_label.setText("Journey “" + "very long name " * 60 + "”: 3 of 9 requests")
    _settle(qtbot)
    assert window.size() == LAPTOP
    assert window.sending.log.width() == log_width
    assert click.position_label.text().endswith("…")


def test_the_first_size_fits_the_screen(window: MainWindow) -> None:
    screen = window.screen().availableGeometry()
    assert window.frameGeometry().width() <= screen.width()
    assert window.frameGeometry().height() <= screen.height()


def test_the_framed_window_fits_the_screen(window: MainWindow, qtbot: QtBot) -> None:
    # The title bar and borders are known once the window is shown: the frame, not just the
    # inside, fits (under a window manager the status bar hung below a 720-pixel screen).
    window.show()
    qtbot.waitUntil(lambda: window.frameGeometry().size() != window.geometry().size())
    _settle(qtbot)
    screen = window.screen().availableGeometry()
    assert screen.contains(window.frameGeometry()), (window.frameGeometry(), screen)


def test_a_window_framed_without_a_move_still_fits(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A window put back where the last session left it is not moved when the window manager
    # frames it (openbox: no move event, and the frame hung 5 px below a 720 px screen).
    monkeypatch.setattr(MainWindow, "moveEvent", QMainWindow.moveEvent)
    window.show()
    qtbot.waitUntil(lambda: window.frameGeometry().size() != window.geometry().size())
    screen = window.screen().availableGeometry()
    qtbot.waitUntil(lambda: screen.contains(window.frameGeometry()), timeout=30_000)


def test_the_editor_collapses(window: MainWindow, qtbot: QtBot) -> None:
    window.show()
    window.resize(LAPTOP)
    _settle(qtbot)
    before = window.run_tabs.height()
    window.editor_action.trigger()
    _settle(qtbot)
    assert window.scenario_tabs.isHidden() and window.run_tabs.height() > before + 150
    window.editor_action.trigger()
    assert window.scenario_tabs.isVisible()


def test_the_problems_are_readable_in_a_small_window(window: MainWindow, qtbot: QtBot) -> None:
    window.show()
    window.resize(LAPTOP)
    _settle(qtbot)
    window.document.apply(SetValue(("journeys", 0, "weight"), -1), "bad")
    _settle(qtbot)
    line = window.problems.fontMetrics().height()
    assert window.problems.height() >= 2 * line and window.size() == LAPTOP
