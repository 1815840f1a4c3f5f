"""The app's main window draws the visitors preview after its first paint, not before."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from simulator_app.gui.main_window import MainWindow

from .conftest import DEMO, _close


def test_a_deferred_preview_waits_for_show_preview_then_follows_edits(
    qtbot,
    settings: QSettings,  # type: ignore[no-untyped-def]
) -> None:
    win = MainWindow(settings, start_collector=False, defer_preview=True)
    try:
        panel = win.identities_panel
        win.open_file(Path(DEMO))
        assert win.document.scenario is not None
        assert panel.model.rowCount() == 0  # nothing built before the window is on screen
        panel.show_preview()
        assert panel.model.rowCount() == 20
        first = panel.model.index(0, panel.model.COLUMNS.index("Name")).data()
        panel.seed.setValue(12345)  # an edit after that redraws at once
        assert panel.model.index(0, panel.model.COLUMNS.index("Name")).data() != first
    finally:
        _close(win)
