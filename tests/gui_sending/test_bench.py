"""The benchmark's functions run and report figures (no timing is asserted)."""

from __future__ import annotations

import math

import pytest
from pytestqt.qtbot import QtBot

from simulator_app.gui.sending.bench import main, measure_bytes_per_row, measure_stall


@pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen platform showing a window
def test_bench_figures_are_measured(qtbot: QtBot) -> None:
    stall = measure_stall(rows_per_second=400, seconds=0.3)
    assert math.isfinite(stall) and stall > 0
    per_row = measure_bytes_per_row(rows=3000)
    assert math.isfinite(per_row) and per_row > 0


def test_bench_rejects_bad_arguments() -> None:
    with pytest.raises(SystemExit):
        main(["--rate", "0"])
