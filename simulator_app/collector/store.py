"""Where the collector keeps every request and its verdict: SQLite, written in batches.

The request path never touches the database: :meth:`EventStore.add` appends a
row to an in-memory queue and bumps in-memory counters; a writer thread
flushes the queue every ~50 ms in one transaction (``executemany``).
:meth:`EventStore.close` flushes whatever is left, so every request that was
answered is in the file after a clean shutdown. Queries of the inspection API
flush first, so they always see every request answered so far.

A file keeps every request. Memory keeps the latest :data:`MEMORY_KEEP`
(about 340 bytes each), so a long soak test against the default collector
does not grow without bound; the counts always cover every request.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import deque
from typing import Any

from simulator_app.core.contract import STEP_TYPES

UNKNOWN = "unknown"  # the type of a request to no known endpoint
FLUSH_INTERVAL = 0.05  # seconds between the writer's batches
RECENT = 50  # recent events kept in memory for the HTML page
RECENT_BAD = 200  # recent bad events kept in memory for summaries
MEMORY_KEEP = 200_000  # stored requests an in-memory database keeps (the latest ones)

# One stored request: time, type, good, status, method, path, visitor, messages, body.
Row = tuple[float, str, bool, int, str, str, str | None, list[dict[str, str]], str | None]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    time REAL NOT NULL,
    type TEXT NOT NULL,
    good INTEGER NOT NULL,
    status INTEGER NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    visitor TEXT,
    messages TEXT NOT NULL,
    body TEXT
)
"""
_INSERT = (
    "INSERT INTO events (time, type, good, status, method, path, visitor, messages, body)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_COLUMNS = "id, time, type, good, status, method, path, visitor, messages, body"


class StoreError(Exception):
    """The database could not be opened or written (one-line message)."""


def _types() -> dict[str, int]:
    return dict.fromkeys((*STEP_TYPES, UNKNOWN), 0)


def row_to_json(row: Row, row_id: int | None = None) -> dict[str, Any]:
    """A stored request as the inspection API shows it."""
    when, kind, good, status, method, path, visitor, messages, body = row
    shown: Any = body
    if body is not None and body[:1] in ("{", "["):
        try:
            shown = json.loads(body)
        except ValueError:
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
        "messages": messages,
        "body": shown,
    }


class EventStore:
    """Every request with its verdict: in-memory counts, SQLite rows, recent events."""

    def __init__(self, path: str = ":memory:", memory_keep: int = MEMORY_KEEP) -> None:
        self.path = path
        # how many of the latest requests stay queryable; None: all (a file)
        self.keep: int | None = memory_keep if path == ":memory:" else None
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            if path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {path!r}: {exc}") from None
        self._lock = threading.Lock()
        self._pending: deque[Row] = deque()
        self.by_type = _types()
        self.bad_by_type = _types()
        self.recent: deque[Row] = deque(maxlen=RECENT)
        self.recent_bad: deque[Row] = deque(maxlen=RECENT_BAD)
        self._load_counts()
        self._stop = threading.Event()
        self._writer: threading.Thread | None = None
        self._closed = False
        self.write_error: str | None = None

    def _load_counts(self) -> None:
        # A database file from an earlier session: its requests count too.
        rows = self._db.execute("SELECT type, good, COUNT(*) FROM events GROUP BY type, good")
        for kind, good, n in rows:
            self.by_type[kind] = self.by_type.get(kind, 0) + n
            if not good:
                self.bad_by_type[kind] = self.bad_by_type.get(kind, 0) + n

    # -- the request path --------------------------------------------------------

    def add(self, row: Row) -> None:
        """File one answered request (called on the event loop; no I/O here)."""
        self._pending.append(row)
        kind = row[1]
        self.by_type[kind] += 1
        self.recent.append(row)
        if not row[2]:
            self.bad_by_type[kind] += 1
            self.recent_bad.append(row)

    # -- the writer ----------------------------------------------------------------

    def start(self) -> None:
        """Start the writer thread that flushes the queue in batches."""
        if self._writer is None and not self._closed:
            self._writer = threading.Thread(
                target=self._write_loop, name="collector-store", daemon=True
            )
            self._writer.start()

    def _write_loop(self) -> None:
        while not self._stop.wait(FLUSH_INTERVAL):
            self.flush()

    def flush(self) -> int:
        """Write every queued row in one transaction; returns how many."""
        with self._lock:
            return self._flush_locked()

    def _flush_locked(self) -> int:
        if self._closed:
            return 0
        batch: list[tuple[Any, ...]] = []
        pop = self._pending.popleft
        try:
            while True:
                r = pop()
                batch.append(
                    (r[0], r[1], int(r[2]), r[3], r[4], r[5], r[6], json.dumps(r[7]), r[8])
                )
        except IndexError:
            pass
        if not batch:
            return 0
        try:
            self._db.execute("BEGIN")
            self._db.executemany(_INSERT, batch)
            if self.keep is not None:
                self._db.execute(
                    "DELETE FROM events WHERE id <= (SELECT max(id) FROM events) - ?",
                    (self.keep,),
                )
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            # Keep serving; the inspection API reports the failure.
            self.write_error = f"writing to {self.path!r} failed: {exc}"
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            return 0
        return len(batch)

    def close(self) -> None:
        """Stop the writer, flush everything left and close the database. Idempotent."""
        self._stop.set()
        if self._writer is not None and self._writer is not threading.current_thread():
            self._writer.join(timeout=10)
        with self._lock:
            if self._closed:
                return
            self._flush_locked()
            self._closed = True
            self._db.close()

    # -- the inspection API ------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """``{"total", "good", "bad", "by_type", "bad_by_type", "stored_latest"}``.

        The counts cover every request; ``stored_latest`` is how many of the
        latest ones the queries can return (None: all of them).
        """
        by_type = dict(self.by_type)
        bad_by_type = dict(self.bad_by_type)
        if not by_type.get(UNKNOWN):
            by_type.pop(UNKNOWN, None)
            bad_by_type.pop(UNKNOWN, None)
        total = sum(by_type.values())
        bad = sum(bad_by_type.values())
        return {
            "total": total,
            "good": total - bad,
            "bad": bad,
            "by_type": by_type,
            "bad_by_type": bad_by_type,
            "stored_latest": self.keep,
        }

    def query(
        self,
        good: bool | None = None,
        kind: str | None = None,
        visitor: str | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Stored requests, newest first, filtered by verdict, type and visitor (nitro_id)."""
        where: list[str] = []
        args: list[Any] = []
        if good is not None:
            where.append("good = ?")
            args.append(int(good))
        if kind is not None:
            where.append("type = ?")
            args.append(kind)
        if visitor is not None:
            where.append("visitor = ?")
            args.append(visitor)
        sql = f"SELECT {_COLUMNS} FROM events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(limit)
        with self._lock:
            self._flush_locked()
            if self._closed:
                return []
            rows = self._db.execute(sql, args).fetchall()
        out = []
        for r in rows:
            row: Row = (r[1], r[2], bool(r[3]), r[4], r[5], r[6], r[7], json.loads(r[8]), r[9])
            out.append(row_to_json(row, r[0]))
        return out

    def reset(self) -> None:
        """Forget every request: the queue, the table, the counts and the recent lists."""
        with self._lock:
            self._pending.clear()
            if not self._closed:
                self._db.execute("DELETE FROM events")
            self.by_type = _types()
            self.bad_by_type = _types()
            self.recent.clear()
            self.recent_bad.clear()
