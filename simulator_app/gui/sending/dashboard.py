"""The dashboard's widgets: headline figures, live charts (pyqtgraph), endpoint and funnel tables.

Everything is drawn from :class:`LiveStats`' aggregates (per-second buckets,
counters), never from rows, and only while the dashboard is on screen. Drawing
is cut in small pieces so that no timer tick or repaint holds the event loop
long, whatever the run's rate:

- Every :data:`TICK_MS` the dashboard draws *one* piece: the headline figures,
  or one chart, or the tables, the next one due in turn whose data changed.
  A chart is due again :data:`CALM_INTERVAL` after it was drawn, or
  :data:`BUSY_INTERVAL` while the run is busy (2 Hz).
- Curves get float arrays (no finite check, no auto-range); bars keep their
  items and get new sizes; axes keep their ranges until the data outgrows
  them (or shrinks well below), and the time axes step forward ten seconds at
  a time, so tick labels and grid lines are laid out again seldom.
- Axes, grid lines, titles and legends are cached as pixmaps: a new curve is
  painted over them, they are not drawn again.

:class:`DashboardHost` is what the sending area shows: the dashboard itself,
or, while it is detached to a window of its own (a second screen, a
projector), a line saying so with a button to bring it back.
"""

from __future__ import annotations

import itertools
import math
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QFont,
    QFontMetrics,
    QKeySequence,
    QResizeEvent,
    QScreen,
    QShortcut,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
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
from simulator_app.core.verdicts import RunTally
from simulator_app.gui.sending.live_stats import LiveStats, Series
from simulator_app.gui.sending.stats_view import StatsPanel
from simulator_app.gui.widgets import fit_to_screen

TICK_MS = 50  # one piece of the dashboard drawn per tick at most
CALM_INTERVAL = 0.25  # seconds before one chart is drawn again (4 Hz)
BUSY_INTERVAL = 0.5  # the same while the run is busy (2 Hz)
BUSY_RATE = 500.0  # requests per second from which the run counts as busy
TABLES_INTERVAL = 1.0  # the endpoint and funnel tables, at most once a second
TOP_COUNTRIES = 10
TOP_DEVICES = 8
TIME_SPAN = 60  # seconds the time axes show at least
TIME_STEP = 10  # the time axes move forward this many seconds at a time
TIME_AXIS_WIDTH = 54  # pixels of the time charts' left axis at zoom 1
ZOOM_STEP = 1.25  # Ctrl+plus / Ctrl+minus
ZOOM_RANGE = (0.6, 4.0)
PROJECTOR_ZOOM = 1.6  # the zoom projector mode starts at
# The dashboard's width from which the charts take 3, 2 columns (else 1), and the figures 9, 5
CHART_COLUMNS = ((1000, 3), (560, 2))
FIGURE_COLUMNS = ((760, 9), (400, 5))
_BLUE, _ORANGE, _RED, _GREEN, _GREY = "#1e6ec8", "#e08a00", "#c0392b", "#2e8b57", "#9aa4ad"
_CYAN = "#4fc3ff"  # the blue of projector mode, bright on black
_ROUND = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)  # axis ends, times 10**n
_OVERTAKE = 1.05  # a bar moves above another once it is 5% longer
_CACHED = QGraphicsItem.CacheMode.DeviceCoordinateCache

Floats = npt.NDArray[np.float64]


def _money(value: float) -> str:
    return f"{value:,.2f}"


def nice_top(value: float) -> float:
    """The axis end for data up to ``value``: a round number (see :data:`_ROUND`), 10% above it."""
    wanted = max(1.0, value * 1.1)
    power = 10.0 ** math.floor(math.log10(wanted))
    return next(power * m for m in _ROUND if power * m >= wanted)


class AxisEnd:
    """An axis end that follows the data sparsely: up when outgrown, down when far too big."""

    def __init__(self) -> None:
        self.value = 0.0

    def fit(self, highest: float) -> bool:
        """Follow ``highest``; True when the end moved (the axis must be set again)."""
        top = nice_top(highest)
        if top > self.value or top * 4 < self.value:
            self.value = top
            return True
        return False


