"""Projector mode and zoom: larger text, figures and chart axes, high contrast, a reflowing grid."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from simulator_app.core.model import Scenario
from simulator_app.gui.sending.dashboard import PROJECTOR_ZOOM, ZOOM_RANGE, Dashboard
from simulator_app.gui.sending.live_stats import LiveStats


def _sizes(dashboard: Dashboard) -> tuple[float, float, int]:
    figure = dashboard.figures["contract"].value.font().pointSizeF()
    tick = dashboard.rps_plot.getAxis("left").style["tickFont"]
    axis = dashboard.funnel_plot.getAxis("left").maximumWidth()
    return figure, tick.pointSizeF() if tick is not None else 0.0, axis


def test_projector_mode_scales_text_figures_and_axes(buyer: Scenario, qtbot: QtBot) -> None:
    stats = LiveStats()
    stats.scenario = buyer
    dashboard = Dashboard(stats)
    qtbot.addWidget(dashboard)
    dashboard.resize(1280, 720)
    dashboard.set_zoom(1.0)
    figure, tick, axis = _sizes(dashboard)
    dashboard.set_projector(True)
    assert dashboard.projector and dashboard.zoom == PROJECTOR_ZOOM
    assert dashboard.projector_button.isChecked()
    big_figure, big_tick, big_axis = _sizes(dashboard)
    assert big_figure > figure * 1.5 and big_tick > tick * 1.5 and big_axis > axis * 1.5
    assert "black" in dashboard.styleSheet()
    legend = dashboard.legends[0]
    assert all(label.opts.get("color") in ("#fff", None) for _, label in legend.items)
    for _ in range(20):
        dashboard.zoom_in()
    assert dashboard.zoom == ZOOM_RANGE[1]
    for _ in range(20):
        dashboard.zoom_out()
    assert dashboard.zoom == ZOOM_RANGE[0]
    dashboard.zoom_reset()
    assert dashboard.zoom == PROJECTOR_ZOOM
    dashboard.set_projector(False)
    assert dashboard.zoom == 1.0 and not dashboard.styleSheet()


def test_the_charts_reflow_to_the_width(buyer: Scenario, qtbot: QtBot) -> None:
    dashboard = Dashboard(LiveStats())
    qtbot.addWidget(dashboard)
    columns = []
    for width in (1400, 800, 500, 300):
        dashboard.reflow(width)
        columns.append((dashboard.chart_columns, dashboard.figure_columns))
    assert columns == [(3, 9), (2, 9), (1, 5), (1, 3)]
    grid = dashboard.chart_grid
    assert {grid.getItemPosition(grid.indexOf(p))[1] for p in dashboard.plots} == {0}
    # a bigger zoom takes the columns a narrower dashboard would have
    dashboard.set_zoom(2.0)
    dashboard.reflow(1400)
    assert dashboard.chart_columns == 2
