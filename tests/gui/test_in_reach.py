"""Every control in reach at 1024x640 and 1280x720: no button clipped, hidden or off-screen.

The test walks every tab of the window (each scenario page, Send and Locust, Run and
Click-through, Log and Dashboard) and, on each, every button that is shown: its whole
rectangle must be on the window, inside what its parents show (after scrolling a scroll area
to it, as a user would), and wide enough for its text. The toolbar's actions (Start, Pause,
Stop among them) must be on the toolbar itself, never in its overflow menu, and the log's
Verdict column must be in view without scrolling sideways.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtWidgets import (
    QAbstractButton,
    QScrollArea,
    QTabWidget,
    QToolBar,
    QWidget,
)
from pytestqt.qtbot import QtBot

from simulator_app.gui.main_window import MainWindow
from simulator_app.gui.sending.log_model import VERDICT_COLUMN

from .conftest import DEMO

SIZES = (QSize(1024, 640), QSize(1280, 720))
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _settle(qtbot: QtBot) -> None:
    qtbot.wait(60)  # the layouts run on posted events


def _scroll_areas_of(widget: QWidget) -> list[QScrollArea]:
    """The scroll areas ``widget`` is in, innermost first."""
    out = []
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            out.append(parent)
        parent = parent.parentWidget()
    return out


def _problems(window: MainWindow, where: str) -> list[str]:
    """What is out of reach on the window as it shows now."""
    out: list[str] = []
    frame = QRect(QPoint(0, 0), window.size())
    for button in window.findChildren(QAbstractButton):
        if not button.isVisible() or button.window() is not window:
            continue
        if button.parentWidget() is not None and type(button).__name__ == "QToolBarExtension":
            continue
        name = f"{where}: {type(button).__name__} {button.text()!r} ({button.objectName()})"
        for area in _scroll_areas_of(button):  # scrolled to it, as a user would
            area.ensureWidgetVisible(button, 0, 0)
        rect = QRect(button.mapTo(window, QPoint(0, 0)), button.size())
        if not frame.contains(rect):
            out.append(f"{name} off the window at {rect}")
            continue
        shown = button.visibleRegion().boundingRect()
        if shown.size() != button.size():
            out.append(f"{name} clipped to {shown.size()} of {button.size()}")
        text = button.text().replace("&", "")
        if text:
            wanted = button.fontMetrics().horizontalAdvance(text)
            if wanted > button.width():
                out.append(f"{name} cut: {button.width()} px for {wanted} px of text")
    return out


def _walk(window: MainWindow, qtbot: QtBot, label: str) -> list[str]:
    out: list[str] = []
    sending = window.sending
    for s in range(window.scenario_tabs.count()):
        window.scenario_tabs.setCurrentIndex(s)
        for r in range(window.run_tabs.count()):
            window.run_tabs.setCurrentIndex(r)
            for m in range(sending.modes.count()):
                sending.modes.setCurrentIndex(m)
                for v in range(sending.views.count()):
                    sending.views.setCurrentIndex(v)
                    _settle(qtbot)
                    where = " › ".join(
                        (
                            label,
                            window.scenario_tabs.tabText(s),
                            window.run_tabs.tabText(r),
                            sending.modes.tabText(m),
                            sending.views.tabText(v),
                        )
                    )
                    out += _problems(window, where)
    return out


def _tabs_show_every_tab(window: MainWindow) -> list[str]:
    out = []
    for tabs in window.findChildren(QTabWidget):
        if not tabs.isVisible():
            continue
        bar = tabs.tabBar()
        for i in range(tabs.count()):
            if not QRect(QPoint(0, 0), bar.size()).contains(bar.tabRect(i)):
                out.append(f"tab {tabs.tabText(i)!r} scrolled out of its bar")
    return out


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s.width()}x{s.height()}")
def test_every_control_is_in_reach(window: MainWindow, qtbot: QtBot, size: QSize) -> None:
    assert window.open_file(DEMO)
    window.show_hint("A long hint that would once have taken two lines: " + "word " * 80)
    window.show()
    window.resize(size)
    _settle(qtbot)
    # Offscreen it is that size; under a window manager on a screen that small, the window is
    # fitted inside the screen with its frame: the checks below hold for what it gets.
    assert window.width() <= size.width() and window.height() <= size.height()
    assert window.width() >= size.width() - 40 and window.height() >= size.height() - 80
    # the banner is one line, whatever it says
    assert window.hint.height() <= 3 * window.hint.fontMetrics().height()

    # The toolbar: every action on it, none in its overflow menu; the run's controls there.
    toolbar = window.toolbar
    assert isinstance(toolbar, QToolBar)
    for action in (window.start_action, window.pause_action, window.stop_action):
        assert action in toolbar.actions()
    for action in toolbar.actions():
        if action.isSeparator():
            continue
        widget = toolbar.widgetForAction(action)
        assert widget is not None and widget.isVisible(), f"{action.text()} in the overflow"
        rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
        assert QRect(QPoint(0, 0), window.size()).contains(rect), action.text()
    assert window.toolbar_progress.isVisible()

    problems = _walk(window, qtbot, f"{size.width()}x{size.height()}")
    problems += _tabs_show_every_tab(window)

    # The Verdict column is in view of the log without scrolling sideways.
    window.run_tabs.setCurrentIndex(0)
    window.sending.views.setCurrentWidget(window.sending.log)
    _settle(qtbot)
    table = window.sending.log.table
    right = table.columnViewportPosition(VERDICT_COLUMN) + table.columnWidth(VERDICT_COLUMN)
    if right > table.viewport().width():
        problems.append(f"the Verdict column ends at {right} of {table.viewport().width()} px")
    assert not problems, "\n".join(problems)


def test_the_detached_dashboard_fits_its_screen(window: MainWindow, qtbot: QtBot) -> None:
    window.show()
    _settle(qtbot)
    host = window.sending.dashboard_host
    host.detach()
    detached = host.window_
    assert detached is not None
    qtbot.waitExposed(detached)
    _settle(qtbot)
    free = detached.screen().availableGeometry()
    assert detached.width() <= free.width() and detached.height() <= free.height()
    dashboard = window.sending.dashboard
    inside = QRect(QPoint(0, 0), detached.size())
    for button in (dashboard.full_button, dashboard.detach_button, dashboard.projector_button):
        rect = QRect(button.mapTo(detached, QPoint(0, 0)), button.size())
        assert button.isVisible() and inside.contains(rect), button.text()
        assert button.fontMetrics().horizontalAdvance(button.text()) <= button.width()
    # the charts reflow to the width they get: never three columns in a narrow window
    assert dashboard.chart_columns == (
        3 if dashboard.width() >= 1000 else 2 if dashboard.width() >= 560 else 1
    )
    host.attach()
    assert host.window_ is None
