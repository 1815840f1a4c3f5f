"""What a collector at ``run --target`` counted during the run, from its inspection API.

``GET <target>/_collector/all`` is read before and after the run; the
difference is what the summary shows as that collector's counts. Asked only
of a loopback target (one request each time, never through a proxy); any
other answer than the collector's JSON means the target is not one, and
the summary says nothing of it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from simulator_app.core.safety import is_loopback

TIMEOUT = 2.0  # seconds for one look
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy


def snapshot(target: str) -> dict[str, Any] | None:
    """The collector's ``/_collector/all`` at ``target``; None when it is not a collector's."""
    if not is_loopback(target):
        return None
    parts = urllib.parse.urlsplit(target)
    url = f"{parts.scheme}://{parts.netloc}/_collector/all"  # at the root, whatever the prefix
    try:
        with _OPENER.open(url, timeout=TIMEOUT) as answer:
            data = json.loads(answer.read(1_000_000))
    except (OSError, ValueError, urllib.error.URLError):
        return None
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), int) for k in ("total", "good", "bad")
    ):
        return None
    return data


def _counts(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, int)}


def during(
    target: str, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> dict[str, Any] | None:
    """What the collector counted between ``before`` and ``after``, as the summary shows it."""
    if before is None or after is None:
        return None
    reset = after["total"] < before["total"]  # someone reset it meanwhile: the counts since
    base = {} if reset else before
    by_type, was = _counts(after.get("by_type")), _counts(base.get("by_type"))
    bad, was_bad = _counts(after.get("bad_by_type")), _counts(base.get("bad_by_type"))
    return {
        "source": f"collector at {target}",
        "note": "its counts during this run; another sender's requests meanwhile are in them too"
        + ("; it was reset during the run" if reset else ""),
        "total": after["total"] - base.get("total", 0),
        "good": after["good"] - base.get("good", 0),
        "bad": after["bad"] - base.get("bad", 0),
        "by_type": {k: n - was.get(k, 0) for k, n in by_type.items()},
        "bad_by_type": {k: n - was_bad.get(k, 0) for k, n in bad.items()},
    }
