"""Thresholds, as k6 has them: the run fails when it was worse than the limits given.

Plain Python; :mod:`.hooks` feeds it Locust's totals when Locust quits.
"""

from __future__ import annotations

from simulator_app.locust.options import NitroxOptions


def broken_thresholds(
    options: NitroxOptions, requests: int, fail_ratio: float, p95_ms: float
) -> list[str]:
    """What the run broke, in words; empty when it met every threshold given.

    A run that made no request breaks them: nothing showed it good enough.
    """
    if not options.has_thresholds:
        return []
    broken = [] if requests else ["no request was made"]
    if options.max_fail_ratio is not None and fail_ratio > options.max_fail_ratio:
        broken.append(f"failure ratio {fail_ratio:.4f} > {options.max_fail_ratio}")
    if options.max_p95_ms is not None and requests and p95_ms > options.max_p95_ms:
        broken.append(f"p95 {p95_ms:.0f} ms > {options.max_p95_ms:g} ms")
    return broken


def exit_code(options: NitroxOptions, broken: list[str], errors_in_code: bool) -> int | None:
    """The exit code the thresholds decide, or None to leave Locust's own.

    Broken thresholds exit 1. When they pass, ``--max-fail-ratio`` replaces
    Locust's rule (any failure: exit 1) with the ratio given, unless the
    file's code raised errors; with ``--max-p95-ms`` alone, failures still
    fail the run as Locust decides.
    """
    if not options.has_thresholds:
        return None
    if broken:
        return 1
    if options.max_fail_ratio is not None and not errors_in_code:
        return 0
    return None
