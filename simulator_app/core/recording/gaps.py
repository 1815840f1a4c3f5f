"""The longest wait a recording is taken at its word for, in an import and in a replay alike.

A recording's clock is the browser's: a laptop put to sleep, an entry dated a
year later, a hand-edited file. A gap between two requests longer than
:data:`MAX_GAP` becomes :data:`MAX_GAP`, the longest think time a scenario
holds (an imported gap is a think time), so an import writes a scenario that
validates and a replay ends within its stated limit.
"""

from __future__ import annotations

from simulator_app.core.model import MAX_THINK

MAX_GAP = MAX_THINK


def capped(seconds: float) -> float:
    """``seconds`` of a recorded gap, at least 0 and at most :data:`MAX_GAP`."""
    return min(max(seconds, 0.0), MAX_GAP)


def is_capped(seconds: float) -> bool:
    """True when a recorded gap is longer than the longest one taken as recorded."""
    return seconds > MAX_GAP
