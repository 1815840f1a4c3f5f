"""The app says when its collector answered requests it could not store."""

from __future__ import annotations

from simulator_app.collector.store import EventStore
from simulator_app.gui.main_window import MainWindow


def test_the_target_panel_shows_the_stores_failure(window: MainWindow) -> None:
    store = EventStore()
    store.refused, store.write_error = 7, "writing to ':memory:' failed: database or disk is full"
    summary = {"total": 3, "good": 3, "bad": 0, **store.summary()}
    store.close()
    window.target_panel._collector_summary(summary)
    text = window.target_panel.collector_counts.text()
    assert "7 requests were answered 503 and not stored" in text, text
    assert "database or disk is full" in text
