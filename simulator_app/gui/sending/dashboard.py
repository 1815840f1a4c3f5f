"""The dashboard's widgets: headline figures, live charts (pyqtgraph), endpoint and funnel tables.

Everything is drawn from :class:`LiveStats`' aggregates (per-second buckets,
counters), on a timer of :data:`REFRESH_MS`, and only when the figures changed
and the dashboard is on screen: a fast run costs the charts four redraws a
second whatever its rate.

:class:`DashboardHost` is what the sending area shows: the dashboard itself,
or, while it is detached to a window of its own (a second screen, a
projector), a line saying so with a button to bring it back.
"""

from __future__ import annotations

import os
import time
from collections import Counter

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QColor, QFont
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

# pyqtgraph picks a Qt binding at import: the app's, never another one installed beside it.
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
import pyqtgraph as pg

from simulator_app.core.funnel import FUNNEL_ORDER
from simulator_app.gui.sending.live_stats import LiveStats
from simulator_app.gui.sending.stats_view import StatsPanel

REFRESH_MS = 250  # 4 Hz
TOP_COUNTRIES = 10
TIME_SPAN = 60  # seconds the time axes show at least
_BLUE, _ORANGE, _RED, _GREEN, _GREY = "#1e6ec8", "#e08a00", "#c0392b", "#2e8b57", "#9aa4ad"


def _money(value: float) -> str:
    return f"{value:,.2f}"


class _Figure(QWidget):
    """One headline number with its caption, large enough to read from the back of a room."""

    def __init__(self, caption: str) -> None:
        super().__init__()
        self.value = QLabel("—")
        font = QFont(self.value.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.value.setFont(font)
        self.caption = QLabel(caption)
        for label in (self.value, self.caption):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(0)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)

    def set(self, text: str) -> None:
        self.value.setText(text)


def _plot(title: str, left: str, time_axis: bool) -> pg.PlotWidget:
    axes = {"bottom": pg.DateAxisItem(orientation="bottom")} if time_axis else {}
    plot = pg.PlotWidget(background="w", axisItems=axes)
    plot.setTitle(title, color="#222", size="10pt")
    plot.setLabel("left", left)
    plot.showGrid(x=True, y=True, alpha=0.25)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    plot.setMinimumSize(120, 90)
    plot.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
    for name in ("left", "bottom"):
        plot.getAxis(name).setTextPen("#333")
        plot.getAxis(name).setPen("#888")
    return plot


def _pen(colour: str, width: float = 2.0) -> pg.mkPen:
    return pg.mkPen(QColor(colour), width=width)


class _Bars:
    """A horizontal bar chart over named categories (names on the left axis, first on top)."""

    def __init__(self, plot: pg.PlotWidget, colours: tuple[str, ...]) -> None:
        self.plot = plot
        self.colours = colours
        self.items: list[pg.BarGraphItem] = []
        self.names: list[str] = []
        self.values: list[list[float]] = []
        plot.invertY(True)
        plot.showGrid(x=True, y=False, alpha=0.25)
        # A fixed axis: long names must not widen the plot past its cell.
        plot.getAxis("left").setWidth(92)

    def set(self, names: list[str], *groups: list[float]) -> None:
        if names == self.names and [list(g) for g in groups] == self.values:
            return
        self.names, self.values = names, [list(g) for g in groups]
        for item in self.items:
            self.plot.removeItem(item)
        self.items = []
        height = 0.8 / max(1, len(groups))
        for n, (values, colour) in enumerate(zip(groups, self.colours, strict=False)):
            ys = [i - 0.4 + height * (n + 0.5) for i in range(len(names))]
            item = pg.BarGraphItem(
                x0=0, y=ys, height=height * 0.9, width=values, brush=colour, pen=None
            )
            self.plot.addItem(item)
            self.items.append(item)
        self.plot.getAxis("left").setTicks([list(enumerate(names)), []])
        self.plot.setYRange(-0.6, max(0, len(names) - 1) + 0.6, padding=0)
        top = max((v for g in groups for v in g), default=0.0)
        self.plot.setXRange(0, max(1.0, top) * 1.05, padding=0)


