"""`nitrox-sim gui` paints a light start-up window first, then the main window, then quits."""

from __future__ import annotations

from simulator_app.gui.startup_bench import one_round

from .conftest import DEMO


def test_the_start_up_window_is_painted_before_the_main_window() -> None:
    times = one_round(str(DEMO))
    assert list(times) == ["the start-up window", "the main window"]
    assert 0 < times["the start-up window"] < times["the main window"]
