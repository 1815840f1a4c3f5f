"""Small SVG charts drawn in Python, for reports that open offline.

No script and no library: a chart is one ``<svg>`` element of paths, rects
and text, sized by its ``viewBox`` so it scales with the page. Every label
passes through :func:`html.escape`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 960
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 28, 36


@dataclass(frozen=True, slots=True)
class Series:
    """One line (or one layer of stacked bars): its name, colour and (x, y) points."""

    name: str
    colour: str
    points: Sequence[tuple[float, float]]


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


def time_label(seconds: float) -> str:
    """Seconds from the start as an axis label: 45s, 2:05, 1:02:05."""
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
        self.y_ticks = nice_ticks(y_high)
        self.y_high = self.y_ticks[-1]
        self.unit = unit
        self.plot_w = WIDTH - LEFT - RIGHT
        self.plot_h = HEIGHT - TOP - BOTTOM

    def x(self, value: float) -> float:
        return LEFT + self.plot_w * value / self.x_high

    def y(self, value: float) -> float:
        return TOP + self.plot_h * (1 - value / self.y_high)

    def axes(self) -> list[str]:
        parts = []
        for tick in self.y_ticks:
            y = self.y(tick)
            parts.append(
                f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>'
                f'<text class="tick" x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">'
                f"{escape(_number(tick))}</text>"
            )
        parts.append(
            f'<text class="unit" x="{LEFT}" y="{TOP - 14}" text-anchor="start">'
            f"{escape(self.unit)}</text>"
        )
        for tick in nice_ticks(self.x_high, 8):
            if tick > self.x_high + 1e-9:
                break
            x = self.x(tick)
            parts.append(
                f'<line class="axis" x1="{x:.1f}" y1="{HEIGHT - BOTTOM}" x2="{x:.1f}"'
                f' y2="{HEIGHT - BOTTOM + 5}"/>'
                f'<text class="tick" x="{x:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">'
                f"{escape(time_label(tick))}</text>"
            )
        parts.append(
            f'<line class="axis" x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}"'
            f' y2="{HEIGHT - BOTTOM}"/>'
        )
        return parts


def _svg(title: str, parts: list[str], series: Sequence[Series]) -> str:
    legend = "".join(
        f'<span class="key"><i style="background:{escape(s.colour)}"></i>{escape(s.name)}</span>'
        for s in series
    )
    return (
        f'<figure class="chart"><figcaption>{escape(title)}<span class="legend">{legend}'
        f'</span></figcaption><svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        + "".join(parts)
        + "</svg></figure>"
    )


def line_chart(title: str, unit: str, x_high: float, series: Sequence[Series]) -> str:
    """Lines over time (x in seconds from the start); a point alone is a dot."""
    y_high = max((y for s in series for _, y in s.points), default=0.0)
    frame = _Frame(x_high, y_high, unit)
    parts = frame.axes()
    for s in series:
        if not s.points:
            continue
        coords = [f"{frame.x(x):.1f},{frame.y(y):.1f}" for x, y in s.points]
        colour = escape(s.colour)
        if len(coords) == 1:
            x, y = coords[0].split(",")
            parts.append(f'<circle cx="{x}" cy="{y}" r="4" fill="{colour}"/>')
        else:
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2"'
                f' stroke-linejoin="round" points="{" ".join(coords)}"/>'
            )
    return _svg(title, parts, series)


def stacked_bars(
    title: str, unit: str, x_high: float, width: float, series: Sequence[Series]
) -> str:
    """Bars ``width`` seconds wide from each x, the series stacked bottom to top."""
    totals: dict[float, float] = {}
    for s in series:
        for x, y in s.points:
            totals[x] = totals.get(x, 0.0) + y
    frame = _Frame(x_high, max(totals.values(), default=0.0), unit)
    parts = frame.axes()
    base: dict[float, float] = {}
    bar_w = max(1.0, frame.plot_w * width / frame.x_high - 1)
    for s in series:
        colour = escape(s.colour)
        for x, y in s.points:
            if y <= 0:
                continue
            below = base.get(x, 0.0)
            top, bottom = frame.y(below + y), frame.y(below)
            parts.append(
                f'<rect x="{frame.x(x):.1f}" y="{top:.1f}" width="{bar_w:.1f}"'
                f' height="{max(bottom - top, 0.5):.1f}" fill="{colour}"/>'
            )
            base[x] = below + y
    return _svg(title, parts, series)
