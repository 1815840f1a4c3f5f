"""The summary's lines about the network: throttling, connections opened, trust and proxy."""

from __future__ import annotations

from simulator_app.core.outcome import RunResult
from simulator_app.core.words import plural


def throttle_lines(result: RunResult) -> list[str]:
    """What throttling did to the run, and how many connections (TLS handshakes) it opened."""
    lines = []
    if result.throttled:
        lowered = (
            f"; the rate came down to {result.rate_lowered_to:.3g} requests/s"
            if result.rate_lowered_to is not None
            else ""
        )
        lines.append(
            f"throttled: {plural(result.throttled, 'request')} answered 429 or 503 with "
            f"Retry-After; the run waited {result.throttle_waited:.1f} s as asked{lowered}"
        )
    if result.connections_opened:
        lines.append(f"connections opened: {result.connections_opened}")
    lines.extend(result.network_notes)
    return lines
