"""The summary's lines about the network: throttling, connections opened, trust and proxy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulator_app.core.words import plural


def throttle_lines(network: Mapping[str, Any]) -> list[str]:
    """What throttling did to the run, and how many connections (TLS handshakes) it opened.

    ``network`` is the summary's ``network`` figures (core.run_summary.build_summary).
    """
    lines = []
    if network["throttled"]:
        lowered = network["rate_lowered_to"]
        came_down = (
            f"; the rate came down to {lowered:.3g} requests/s" if lowered is not None else ""
        )
        lines.append(
            f"throttled: {plural(network['throttled'], 'request')} answered 429 or 503 with "
            f"Retry-After; the run waited {network['throttle_waited_s']:.1f} s as asked"
            f"{came_down}"
        )
    if network["connections_opened"]:
        lines.append(f"connections opened: {network['connections_opened']}")
    lines.extend(network["notes"])
    return lines
