"""Finding one's way: recent files, examples, help, shortcuts, the first-launch hint, labels."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from simulator_app.gui.main_window import MainWindow
from simulator_app.gui.navigation import (
    FIRST_LAUNCH_HINT,
    RECENT_LIMIT,
    RecentFiles,
    ShortcutsDialog,
    example_scenarios,
    guide_markdown,
)
from simulator_app.gui.widgets import number, plural
from tests.factory import BUNDLED_NAMES

from .conftest import DEMO, ROOT


def test_recent_files_keep_the_last_eight(window: MainWindow, tmp_path: Path) -> None:
    paths = []
    for n in range(RECENT_LIMIT + 2):
        path = tmp_path / f"s{n}.yaml"
        shutil.copy(DEMO, path)
        paths.append(path)
        assert window.open_file(path)
    assert window.open_file(paths[3])  # opened again: back to the top, not twice
    recent = window.recent.paths()
    assert len(recent) == RECENT_LIMIT
    assert recent[0] == paths[3].resolve() and recent.count(paths[3].resolve()) == 1
    assert recent[1] == paths[-1].resolve()
    assert paths[0].resolve() not in recent

    # The menu lists them and opens one; a vanished file leaves the list.
    window._fill_recent()
    titles = [a.text() for a in window.recent_menu.actions()]
    assert titles[0].startswith("s3.yaml")
    window.recent_menu.actions()[2].trigger()
    assert window.document.path == recent[2]
    recent[1].unlink()
    window.recent_menu.actions()[1].trigger()
    assert recent[1] not in window.recent.paths()


def test_recent_files_survive_a_restart(settings: QSettings, tmp_path: Path) -> None:
    RecentFiles(settings).add(tmp_path / "one.yaml")
    settings.sync()
    again = QSettings(settings.fileName(), QSettings.Format.IniFormat)
    assert RecentFiles(again).paths() == [(tmp_path / "one.yaml").resolve()]


def test_dialogs_open_where_the_last_file_was(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    shutil.copy(DEMO, folder / "mine.yaml")
    assert window.open_file(folder / "mine.yaml")
    window.new_file()
    asked: list[str] = []

    def ask(_parent: object, _title: str, start: str, _filter: str) -> tuple[str, str]:
        asked.append(start)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", ask)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", ask)
    window.open_file()
    window.save_as()
    assert asked == [str(folder.resolve()), str(folder.resolve() / "scenario.yaml")]


def test_examples_are_the_bundled_scenarios(window: MainWindow) -> None:
    examples = example_scenarios()
    assert {f"{name}.yaml" for name in BUNDLED_NAMES} <= {p.name for p in examples}
    titles = [a.text() for a in window.examples_menu.actions()]
    assert "Cart abandoner" in titles and "Demo mix" in titles
    buyer = window.examples_menu.actions()[titles.index("Buyer")]
    buyer.trigger()
    # Opened as a new scenario: saving never writes into the installed package.
    assert window.document.path is None
    assert window.document.scenario is not None and window.document.scenario.name == "Buyer"


@pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen platform, showing the dialog
def test_help_shows_the_guide_and_every_shortcut(window: MainWindow, qtbot: QtBot) -> None:
    guide = guide_markdown()
    assert guide.startswith("# The desktop app") and "## Journeys" in guide
    assert guide == (ROOT / "docs" / "app.md").read_text(encoding="utf-8")  # the docs' page
    rows = dict(window.shortcut_rows())
    assert rows["Start the run"] == "F5, Ctrl+Return, Ctrl+Enter"
    assert rows["Filter the log"] == "Ctrl+F"
    assert rows["Remove the selected step"] == "Del"
    assert rows["Guide"] == "F1" and "Save" in rows and "Undo" in rows
    window.shortcuts_action.trigger()
    shown = window.findChildren(ShortcutsDialog)
    assert shown and shown[0].table.rowCount() == len(rows)
    shown[0].reject()


def test_the_first_launch_hint_shows_once(settings: QSettings, qtbot: QtBot) -> None:
    first = MainWindow(settings, start_collector=False)
    qtbot.addWidget(first)
    assert first.hint.isVisibleTo(first) and FIRST_LAUNCH_HINT in first.hint.text.text()
    first.shutdown()
    second = MainWindow(settings, start_collector=False)
    qtbot.addWidget(second)
    # (the hint may still say this machine lacks a font: that is another message)
    assert second.hint.isHidden() or FIRST_LAUNCH_HINT not in second.hint.text.text()
    second.shutdown()


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_delete_removes_the_selected_step(window: MainWindow, qtbot: QtBot) -> None:
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    builder = window.builder
    builder.select_journey(2)
    builder.select_step(1)
    before = builder.steps_model.rowCount()
    builder.steps.setFocus()
    qtbot.keyClick(builder.steps, Qt.Key.Key_Delete)
    assert builder.steps_model.rowCount() == before - 1
    assert window.undo_action.text() == "&Undo Remove step"
    # Delete in a text field deletes text, not a step.
    window.scenario_panel.name.setText("abc")
    window.scenario_panel.name.setFocus()
    qtbot.keyClick(window.scenario_panel.name, Qt.Key.Key_Delete)
    assert builder.steps_model.rowCount() == before - 1


def test_labels_say_what_they_remove_and_count_right(window: MainWindow) -> None:
    assert window.builder.remove_step.text() == "Remove step"
    assert window.builder.remove_journey.text() == "Remove journey"
    assert plural(1, "request") == "1 request" and plural(1200, "request") == "1,200 requests"
    assert plural(2, "visitor") == "2 visitors" and number(0.8557050000490563, 2) == "0.86"


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_ctrl_enter_starts_the_run_and_ctrl_f_filters(
    live_window: MainWindow, qtbot: QtBot
) -> None:
    window = live_window
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    panel = window.sending.run_panel
    qtbot.waitUntil(lambda: bool(panel.target), timeout=10_000)
    panel.visitors.setValue(3)
    panel.duration.setValue(0.2)
    panel.think.setValue(0.0)
    window.builder.steps.setFocus()
    with qtbot.waitSignal(window.sending.run_state_changed, timeout=30_000) as started:
        qtbot.keyClick(window.builder.steps, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert started.args == [True]
    with qtbot.waitSignal(window.sending.run_state_changed, timeout=30_000) as ended:
        pass
    assert ended.args == [False]
    qtbot.keyClick(window.builder.steps, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.focusWidget() is window.sending.log.text_edit
