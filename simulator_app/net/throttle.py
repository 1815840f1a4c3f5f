"""A target asking to slow down: a ``429``, or a ``503`` with ``Retry-After``.

Such an answer is *throttled*, counted apart from failures in every runner
(the summary's own line, Locust's own failure name :data:`THROTTLED`...), and
:func:`throttle_wait` says how long the target asked the run to wait.
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Iterable

THROTTLED = "throttled"  # how a throttled request's error starts, in every runner
DEFAULT_WAIT = 1.0  # seconds waited after a 429 that says not how long
MAX_WAIT = 60.0  # a run waits at most this long per answer, whatever the target asks


def retry_after(value: str | bytes | None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` value asks for (delta-seconds or an HTTP date), or None."""
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    seconds = when.timestamp() - (time.time() if now is None else now)
    return max(0.0, seconds) if math.isfinite(seconds) else None


def header_value(
    headers: Iterable[tuple[str, str]] | Iterable[tuple[bytes, bytes]], name: str
) -> str | None:
    """The first header ``name`` (any case) of ``headers``, as text."""
    wanted = name.lower()
    for key, value in headers:
        key_text = key.decode("latin-1") if isinstance(key, bytes) else key
        if key_text.lower() == wanted:
            return value.decode("latin-1") if isinstance(value, bytes) else value
    return None


def is_throttled(status: int | None, retry_after_value: str | None) -> bool:
    """True for a 429, or a 503 that says when to come back."""
    return status == 429 or (status == 503 and retry_after_value is not None)


def throttle_wait(retry_after_value: str | None, limit: float = MAX_WAIT) -> float:
    """How long to wait after a throttled answer: as asked, at most ``limit`` seconds."""
    asked = retry_after(retry_after_value)
    return min(limit, DEFAULT_WAIT if asked is None else asked)


def throttled_error(status: int, retry_after_value: str | None) -> str:
    """A throttled request's error: the same words in the CLI, the app and Locust's stats."""
    asked = "" if retry_after_value is None else f", Retry-After {retry_after_value.strip()[:40]}"
    return f"{THROTTLED}: the target answered {status}{asked}; it asks to slow down"
