"""Name, description and tracker settings are edited in the app and saved to the file."""

from __future__ import annotations

import shutil
from pathlib import Path

from pytestqt.qtbot import QtBot

from simulator_app.core.scenario_file import load_scenario
from simulator_app.gui.main_window import MainWindow

from .conftest import ROOT


def test_settings_are_saved_and_undone(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "buyer.yaml"
    shutil.copy(ROOT / "scenarios" / "buyer.yaml", path)  # it has no tracker section
    assert window.open_file(path)
    panel = window.scenario_panel
    assert panel.name.text() == "Buyer"
    assert panel.flags["cache_buster"].isChecked()  # the default, shown though not written
    assert panel.ip_header.text() == "X-Forwarded-For"

    panel.name.selectAll()
    qtbot.keyClicks(panel.name, "Buyer QA")
    panel.description.setPlainText("Checks the whole funnel.")
    panel.view_method.setCurrentIndex(panel.view_method.findData("GET"))
    panel.flags["cache_buster"].setChecked(False)
    panel.flags["full_cart"].setChecked(True)
    panel.ip_header.setText("X-Real-IP")
    panel.ip_header.textEdited.emit("X-Real-IP")
    assert window.save()

    saved = load_scenario(path)
    assert saved.name == "Buyer QA" and saved.description == "Checks the whole funnel."
    tracker = saved.tracker
    assert tracker.view_method == "GET" and not tracker.cache_buster and tracker.full_cart
    assert tracker.client_ip_header == "X-Real-IP"
    text = path.read_text(encoding="utf-8")
    assert "# A buyer: the whole funnel" in text  # the user's comments stay

    # One undo step per field: typing the name was one step, not eight.
    stack = window.document.undo_stack
    assert stack.count() == 6
    for _ in range(6):
        window.undo_action.trigger()
    assert window.document.scenario is not None
    assert window.document.scenario.name == "Buyer" and panel.name.text() == "Buyer"
    assert window.document.scenario.tracker.cache_buster
    assert stack.index() == 0 and "tracker" not in window.document.text()


def test_client_ip_off_and_a_bad_header(window: MainWindow) -> None:
    panel = window.scenario_panel
    panel.ip_on.setChecked(False)
    assert window.document.scenario is not None
    assert window.document.scenario.tracker.ip_header is None
    assert not panel.ip_header.isEnabled()
    panel.ip_on.setChecked(True)
    panel.ip_header.setText("X Forwarded")
    panel.ip_header.textEdited.emit("X Forwarded")
    assert window.document.scenario is None
    assert panel.tracker_problem.isVisibleTo(panel)
    assert "header name" in panel.tracker_problem.text()
