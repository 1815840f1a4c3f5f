"""One stored request: its shape, its JSON for the inspection API, its size, recent lists.

A :data:`Row` is a plain tuple (the request path builds one per request, so it
must be cheap). Its size in bytes is estimated from the text it holds, which
is what dominates: path, body, messages; :data:`ROW_OVERHEAD` is the rest,
measured (``python -m simulator_app.collector.membench``).
"""

from __future__ import annotations

from collections import deque
from typing import Any

from simulator_app.core.contract import JsonError, read_json

# One stored request: time, type, good, status, method, path, visitor, messages, warnings, body.
Row = tuple[
    float,
    str,
    bool,
    int,
    str,
    str,
    str | None,
    list[dict[str, str]],
    list[dict[str, str]],
    str | None,
]

# Bytes a row costs beyond its text, in memory (Python tuple or SQLite record);
# see membench for the figures this comes from.
ROW_OVERHEAD = 300
MESSAGE_OVERHEAD = 60  # a message's keys and punctuation beyond its description


def text_bytes(text: str | None) -> int:
    """UTF-8 bytes of ``text`` without encoding it when it is ASCII (the common case)."""
    if text is None:
        return 0
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def row_bytes(row: Row) -> int:
    """About how many bytes ``row`` takes, stored or held in a list."""
    path, body = row[5], row[9]
    if not row[7] and not row[8] and path.isascii() and (body is None or body.isascii()):
        return ROW_OVERHEAD + len(path) + (len(body) if body else 0)  # most rows
    size = ROW_OVERHEAD + text_bytes(path) + text_bytes(body)
    for m in row[7]:
        size += MESSAGE_OVERHEAD + text_bytes(m["description"]) + len(m["fieldPath"])
    for m in row[8]:
        size += MESSAGE_OVERHEAD + text_bytes(m["description"]) + len(m["fieldPath"])
    return size


def row_to_json(row: Row, row_id: int | None = None) -> dict[str, Any]:
    """A stored request as the inspection API shows it (a body that is JSON, as JSON)."""
    when, kind, good, status, method, path, visitor, messages, warnings, body = row
    shown: Any = body
    if body is not None and body[:1] in ("{", "["):
        try:
            shown = read_json(body)
        except JsonError:
            shown = body
    return {
        "id": row_id,
        "time": round(when, 6),
        "type": kind,
        "good": bool(good),
        "status": status,
        "method": method,
        "path": path,
        "visitor": visitor,
        "messages": list(messages),
        "warnings": list(warnings),
        "body": shown,
    }


class RecentRows:
    """The latest rows, at most ``max_rows`` of them and ``max_bytes`` together.

    The newest row is always kept, whatever its size (it is at most one
    request: a body limit plus a header limit).
    """

    __slots__ = ("_rows", "bytes", "max_bytes", "max_rows")

    def __init__(self, max_rows: int, max_bytes: int) -> None:
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self._rows: deque[tuple[Row, int]] = deque()
        self.bytes = 0

    def add(self, row: Row, size: int) -> None:
        rows = self._rows
        rows.append((row, size))
        self.bytes += size
        if len(rows) > self.max_rows:  # full: the oldest goes, nearly always alone
            self.bytes -= rows.popleft()[1]
        while self.bytes > self.max_bytes and len(rows) > 1:
            self.bytes -= rows.popleft()[1]

    def latest(self, n: int) -> list[Row]:
        """The latest ``n`` rows, oldest first."""
        if n <= 0:
            return []
        rows = self._rows
        return [rows[i][0] for i in range(max(0, len(rows) - n), len(rows))]

    def clear(self) -> None:
        self._rows.clear()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._rows)
