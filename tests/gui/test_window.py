"""The main window as a user drives it: build, save, reopen, undo, bad files, prompts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from simulator_app.core.scenario_file import load_scenario
from simulator_app.gui.edits import get
from simulator_app.gui.main_window import MainWindow

from .conftest import DEMO


def _palette_add(window: MainWindow, qtbot, kind: str) -> None:  # type: ignore[no-untyped-def]
    palette = window.builder.step_palette
    palette.setCurrentItem(palette.findItems(kind, Qt.MatchFlag.MatchExactly)[0])
    qtbot.mouseClick(window.builder.add_step, Qt.MouseButton.LeftButton)


def test_build_save_reopen(window: MainWindow, qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    builder = window.builder
    qtbot.mouseClick(builder.add_journey, Qt.MouseButton.LeftButton)
    assert builder.current_journey() == 3
    assert builder.journeys_model.index(3, 0).data() == "journey 1"
    builder.journeys_model.setData(builder.journeys_model.index(3, 0), "qa buyer")
    builder.journeys_model.setData(builder.journeys_model.index(3, 1), 25)
    for kind in ("categoryview", "productview", "updatecart", "checkout", "buy"):
        _palette_add(window, qtbot, kind)
    steps = builder.steps_model
    assert [steps.index(r, 0).data().split(" · ")[0] for r in range(steps.rowCount())] == [
        "1. view",
        "2. categoryview",
        "3. productview",
        "4. updatecart",
        "5. checkout",
        "6. buy",
    ]
    # Edit parameters of the updatecart step through the editor.
    builder.select_step(3)
    editor = builder.editor
    editor.quantity.high.setValue(3)
    editor.proceed.setValue(0.5)
    editor.think.high.setValue(4.5)
    # And the productview: a specific product of the catalog.
    builder.select_step(2)
    editor.product_mode.setCurrentIndex(editor.product_mode.findData("specific"))
    editor.product.setCurrentIndex(2)
    chosen = editor.product.currentData()
    # Reorder: the categoryview goes first (drag and drop ends in moveRows).
    steps.move_step(1, 0)
    assert window.document.problems == []

    target = tmp_path / "built.yaml"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.save_action.trigger()
    assert target.exists()
    assert not window.document.modified

    saved = load_scenario(target)
    journey = saved.journeys[3]
    assert (journey.name, journey.weight) == ("qa buyer", 25)
    assert [s.type for s in journey.steps] == [
        "categoryview",
        "view",
        "productview",
        "updatecart",
        "checkout",
        "buy",
    ]
    cart = journey.steps[3]
    assert cart.quantity is not None and (cart.quantity.low, cart.quantity.high) == (1, 3)
    assert cart.proceed == 0.5
    assert (cart.think.low, cart.think.high) == (0, 4.5)
    assert journey.steps[2].target == chosen

    # Reopen in a fresh window: the same scenario.
    other = MainWindow(window.settings, start_collector=False)
    qtbot.addWidget(other)
    assert other.open_file(target)
    assert other.document.scenario == window.document.scenario == saved
    other.shutdown()


def test_comments_survive_an_edit_and_save(window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    shutil.copy(DEMO, path)
    assert window.open_file(path)
    window.builder.journeys_model.setData(window.builder.journeys_model.index(1, 1), 30)
    assert window.save()
    before = DEMO.read_text(encoding="utf-8").splitlines()
    after = path.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [("    weight: 20", "    weight: 30")]
    assert after[0].startswith("# yaml-language-server")


def test_undo_redo(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    model = window.builder.journeys_model
    model.setData(model.index(0, 0), "window shopper")
    window.builder.select_journey(0)
    window.builder.select_step(1)
    window.builder.editor.proceed.setValue(0.25)
    assert get(window.document.data, ("journeys", 0, "steps", 1, "continue")) == 0.25
    assert window.windowTitle().startswith("the new scenario[*]") and window.isWindowModified()
    window.undo_action.trigger()
    assert get(window.document.data, ("journeys", 0, "steps", 1, "continue")) == 0.75
    assert window.builder.editor.proceed.value() == 0.75
    window.undo_action.trigger()
    assert model.index(0, 0).data() == "browser"
    assert not window.isWindowModified()
    window.redo_action.trigger()
    window.redo_action.trigger()
    assert model.index(0, 0).data() == "window shopper"
    assert window.builder.editor.proceed.value() == 0.25


def test_invalid_ids_show_inline_and_disable_sending(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    field = window.target_panel.fields["org_id"]
    field.value.clear()
    qtbot.keyClicks(field.value, "not-a-uuid")
    assert field.problem.isVisibleTo(window.target_panel)
    assert "must be a UUID" in field.problem.text()
    assert window.document.scenario is None
    assert any(p.field == "ids.org_id" for p in window.document.problems)
    assert window.problems.count() >= 1
    qtbot.mouseClick(field.generate, Qt.MouseButton.LeftButton)
    assert not field.problem.isVisibleTo(window.target_panel)
    assert window.document.scenario is not None
    # A fixed roaming_id must carry the biscuit_ prefix.
    roaming = window.target_panel.fields["roaming_id"]
    roaming.strategy.setCurrentIndex(roaming.strategy.findData("fixed"))
    assert roaming.value.text().startswith("biscuit_")
    roaming.value.clear()
    qtbot.keyClicks(roaming.value, "4c6e224d-96f6-430c-bfc4-d41ec31e38a4")
    assert "biscuit_" in roaming.problem.text()


def test_a_bad_file_keeps_the_current_scenario(window: MainWindow, tmp_path: Path) -> None:
    window.builder.journeys_model.setData(window.builder.journeys_model.index(0, 0), "mine")
    broken = tmp_path / "broken.yaml"
    broken.write_text("store: {base_url: [\n", encoding="utf-8")
    assert not window.open_file(broken)
    assert window.banner.isVisibleTo(window)
    assert "broken.yaml" in window.banner.text.text()
    assert not window.banner.action.isVisibleTo(window)  # not YAML: nothing to open anyway
    assert window.builder.journeys_model.index(0, 0).data() == "mine"

    invalid = tmp_path / "invalid.yaml"
    invalid.write_text(
        DEMO.read_text(encoding="utf-8").replace("org_id: 34a3f9a2", "org_id: zz"),
        encoding="utf-8",
    )
    assert not window.open_file(invalid)
    assert "ids.org_id" in window.banner.text.text()
    assert window.document.path is None
    assert window.builder.journeys_model.index(0, 0).data() == "mine"
    assert not window.open_file(tmp_path / "missing.yaml")
    assert "no such file" in window.banner.text.text()


@pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen platform, on show()
def test_open_anyway_shows_problems_next_to_fields(
    window: MainWindow, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    invalid = tmp_path / "invalid.yaml"
    invalid.write_text(
        DEMO.read_text(encoding="utf-8").replace("{type: buy}", "{type: buy, continue: 2}"),
        encoding="utf-8",
    )
    assert not window.open_file(invalid)
    window.banner.action.click()
    assert window.document.path == invalid
    assert window.problems.count() == 1
    # Named as the builder shows it (the 10th step, of the journey called buyer)...
    assert (
        "journey “buyer” › step 10 › continue: must be at most 1" in window.problems.item(0).text()
    )
    assert "journeys[2].steps[9].continue" in window.problems.item(0).toolTip()
    # ...and a click takes you there, the field focused.
    window.show()
    window.scenario_tabs.setCurrentIndex(3)
    window.problems.itemClicked.emit(window.problems.item(0))
    assert window.scenario_tabs.currentIndex() == 0
    assert window.builder.current_journey() == 2 and window.builder.current_step() == 9
    assert window.focusWidget() is window.builder.editor.proceed
    window.builder.select_journey(2)
    window.builder.select_step(9)
    assert "at most 1" in window.builder.editor.problem_text("continue")


@pytest.mark.parametrize(
    ("answer", "replaced"),
    [
        (QMessageBox.StandardButton.Cancel, False),
        (QMessageBox.StandardButton.Discard, True),
    ],
)
def test_unsaved_changes_prompt(window: MainWindow, monkeypatch, answer, replaced) -> None:  # type: ignore[no-untyped-def]
    asked: list[str] = []

    def question(*args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(str(args[2]))
        return answer

    monkeypatch.setattr(QMessageBox, "question", question)
    window.new_file()
    assert asked == []  # nothing to save yet
    window.builder.journeys_model.setData(window.builder.journeys_model.index(0, 0), "edited")
    window.new_file()
    assert asked == ["Save the changes to the new scenario?"]
    assert (window.builder.journeys_model.index(0, 0).data() == "browser") is replaced
    if not replaced:
        assert not window.close()  # closing is cancelled too
        assert len(asked) == 2


def test_prompt_save_writes_the_file(window: MainWindow, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "demo.yaml"
    shutil.copy(DEMO, path)
    assert window.open_file(path)
    window.builder.journeys_model.setData(window.builder.journeys_model.index(0, 0), "edited")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Save)
    window.new_file()
    assert "name: edited" in path.read_text(encoding="utf-8")
    assert window.document.path is None