class _Figure(QWidget):
    """One headline number with its caption, large enough to read from the back of a room."""

    def __init__(self, caption: str) -> None:
        super().__init__()
        self.value = QLabel("—")
        self._base = QFont(self.value.font()).pointSizeF()
        self.caption = QLabel(caption)
        self.set_zoom(1.0)
        for label in (self.value, self.caption):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(0)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)

    def set(self, text: str) -> None:
        if self.value.text() != text:
            self.value.setText(text)

    def set_zoom(self, zoom: float) -> None:
        """The number at 1.6 times the text size, both scaled by ``zoom`` (projector mode)."""
        font = QFont(self.value.font())
        font.setPointSizeF(self._base * 1.6 * zoom)
        font.setBold(True)
        self.value.setFont(font)
        small = QFont(self.caption.font())
        small.setPointSizeF(self._base * zoom)
        self.caption.setFont(small)


def _plot(title: str, left: str, time_axis: bool) -> pg.PlotWidget:
    axes = {"bottom": pg.DateAxisItem(orientation="bottom")} if time_axis else {}
    plot = pg.PlotWidget(background="w", axisItems=axes)
    plot.setAntialiasing(False)
    plot.setTitle(title, color="#222", size="10pt")
    plot.setLabel("left", left)
    plot.setMouseEnabled(x=False, y=False)
    plot.disableAutoRange()
    plot.hideButtons()
    plot.setMinimumSize(120, 90)
    plot.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
    item = plot.getPlotItem()
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setTextPen("#333")
        axis.setPen("#888")
        axis.setCacheMode(_CACHED)  # with its grid lines: painted once per range
    item.titleLabel.setCacheMode(_CACHED)
    return plot


def _pen(colour: str, width: float = 2.0) -> pg.mkPen:
    return pg.mkPen(QColor(colour), width=width)


def _legend(plot: pg.PlotWidget, offset: tuple[int, int] = (5, 5)) -> pg.LegendItem:
    legend = plot.addLegend(offset=offset, labelTextColor="#222")
    legend.setCacheMode(_CACHED)
    return legend


class _TimeChart:
    """Curves over the per-second timeline, on a clock-time axis that steps forward."""

    def __init__(
        self,
        plot: pg.PlotWidget,
        curves: Sequence[pg.PlotDataItem],
        values: Callable[[Series], Sequence[Sequence[float]]],
    ) -> None:
        self.plot = plot
        self.curves = curves
        self.values = values  # the curves' y values, in the order of ``curves``
        self.top = AxisEnd()
        self.span = (0.0, 0.0)
        self.drawn: list[Floats] = []
        plot.showGrid(x=False, y=True, alpha=0.25)
        plot.setYRange(0, 1, padding=0)
        # A fixed width: a longer top label ("10000") must not lay the whole plot out again.
        plot.getAxis("left").setWidth(TIME_AXIS_WIDTH)

    def draw(self, series: Series, xs: Floats, span: tuple[float, float]) -> bool:
        """Show ``series``; False (and nothing redrawn) when it shows that already."""
        ys = [np.asarray(v, dtype=np.float64) for v in self.values(series)]
        drawn = [xs, *ys]
        if len(drawn) == len(self.drawn) and all(
            np.array_equal(a, b) for a, b in zip(drawn, self.drawn, strict=True)
        ):
            return False
        self.drawn = drawn
        for curve, y in zip(self.curves, ys, strict=True):
            curve.setData(xs, y, skipFiniteCheck=True)
        if span != self.span:
            self.span = span
            self.plot.setXRange(*span, padding=0)
        if self.top.fit(max((float(y.max()) for y in ys if y.size), default=0.0)):
            self.plot.setYRange(0, self.top.value, padding=0)
        return True


