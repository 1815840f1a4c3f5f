"""Small SVG charts for reports that open offline: the geometry here, the markup in a template.

No script and no library: :func:`line_chart` and :func:`stacked_bars` work
out a :class:`Chart` (axes, ticks, bars, lines, the legend) in plain
numbers and strings; ``templates/chart.html`` draws it as one ``<svg>``
sized by its ``viewBox``, every label autoescaped by Jinja2.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH = 960
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 28, 36


@dataclass(frozen=True, slots=True)
class Series:
    """One line (or one layer of stacked bars): its name, colour and (x, y) points."""

    name: str
    colour: str
    points: Sequence[tuple[float, float]]


@dataclass(frozen=True, slots=True)
class Tick:
    """A tick at ``at`` (SVG units) with its label."""

    at: float
    label: str


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str


@dataclass(frozen=True, slots=True)
class Line:
    colour: str
    points: tuple[tuple[float, float], ...]  # one point: drawn as a dot


@dataclass
class Chart:
    """Everything the chart template draws, in SVG units."""

    title: str
    unit: str
    legend: list[tuple[str, str]]  # (name, colour)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM


def nice_ticks(high: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``high``: 0, 20, 40... or 0, 0.5, 1..."""
    if high <= 0 or not math.isfinite(high):
        return [0.0, 1.0]
    raw = high / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = [0.0]
    while ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _number(value: float) -> str:
    if value >= 10_000:
        return f"{value / 1000:,.0f}k"
    if value >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 1 else f"{value:.2g}"


def time_label(seconds: float, step: float = 1.0) -> str:
    """Seconds from the start as an axis label: 45s, 2:05, 1:02:05; 0.25s when ``step`` < 1 s."""
    if step < 1 and seconds < 60:
        return f"{round(seconds, 3):g}s"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class _Frame:
    """The plotting area of a chart: scales and axes."""

    def __init__(self, x_high: float, y_high: float, unit: str) -> None:
        self.x_high = x_high if x_high > 0 else 1.0
        self.y_values = nice_ticks(y_high)
        self.y_high = self.y_values[-1]
        self.unit = unit
        self.plot_w = WIDTH - LEFT - RIGHT
        self.plot_h = HEIGHT - TOP - BOTTOM

    def x(self, value: float) -> float:
        return round(LEFT + self.plot_w * value / self.x_high, 1)

    def y(self, value: float) -> float:
        return round(TOP + self.plot_h * (1 - value / self.y_high), 1)

    def chart(self, title: str, series: Sequence[Series]) -> Chart:
        x_values = [t for t in nice_ticks(self.x_high, 8) if t <= self.x_high + 1e-9]
        step = x_values[1] - x_values[0] if len(x_values) > 1 else 1.0
        return Chart(
            title,
            self.unit,
            [(s.name, s.colour) for s in series],
            y_ticks=[Tick(self.y(t), _number(t)) for t in self.y_values],
            x_ticks=[Tick(self.x(t), time_label(t, step)) for t in x_values],
        )


def line_chart(title: str, unit: str, x_high: float, series: Sequence[Series]) -> Chart:
    """Lines over time (x in seconds from the start); a point alone is a dot."""
    y_high = max((y for s in series for _, y in s.points), default=0.0)
    frame = _Frame(x_high, y_high, unit)
    chart = frame.chart(title, series)
    for s in series:
        if s.points:
            chart.lines.append(Line(s.colour, tuple((frame.x(x), frame.y(y)) for x, y in s.points)))
    return chart


def stacked_bars(
    title: str, unit: str, x_high: float, series: Sequence[Series], widths: Sequence[float]
) -> Chart:
    """Bars from each x, ``widths`` seconds wide (one per x, in order), stacked bottom to top."""
    totals: dict[float, float] = {}
    for s in series:
        for x, y in s.points:
            totals[x] = totals.get(x, 0.0) + y
    frame = _Frame(x_high, max(totals.values(), default=0.0), unit)
    chart = frame.chart(title, series)
    base: dict[float, float] = {}
    for s in series:
        for (x, y), width in zip(s.points, widths, strict=True):
            if y <= 0:
                continue
            below = base.get(x, 0.0)
            top, bottom = frame.y(below + y), frame.y(below)
            bar_w = max(1.0, frame.plot_w * width / frame.x_high - 1)
            chart.bars.append(
                Bar(frame.x(x), top, round(bar_w, 1), round(max(bottom - top, 0.5), 1), s.colour)
            )
            base[x] = below + y
    return chart
