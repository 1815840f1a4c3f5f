"""Figures as the summary, the progress line and the report write them: one spelling each."""

from __future__ import annotations


def ms_text(value: float) -> str:
    """A latency in ms as tables show it: 147, 9.5."""
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def duration_text(seconds: float) -> str:
    """Seconds as a clock: 0:05, 12:30, 1:02:03."""
    seconds = max(0, round(seconds))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def rate_text(per_second: float) -> str:
    """A rate with the digits it needs: 1,316 / 13.2 / 20 / 1.25 / 0.13 (never "0" for a few)."""
    if per_second <= 0:
        return "0"
    if per_second >= 100:
        return f"{per_second:,.0f}"
    if per_second >= 10:
        text = f"{per_second:.1f}"
    elif per_second >= 1:
        text = f"{per_second:.2f}"
    else:
        return f"{per_second:.2g}"
    return text.rstrip("0").rstrip(".")


def rate(count: int, seconds: float) -> float:
    """``count`` per second over ``seconds`` (0 when no time passed)."""
    return count / seconds if seconds > 0 else 0.0
