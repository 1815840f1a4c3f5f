"""Read Locust's stats files: what the desktop app shows while Locust runs and after.

While it runs, Locust (headless, ``--csv PREFIX``) rewrites ``PREFIX_stats.csv``
every second or so: one row per request name, then an ``Aggregated`` row. That
file can miss the last second of a run, so the final figures come from
``--json-file``, which Locust writes as it exits. Reading these files is how
the app follows a run without importing locust.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class LocustRow:
    """One line of Locust's stats: a request name (or the aggregate) and its figures."""

    method: str
    name: str
    requests: int
    failures: int
    median_ms: float
    p95_ms: float
    average_ms: float
    rps: float
    p99_ms: float = 0.0

    @property
    def is_total(self) -> bool:
        return self.name == "Aggregated"


def _number(row: dict[str, str], key: str) -> float:
    text = (row.get(key) or "").strip()
    try:
        return float(text)
    except ValueError:
        return 0.0  # "N/A" before the first response


def stats_csv_path(prefix: str | Path) -> Path:
    """The stats file Locust writes for ``--csv prefix``."""
    return Path(f"{prefix}_stats.csv")


def read_stats_csv(path: str | Path) -> list[LocustRow]:
    """The rows of a stats CSV; empty when the file is missing or half-written."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    rows: list[LocustRow] = []
    for row in csv.DictReader(text.splitlines()):
        if "Name" not in row or "Request Count" not in row:
            return []
        try:
            requests, failures = int(row["Request Count"]), int(row["Failure Count"])
        except (TypeError, ValueError):
            return []  # caught mid-write: the next read will have it whole
        rows.append(
            LocustRow(
                method=row.get("Type") or "",
                name=row["Name"],
                requests=requests,
                failures=failures,
                median_ms=_number(row, "Median Response Time"),
                p95_ms=_number(row, "95%"),
                p99_ms=_number(row, "99%"),
                average_ms=_number(row, "Average Response Time"),
                rps=_number(row, "Requests/s"),
            )
        )
    return rows


def _percentile(times: dict[float, int], total: int, share: float) -> float:
    """The response time (ms, Locust's rounded buckets) below which ``share`` of requests fall."""
    if total <= 0:
        return 0.0
    wanted = share * total
    seen = 0
    for bucket in sorted(times):
        seen += times[bucket]
        if seen >= wanted:
            return bucket
    return max(times, default=0.0)


def _row(method: str, name: str, entries: list[dict[str, Any]]) -> LocustRow:
    requests = sum(int(e.get("num_requests", 0)) for e in entries)
    failures = sum(int(e.get("num_failures", 0)) for e in entries)
    times: dict[float, int] = {}
    for entry in entries:
        pairs = entry.get("response_times", {})
        for bucket, count in pairs.items() if isinstance(pairs, dict) else pairs:
            times[float(bucket)] = times.get(float(bucket), 0) + int(count)
    start = min((float(e.get("start_time") or 0) for e in entries), default=0.0)
    end = max((float(e.get("last_request_timestamp") or 0) for e in entries), default=0.0)
    total_time = sum(float(e.get("total_response_time", 0)) for e in entries)
    return LocustRow(
        method=method,
        name=name,
        requests=requests,
        failures=failures,
        median_ms=_percentile(times, requests, 0.5),
        p95_ms=_percentile(times, requests, 0.95),
        p99_ms=_percentile(times, requests, 0.99),
        average_ms=total_time / requests if requests else 0.0,
        rps=requests / (end - start) if end > start else 0.0,
    )


def read_stats_json(path: str | Path) -> list[LocustRow]:
    """The rows of a ``--json-file`` report, plus an ``Aggregated`` row; empty if unreadable."""
    try:
        entries = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        return []
    rows = [_row(str(e.get("method") or ""), str(e.get("name", "")), [e]) for e in entries]
    rows.sort(key=lambda r: (r.name, r.method))
    return [*rows, _row("", "Aggregated", entries)] if entries else []
