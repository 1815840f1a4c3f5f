"""File > Import HAR… in the app: a new unsaved scenario, the summary beside it, one-line errors."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMenu

from simulator_app.gui.import_har import import_har
from simulator_app.gui.main_window import MainWindow
from tests.har.helpers import CHROME, FIREFOX


@pytest.fixture
def window(qtbot, tmp_path: Path) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, start_collector=False)
    yield win
    win.document.undo_stack.setClean()
    win.close()
    win.shutdown()
    win.deleteLater()


def test_the_action_sits_in_the_file_menu(window: MainWindow) -> None:
    action = window.import_har_action  # the window adds it (add_import_har_action)
    file_menu = next(m for m in window.menuBar().findChildren(QMenu) if m.title() == "&File")
    texts = [a.text() for a in file_menu.actions()]
    assert texts.count(action.text()) == 1
    # with the other ways to open: after Open, Open Recent and Examples, before Save
    assert (
        texts.index("&Open…")
        < texts.index(action.text())
        == texts.index(window.save_action.text()) - 1
    )


@pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen platform showing a dialog
def test_import_makes_a_new_unsaved_scenario_and_shows_the_summary(window: MainWindow) -> None:
    dialog = import_har(window, FIREFOX)
    assert dialog is not None and dialog.isVisible()
    assert window.document.path is None
    assert window.document.modified  # closing asks to save it
    assert window.builder.journeys_model.index(0, 0).data() == "visitor 1"
    shown = dialog.text.toPlainText()
    assert shown.startswith("firefox.har: 2 visitors, 13 tracker requests of 18")
    assert "collector: 13 good, 0 warned, 0 bad" in shown
    assert "firefox.har: entry 11: event/updatecart: no body recorded" in shown
    assert "save it to keep it" in dialog.headline.text()
    dialog.close()


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_a_file_that_is_not_har_keeps_the_work(window: MainWindow, tmp_path: Path) -> None:
    window.builder.journeys_model.setData(window.builder.journeys_model.index(0, 0), "mine")
    page = tmp_path / "page.har"
    page.write_text("<html>")
    assert import_har(window, page) is None
    assert window.banner.isVisibleTo(window)
    assert window.banner.text.text() == (
        "page.har was not imported: not a HAR file: not JSON (Expecting value at line 1, column 1)"
    )
    assert window.builder.journeys_model.index(0, 0).data() == "mine"
    window.document.undo_stack.setClean()
    assert import_har(window, CHROME) is not None
    assert not window.banner.isVisibleTo(window)
