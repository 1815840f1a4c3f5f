"""Work back from the dashboard: typed target shares become continue probabilities, undoably."""

from __future__ import annotations

from simulator_app.core.funnel import expected_funnel
from simulator_app.gui.main_window import MainWindow

from .conftest import DEMO


def test_target_shares_are_written_as_one_undoable_edit(window: MainWindow) -> None:
    assert window.open_file(DEMO)
    document = window.document
    before = document.scenario
    assert before is not None
    targets = window.builder.funnel_targets
    targets.shares.setText("buy=3%, checkout=8%")
    assert targets.apply()
    after = document.scenario
    assert after is not None
    funnel = expected_funnel(after)
    assert abs(funnel.shares["buy"] - 0.03) < 0.001
    assert abs(funnel.shares["checkout"] - 0.08) < 0.001
    # The funnel view shows the new shares, and the comments of the file stay.
    assert abs(window.builder.funnel.funnel_model.share("buy") - 0.03) < 0.001
    assert DEMO.read_text(encoding="utf-8").splitlines()[0] in document.text()
    assert window.undo_action.text() == "&Undo Drop-offs for buy=3.0%, checkout=8.0%"
    window.undo_action.trigger()
    assert document.scenario == before


def test_impossible_or_garbled_targets_say_why(window: MainWindow) -> None:
    targets = window.builder.funnel_targets
    text = window.document.text()
    targets.shares.setText("buy=150%")
    assert not targets.apply()
    assert "between 0% and 100%" in targets.message.text()
    targets.shares.setText("purchase=3%")
    assert not targets.apply()
    assert "STEP=SHARE" in targets.message.text()
    targets.shares.setText("view=50%")  # every visitor views the first page
    assert not targets.apply()
    assert targets.message.text().startswith("view=50.0% cannot be reached")
    assert window.document.text() == text