class Dashboard(QWidget):
    """Live view of a run: figures, rate, latency percentiles, errors, funnel, visitors.

    Signals: ``detach_requested()`` and ``attach_requested()`` from its button.
    """

    detach_requested = Signal()
    attach_requested = Signal()

    def __init__(self, stats: LiveStats, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stats = stats
        self._drawn = [-1, -1]  # the stats version each half was drawn at
        self._phase = 0
        self.detached = False

        self.progress = QProgressBar()
        self.progress.setFormat("%v / %m visitors")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setMinimumWidth(60)
        self.run_line = QLabel("No run yet.")
        self.run_line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.detach_button = QPushButton("Detach")
        self.detach_button.setToolTip("Show the dashboard in a window of its own (a second screen)")
        self.detach_button.clicked.connect(self._toggle_detached)
        self.full_button = QPushButton("Full screen")
        self.full_button.clicked.connect(self._toggle_full_screen)
        self.full_button.setVisible(False)
        top = QHBoxLayout()
        top.addWidget(self.progress, 2)
        top.addWidget(self.run_line, 3)
        top.addWidget(self.full_button)
        top.addWidget(self.detach_button)

        self.figures = {
            key: _Figure(caption)
            for key, caption in (
                ("requests", "requests"),
                ("rate", "req/s"),
                ("transport", "failed"),
                ("contract", "bad verdicts"),
                ("visitors", "visitors"),
                ("orders", "orders"),
                ("revenue", "revenue"),
                ("aov", "avg order"),
            )
        }
        figures = QGridLayout()
        figures.setSpacing(2)
        tips = {
            "rate": "requests per second over the last 5 seconds",
            "transport": "no answer, or an error status",
            "contract": "answered, but the collector judged them bad (contract failures)",
            "aov": "average order value",
        }
        for i, (key, figure) in enumerate(self.figures.items()):
            figure.setToolTip(tips.get(key, ""))
            figures.addWidget(figure, 0, i)

        self.rps_plot = _plot("Requests per second", "req/s", time_axis=True)
        self.rps_curve = self.rps_plot.plot(pen=_pen(_BLUE), fillLevel=0, brush=(30, 110, 200, 50))
        self.latency_plot = _plot("Latency percentiles", "ms", time_axis=True)
        self.latency_plot.addLegend(offset=(5, 5), labelTextColor="#222")
        self.p50_curve = self.latency_plot.plot(pen=_pen(_GREEN), name="p50")
        self.p95_curve = self.latency_plot.plot(pen=_pen(_ORANGE), name="p95")
        self.p99_curve = self.latency_plot.plot(pen=_pen(_RED), name="p99")
        self.error_plot = _plot("Errors per second", "req/s", time_axis=True)
        self.error_plot.addLegend(offset=(5, 5), labelTextColor="#222")
        self.transport_curve = self.error_plot.plot(pen=_pen(_RED), name="transport")
        self.contract_curve = self.error_plot.plot(pen=_pen(_ORANGE), name="contract")
        self.funnel_plot = _plot("Funnel: expected / measured", "", False)
        self.funnel_plot.setLabel("bottom", "% of visitors")
        self.funnel_bars = _Bars(self.funnel_plot, (_GREY, _BLUE))
        self.country_plot = _plot("Visitors by country", "", False)
        self.country_bars = _Bars(self.country_plot, (_BLUE,))
        self.device_plot = _plot("Visitors by device", "", False)
        self.device_bars = _Bars(self.device_plot, (_GREEN,))
        charts = QWidget()
        grid = QGridLayout(charts)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        for i, plot in enumerate(
            (
                self.rps_plot,
                self.latency_plot,
                self.error_plot,
                self.funnel_plot,
                self.country_plot,
                self.device_plot,
            )
        ):
            grid.addWidget(plot, i // 3, i % 3)

        self.tables = StatsPanel(stats)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(charts)
        split.addWidget(self.tables)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([3000, 1000])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addLayout(figures)
        layout.addWidget(split, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self.refresh()

    # -- the run's progress (the area forwards it on every flush) -----------

    def set_progress(self, done: int, total: int, line: str) -> None:
        self.progress.setMaximum(max(1, total))
        self.progress.setValue(min(done, max(1, total)))
        self.run_line.setText(line)

    # -- drawing --------------------------------------------------------------

    def tick(self) -> None:
        """One timer tick: redraw one half of the dashboard if anything changed.

        The time series and the rest (bars, figures, tables) take turns, so one
        tick paints half the charts: each half is fresh twice a second and no
        single repaint holds the event loop for the whole dashboard.
        """
        if not self.isVisible():
            return
        self._phase ^= 1
        if self._phase:
            self.stats.resolve_visitors()
        if self._drawn[self._phase] != self.stats.version:
            (self._refresh_series, self._refresh_rest)[self._phase]()

    def refresh(self) -> None:
        """Draw everything as it is now."""
        self._refresh_series()
        self._refresh_rest()

    def _refresh_series(self) -> None:
        stats = self.stats
        self._drawn[0] = stats.version
        series = stats.series()
        xs = [s + 0.5 for s in series.seconds]  # a second's figures sit mid-second
        self.rps_curve.setData(xs, series.requests)
        self.p50_curve.setData(xs, series.p50)
        self.p95_curve.setData(xs, series.p95)
        self.p99_curve.setData(xs, series.p99)
        self.transport_curve.setData(xs, series.transport)
        self.contract_curve.setData(xs, series.contract)
        if xs:  # at least a minute of time axis, so its labels read as clock times
            end = xs[-1] + 0.5
            for plot in (self.rps_plot, self.latency_plot, self.error_plot):
                plot.setXRange(min(xs[0] - 0.5, end - TIME_SPAN), end, padding=0)
        errors = max(series.transport + series.contract, default=0)
        self.error_plot.setYRange(0, max(1, errors) * 1.1, padding=0)

    def _refresh_rest(self) -> None:
        stats = self.stats
        self._drawn[1] = stats.version
        rows = stats.funnel_rows()
        order = [t for t in FUNNEL_ORDER if any(t == r[0] for r in rows)]
        got = {t: (e, m) for t, e, m in rows}
        self.funnel_bars.set(
            order,
            [round((got[t][0] or 0.0) * 100, 1) for t in order],
            [round((got[t][1] or 0.0) * 100, 1) for t in order],
        )
        self._counts(self.country_bars, stats.countries, TOP_COUNTRIES)
        self._counts(self.device_bars, stats.devices, 8)

        now = int(time.time())
        recent = [stats.seconds[s].requests for s in range(now - 5, now) if s in stats.seconds]
        self.figures["requests"].set(f"{stats.requests:,}")
        self.figures["rate"].set(f"{sum(recent) / 5:,.0f}" if recent else "0")
        self.figures["transport"].set(f"{stats.failures:,}")
        self.figures["contract"].set(f"{stats.contract_failures:,}")
        self.figures["visitors"].set(f"{stats.measured.visitors:,}")
        self.figures["orders"].set(f"{stats.orders:,}")
        self.figures["revenue"].set(_money(stats.revenue))
        self.figures["aov"].set(_money(stats.average_order_value) if stats.orders else "—")
        self.tables.refresh()

    @staticmethod
    def _counts(bars: _Bars, counts: Counter[str], top: int) -> None:
        common = counts.most_common(top)
        rest = sum(counts.values()) - sum(n for _, n in common)
        names = [name for name, _ in common] + (["other"] if rest else [])
        bars.set(names, [float(n) for _, n in common] + ([float(rest)] if rest else []))

    # -- its own window -------------------------------------------------------

    def _toggle_detached(self) -> None:
        if self.detached:
            self.attach_requested.emit()
        else:
            self.detach_requested.emit()

    def _toggle_full_screen(self) -> None:
        window = self.window()
        if window.isFullScreen():
            window.showNormal()
            self.full_button.setText("Full screen")
        else:
            window.showFullScreen()
            self.full_button.setText("Leave full screen")

    def set_detached(self, detached: bool) -> None:
        self.detached = detached
        self.detach_button.setText("Bring back" if detached else "Detach")
        self.full_button.setVisible(detached)
        self.full_button.setText("Full screen")


class _DashboardWindow(QWidget):
    """The top-level window a detached dashboard lives in; closing it brings it back."""

    closed = Signal()

    def __init__(self) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.setWindowTitle("Nitrox Traffic Simulator: dashboard")
        self.resize(1280, 720)
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit()
        event.accept()


class DashboardHost(QWidget):
    """Where the dashboard sits in the window: the dashboard, or a note while it is detached."""

    def __init__(self, stats: LiveStats, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dashboard = Dashboard(stats)
        self.window_: _DashboardWindow | None = None
        self.note = QWidget()
        note_layout = QVBoxLayout(self.note)
        note_layout.addStretch(1)
        label = QLabel("The dashboard is in its own window.")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        back = QPushButton("Bring it back")
        back.clicked.connect(self.attach)
        note_layout.addWidget(label)
        note_layout.addWidget(back, 0, Qt.AlignmentFlag.AlignCenter)
        note_layout.addStretch(1)
        self.note.hide()
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.addWidget(self.dashboard)
        self.box.addWidget(self.note)
        self.dashboard.detach_requested.connect(self.detach)
        self.dashboard.attach_requested.connect(self.attach)

    def detach(self) -> None:
        """Move the dashboard to a window of its own."""
        if self.window_ is not None:
            return
        window = self.window_ = _DashboardWindow()
        window.closed.connect(self.attach)
        window.box.addWidget(self.dashboard)
        self.dashboard.set_detached(True)
        self.note.show()
        window.show()

    def attach(self) -> None:
        """Bring the dashboard back into the main window."""
        window = self.window_
        if window is None:
            return
        self.window_ = None
        self.box.insertWidget(0, self.dashboard)
        self.dashboard.set_detached(False)
        self.dashboard.show()
        self.note.hide()
        window.closed.disconnect(self.attach)
        window.close()
        window.deleteLater()

    def shutdown(self) -> None:
        self.dashboard.timer.stop()
        self.attach()