def time_span(seconds: Sequence[int]) -> tuple[float, float]:
    """The time axis for ``seconds``: at least :data:`TIME_SPAN`, ends on a :data:`TIME_STEP`."""
    if not seconds:
        now = math.ceil(time.time() / TIME_STEP) * TIME_STEP
        return float(now - TIME_SPAN), float(now)
    end = math.ceil((seconds[-1] + 1) / TIME_STEP) * TIME_STEP
    start = min(seconds[0] // TIME_STEP * TIME_STEP, end - TIME_SPAN)
    return float(start), float(end)


def ranked(counts: Counter[str], top: int, shown: list[str]) -> list[str]:
    """The ``top`` most common names, most first, in the order ``shown`` while it still holds.

    Two names close in count would otherwise swap places back and forth (and
    the axis be laid out again each time): ``shown`` stays while it holds the
    same names and none has more than :data:`_OVERTAKE` times the count of the
    one above it.
    """
    names = [name for name, _ in counts.most_common(top)]
    if sorted(shown) == sorted(names) and all(
        counts[below] <= counts[above] * _OVERTAKE for above, below in itertools.pairwise(shown)
    ):
        return shown
    return names


class _Bars:
    """A horizontal bar chart over named categories (names on the left axis, first on top).

    Its bar items stay; new figures only resize them.
    """

    def __init__(
        self, plot: pg.PlotWidget, colours: tuple[str, ...], names_width: int = 112
    ) -> None:
        self.plot = plot
        self.names_width = names_width
        self.names: list[str] = []
        self._ticks: list[tuple[int, str]] = []
        self.values: list[list[float]] = []
        self.top = AxisEnd()
        self.items = [
            pg.BarGraphItem(x0=0, y=[], height=0.5, width=[], brush=colour, pen=None)
            for colour in colours
        ]
        for item in self.items:
            plot.addItem(item)
        plot.invertY(True)
        plot.showGrid(x=True, y=False, alpha=0.25)
        plot.setXRange(0, 1, padding=0)
        # A fixed axis: long names must not widen the plot past its cell (the zoom scales it).
        plot.getAxis("left").setWidth(names_width)

    def fit_names(self) -> None:
        """Name every row the plot has the height for, every second or third one if not.

        Names written over each other cannot be read: on a short plot, fewer of them.
        """
        axis = self.plot.getAxis("left")
        font = axis.style.get("tickFont") or QFont()
        line = QFontMetrics(font).height()
        height = self.plot.getViewBox().height()
        rows = len(self.names)
        step = max(1, math.ceil(rows * line / height)) if height > 0 else 1
        ticks = [(i, n) for i, n in enumerate(self.names) if i % step == 0]
        if ticks != self._ticks:
            self._ticks = ticks
            axis.setTicks([ticks, []])

    def set(self, names: list[str], *groups: list[float]) -> bool:
        """Show ``groups`` (one per colour) over ``names``; False when shown already."""
        values = [list(g) for g in groups]
        if names == self.names and values == self.values:
            return False
        if names != self.names:
            self.plot.setYRange(-0.6, max(0, len(names) - 1) + 0.6, padding=0)
        height = 0.8 / max(1, len(values))
        for n, (item, group) in enumerate(zip(self.items, values, strict=False)):
            ys = [i - 0.4 + height * (n + 0.5) for i in range(len(names))]
            item.setOpts(y=ys, height=height * 0.9, width=group)
        renamed = names != self.names
        self.names, self.values = names, values
        if renamed:
            self.fit_names()
        if self.top.fit(max((v for g in values for v in g), default=0.0)):
            self.plot.setXRange(0, self.top.value, padding=0)
        return True


class Dashboard(QWidget):
    """Live view of a run: figures, rate, latency percentiles, errors, funnel, visitors.

    Signals: ``detach_requested()`` and ``attach_requested()`` from its button.
    """

    detach_requested = Signal()
    attach_requested = Signal()

    def __init__(self, stats: LiveStats, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stats = stats
        self.detached = False

        self.progress = QProgressBar()
        self.progress.setFormat("%v / %m visitors")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setMinimumWidth(60)
        self.run_line = QLabel("No run yet.")
        # Wrapped, in a row of its own, two lines high: the end-of-run message is read whole,
        # and a longer or shorter line never moves the charts below.
        self.run_line.setWordWrap(True)
        self.run_line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.counts_line = QLabel("No requests sent yet.")
        self.counts_line.setWordWrap(True)
        self.counts_line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.detach_button = QPushButton("Detach")
        self.detach_button.setToolTip("Show the dashboard in a window of its own (a second screen)")
        self.detach_button.clicked.connect(self._toggle_detached)
        self.full_button = QPushButton("Full screen")
        self.full_button.setToolTip("The dashboard full-screen on the screen it is on (F11; Esc)")
        self.full_button.clicked.connect(self.toggle_full_screen)
        self.projector_button = QPushButton("Projector")
        self.projector_button.setCheckable(True)
        self.projector_button.setToolTip(
            "High contrast and larger text for a room (Ctrl+plus / Ctrl+minus zoom)"
        )
        self.projector_button.toggled.connect(self.set_projector)
        top = QHBoxLayout()
        top.addWidget(self.progress, 1)
        top.addWidget(self.projector_button)
        top.addWidget(self.full_button)
        top.addWidget(self.detach_button)

        self.figures = {
            key: _Figure(caption)
            for key, caption in (
                ("requests", "sent"),
                ("rate", "req/s"),
                ("transport", "failed"),
                ("good", "judged good"),
                ("contract", "judged bad"),
                ("visitors", "visitors"),
                ("orders", "orders"),
                ("revenue", "revenue"),
                ("aov", "avg order"),
            )
        }
        self.figure_grid = QGridLayout()
        self.figure_grid.setSpacing(2)
        tips = {
            "rate": "requests per second over the last 5 seconds",
            "transport": "no answer, or an error status",
            "good": "delivered and judged good by the collector (with or without warnings)",
            "contract": "answered, but the collector judged them bad (contract failures)",
            "aov": "average order value",
        }
        for key, figure in self.figures.items():
            figure.setToolTip(tips.get(key, ""))

        self.rps_plot = _plot("Requests per second", "req/s", time_axis=True)
        self.rps_curve = self.rps_plot.plot(pen=_pen(_BLUE), fillLevel=0, brush=(30, 110, 200, 50))
        self.latency_plot = _plot("Latency percentiles", "ms", time_axis=True)
        self.legends = [_legend(self.latency_plot)]
        self.p50_curve = self.latency_plot.plot(pen=_pen(_GREEN), name="p50")
        self.p95_curve = self.latency_plot.plot(pen=_pen(_ORANGE), name="p95")
        self.p99_curve = self.latency_plot.plot(pen=_pen(_RED), name="p99")
        self.error_plot = _plot("Errors per second", "req/s", time_axis=True)
        self.legends.append(_legend(self.error_plot))
        self.transport_curve = self.error_plot.plot(pen=_pen(_RED), name="transport")
        self.contract_curve = self.error_plot.plot(pen=_pen(_ORANGE), name="judged bad")
        self.funnel_plot = _plot("Funnel", "", False)
        self.funnel_plot.setLabel("bottom", "% of visitors")
        self.funnel_bars = _Bars(self.funnel_plot, (_GREY, _BLUE))
        funnel_legend = _legend(self.funnel_plot, offset=(-5, -5))
        self.legends.append(funnel_legend)
        for item, name in zip(self.funnel_bars.items, ("expected", "measured"), strict=True):
            funnel_legend.addItem(item, name)
        self.funnel_note = pg.TextItem("", color="#a0301a", anchor=(0.5, 0.5))
        self.funnel_plot.addItem(self.funnel_note, ignoreBounds=True)
        self.country_plot = _plot("Visitors by country, %", "", False)
        self.country_bars = _Bars(self.country_plot, (_BLUE,), names_width=44)
        self.device_plot = _plot("Visitors by device, %", "", False)
        self.device_bars = _Bars(self.device_plot, (_GREEN,), names_width=64)
        self.time_charts = (
            _TimeChart(self.rps_plot, (self.rps_curve,), lambda s: (s.requests,)),
            _TimeChart(
                self.latency_plot,
                (self.p50_curve, self.p95_curve, self.p99_curve),
                lambda s: (s.p50, s.p95, s.p99),
            ),
            _TimeChart(
                self.error_plot,
                (self.transport_curve, self.contract_curve),
                lambda s: (s.transport, s.contract),
            ),
        )
        self.plots = (
            self.rps_plot,
            self.latency_plot,
            self.error_plot,
            self.funnel_plot,
            self.country_plot,
            self.device_plot,
        )
        # each plot's left axis width at zoom 1 (the zoom scales it with the text)
        self._axis_widths = {id(c.plot): TIME_AXIS_WIDTH for c in self.time_charts}
        for bars in (self.funnel_bars, self.country_bars, self.device_bars):
            self._axis_widths[id(bars.plot)] = bars.names_width
        charts = QWidget()
        self.chart_grid = QGridLayout(charts)
        self.chart_grid.setContentsMargins(0, 0, 0, 0)
        self.chart_grid.setSpacing(4)
        self.chart_columns = 0
        self.figure_columns = 0
        self.zoom = 1.0
        self.projector = False

        self.tables = StatsPanel(stats)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(charts)
        split.addWidget(self.tables)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([3000, 1000])
        self.split = split
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.run_line)
        layout.addLayout(self.figure_grid)
        layout.addWidget(self.counts_line)
        layout.addWidget(split, 1)
        self._fix_line_heights()
        self.reflow(1280)

        # The pieces drawn in turn: each returns False when it had nothing new to show.
        self._pieces: list[Callable[[], bool]] = [
            self._draw_figures,
            *(self._time_piece(chart) for chart in self.time_charts),
            self._draw_funnel,
            self._draw_countries,
            self._draw_devices,
            self._draw_tables,
        ]
        self._drawn_at = [-math.inf] * len(self._pieces)  # when each piece last drew
        self._seen = [-1] * len(self._pieces)  # the stats version each piece last looked at
        self._next = 0
        self._series: tuple[int, Series, Floats, tuple[float, float]] | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self.refresh()

    # -- the run's progress (the area forwards it on every flush) -----------

    def set_counts(self, tally: RunTally) -> None:
        """The run's counts in the tally's own words (the Run tab and status bar say the same)."""
        line = tally.line()
        if self.counts_line.text() != line:
            self.counts_line.setText(line)

    # -- layout: reflow, zoom, projector ----------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.reflow(event.size().width())
        QTimer.singleShot(0, self, self._fit_names)  # once the plots have their new heights

    def _fit_names(self) -> None:
        for bars in (self.funnel_bars, self.country_bars, self.device_bars):
            bars.fit_names()

    def reflow(self, width: int) -> None:
        """Charts in 3, 2 or 1 columns and the figures in 9, 5 or 3, as ``width`` allows."""
        zoomed = width / max(1.0, self.zoom)
        charts = next((n for least, n in CHART_COLUMNS if zoomed >= least), 1)
        figures = next((n for least, n in FIGURE_COLUMNS if zoomed >= least), 3)
        if charts != self.chart_columns:
            self.chart_columns = charts
            for plot in self.plots:
                self.chart_grid.removeWidget(plot)
            for i, plot in enumerate(self.plots):
                self.chart_grid.addWidget(plot, i // charts, i % charts)
        if figures != self.figure_columns:
            self.figure_columns = figures
            for figure in self.figures.values():
                self.figure_grid.removeWidget(figure)
            for i, figure in enumerate(self.figures.values()):
                self.figure_grid.addWidget(figure, i // figures, i % figures)

    def _fix_line_heights(self) -> None:
        for label in (self.run_line, self.counts_line):
            label.setFixedHeight(label.fontMetrics().lineSpacing() * 2 + 4)

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom / ZOOM_STEP)

    def zoom_reset(self) -> None:
        self.set_zoom(PROJECTOR_ZOOM if self.projector else 1.0)

    def set_zoom(self, zoom: float) -> None:
        """Scale the text, the figures and the charts' titles and axes (Ctrl+plus/minus)."""
        low, high = ZOOM_RANGE
        self.zoom = zoom = min(high, max(low, zoom))
        for figure in self.figures.values():
            figure.set_zoom(zoom)
        base = QFont().pointSizeF()
        for label in (self.run_line, self.counts_line):
            font = QFont(label.font())
            font.setPointSizeF(base * zoom)
            label.setFont(font)
        self._fix_line_heights()
        text = "#fff" if self.projector else "#222"
        tick_font = QFont()
        tick_font.setPointSizeF(base * 0.9 * zoom)
        for plot in self.plots:
            item = plot.getPlotItem()
            plot.setTitle(item.titleLabel.text, color=text, size=f"{10 * zoom:.0f}pt")
            for name in ("left", "bottom"):
                axis = plot.getAxis(name)
                axis.setTickFont(tick_font)
                axis.setTextPen(text if self.projector else "#333")
                axis.label.setFont(tick_font)
            plot.getAxis("left").setWidth(round(self._axis_widths[id(plot)] * zoom))
            plot.getAxis("bottom").setHeight(round(tick_font.pointSizeF() * 3.2))
        self.reflow(self.width())
        self._fit_names()
        self.refresh()

    def set_projector(self, on: bool) -> None:
        """High contrast (white on black, thicker lines) and larger text, for a room."""
        if self.projector_button.isChecked() != on:
            self.projector_button.setChecked(on)  # calls back here once
            return
        self.projector = on
        background = "k" if on else "w"
        for plot in self.plots:
            plot.setBackground(background)
        width = 4.0 if on else 2.0
        for curve, colour in (
            (self.rps_curve, _BLUE if not on else _CYAN),
            (self.p50_curve, _GREEN),
            (self.p95_curve, _ORANGE),
            (self.p99_curve, _RED),
            (self.transport_curve, _RED),
            (self.contract_curve, _ORANGE),
        ):
            curve.setPen(_pen(colour, width))
        for legend in self.legends:
            legend.setLabelTextColor("#fff" if on else "#222")
            for _sample, label in legend.items:  # the labels made so far keep their colour
                label.setText(label.text, color="#fff" if on else "#222")
        self.setStyleSheet(
            "Dashboard, Dashboard QLabel { background: black; color: white; }" if on else ""
        )
        self.set_zoom(PROJECTOR_ZOOM if on else 1.0)

    def set_progress(self, done: int, total: int, line: str) -> None:
        self.progress.setMaximum(max(1, total))
        self.progress.setValue(min(done, max(1, total)))
        if self.run_line.text() != line:
            self.run_line.setText(line)

    # -- drawing --------------------------------------------------------------

    def tick(self) -> None:
        """One timer tick: draw the next piece that is due and changed, if any.

        One piece per tick, so one tick's repaint is one chart (or the figures,
        or the tables), never the whole dashboard.
        """
        if not self.isVisible():
            return
        stats = self.stats
        stats.resolve_visitors()
        now = time.monotonic()
        busy = stats.recent_rate() >= BUSY_RATE
        interval = BUSY_INTERVAL if busy else CALM_INTERVAL
        count = len(self._pieces)
        for step in range(count):
            n = (self._next + step) % count
            if self._seen[n] == stats.version:
                continue
            wait = TABLES_INTERVAL if n == count - 1 else interval
            if now - self._drawn_at[n] < wait:
                continue
            self._seen[n] = stats.version
            if self._pieces[n]():
                self._drawn_at[n] = now
                self._next = (n + 1) % count
                return

    def refresh(self) -> None:
        """Draw everything as it is now."""
        self.stats.resolve_visitors()
        now = time.monotonic()
        for n, piece in enumerate(self._pieces):
            self._seen[n] = self.stats.version
            if piece():
                self._drawn_at[n] = now

    def _timeline(self) -> tuple[Series, Floats, tuple[float, float]]:
        """The per-second series, its x values and time axis span, made once per stats version."""
        version = self.stats.version
        if self._series is None or self._series[0] != version:
            series = self.stats.series()
            # a second's figures sit mid-second
            xs = np.asarray(series.seconds, dtype=np.float64) + 0.5
            self._series = (version, series, xs, time_span(series.seconds))
        return self._series[1:]

    def _time_piece(self, chart: _TimeChart) -> Callable[[], bool]:
        return lambda: chart.draw(*self._timeline())

    def _draw_funnel(self) -> bool:
        rows = self.stats.funnel_rows()
        note = "" if rows else "funnel unavailable: the scenario has problems"
        if self.funnel_note.toPlainText() != note:
            self.funnel_note.setText(note)
            self.funnel_note.setPos(50, 0)
        order = [t for t in FUNNEL_ORDER if any(t == r[0] for r in rows)]
        got = {t: (e, m) for t, e, m in rows}
        return self.funnel_bars.set(
            order,
            [round((got[t][0] or 0.0) * 100, 1) for t in order],
            [round((got[t][1] or 0.0) * 100, 1) for t in order],
        )

    def _draw_countries(self) -> bool:
        return self._counts(self.country_bars, self.stats.countries, TOP_COUNTRIES)

    def _draw_devices(self) -> bool:
        return self._counts(self.device_bars, self.stats.devices, TOP_DEVICES)

    def _draw_figures(self) -> bool:
        stats = self.stats
        figures = self.figures
        figures["requests"].set(f"{stats.requests:,}")
        rate = stats.recent_rate()
        figures["rate"].set(f"{rate:,.0f}")
        tally = stats.tally
        figures["transport"].set(f"{tally.transport:,}")
        figures["good"].set(f"{tally.good:,}")
        figures["contract"].set(f"{tally.bad:,}")
        figures["visitors"].set(f"{stats.measured.visitors:,}")
        figures["orders"].set(f"{stats.orders:,}")
        figures["revenue"].set(_money(stats.revenue))
        figures["aov"].set(_money(stats.average_order_value) if stats.orders else "—")
        return True

    def _draw_tables(self) -> bool:
        self.tables.refresh()
        return True

    @staticmethod
    def _counts(bars: _Bars, counts: Counter[str], top: int) -> bool:
        """Show the ``top`` most common names and "other", in % of all (0.1% steps)."""
        total = sum(counts.values())
        if not total:
            return bars.set([], [])
        names = ranked(counts, top, [n for n in bars.names if n != "other"])
        rest = total - sum(counts[n] for n in names)
        shares = [round(counts[n] / total * 100, 1) for n in names]
        if rest:
            names, shares = [*names, "other"], [*shares, round(rest / total * 100, 1)]
        return bars.set(names, shares)

    # -- its own window -------------------------------------------------------

    def _toggle_detached(self) -> None:
        if self.detached:
            self.attach_requested.emit()
        else:
            self.detach_requested.emit()

    def toggle_full_screen(self) -> None:
        """F11: the dashboard full-screen on the screen it is on (detached first), or back."""
        if not self.detached:
            self.detach_requested.emit()  # the host opens its window on this screen
            if not self.detached:
                return
        window = self.window()
        if window.isFullScreen():
            self.leave_full_screen()
        else:
            window.showFullScreen()
            self.full_button.setText("Leave full screen")

    def leave_full_screen(self) -> None:
        """Esc: out of full screen (the dashboard stays in its window)."""
        window = self.window()
        if self.detached and window.isFullScreen():
            window.showNormal()
        self.full_button.setText("Full screen")

    def set_detached(self, detached: bool) -> None:
        self.detached = detached
        self.detach_button.setText("Bring back" if detached else "Detach")
        self.full_button.setText("Full screen")


class _DashboardWindow(QWidget):
    """The top-level window a detached dashboard lives in; closing it brings it back."""

    closed = Signal()

    def __init__(self, dashboard: Dashboard, screen: QScreen | None = None) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.setWindowTitle("Nitrox Traffic Simulator: dashboard")
        if screen is not None:
            self.setScreen(screen)  # the screen the app is on
        fit_to_screen(self, 1280, 720)  # at most 1280x720, never larger than that screen
        # The main window's View actions do not reach this window: its own keys, the same ones.
        for keys, slot in (
            (("Ctrl++", "Ctrl+="), dashboard.zoom_in),
            (("Ctrl+-",), dashboard.zoom_out),
            (("Ctrl+0",), dashboard.zoom_reset),
            (("F11",), dashboard.toggle_full_screen),
            (("Esc",), dashboard.leave_full_screen),
        ):
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.activated.connect(slot)
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
        window = self.window_ = _DashboardWindow(self.dashboard, self.screen())
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
        self.dashboard.stats.shutdown()
        self.attach()
