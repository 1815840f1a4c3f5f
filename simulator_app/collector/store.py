"""Where the collector keeps every request and its verdict: SQLite, written in batches.

:meth:`EventStore.add` appends a row to an in-memory queue and bumps
in-memory counters. A served collector writes the queue once per turn of its
event loop, in one transaction (``executemany``), and every answer waits for
that write (:meth:`EventStore.when_stored`): a request is answered 2xx only
once its row is in the database. Without a loop (a store used directly) a
writer thread flushes the queue every ~50 ms. :meth:`EventStore.close`
flushes whatever is left. Queries of the inspection API flush first, so they
always see every request answered so far; they run off the event loop and
page by id (:meth:`EventStore.page_ids`, :meth:`EventStore.rows`).

When a write fails (a full disk, a quota, a file gone read-only) the
answers waiting for it say ``503`` instead, their rows are let go and
counted in :attr:`EventStore.refused`, and for :data:`RETRY_AFTER` seconds
every tracking request is answered 503 unjudged (:meth:`EventStore.refusing`);
then requests are filed again and the next write decides. Rows that a
store without a loop could not write by :meth:`EventStore.close` are
counted in :attr:`EventStore.unstored`. :meth:`EventStore.failure_line`
says both in a line (the CLI prints it and exits 1).

The collector opens only its own database: a file it makes is marked with
``PRAGMA application_id`` (:data:`APPLICATION_ID`) and ``user_version``;
any other SQLite file, or a file that is not SQLite at all, is refused
before SQLite writes a byte to it (:func:`foreign_problem`). A file of an
earlier version (no mark, one ``events`` table of the collector's columns)
is marked and kept.

A file keeps every request. Memory keeps the latest requests up to a budget
in bytes (:data:`MEMORY_BUDGET` by default), so neither a long soak test nor
large bodies can grow it without bound; the counts always cover every request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from simulator_app.collector.rows import (
    ROW_OVERHEAD,
    RecentRows,
    Row,
    row_bytes,
    row_to_json,
    text_bytes,
)
from simulator_app.core.contract import STEP_TYPES
from simulator_app.core.outputs import output_problem

LOG = logging.getLogger("simulator_app.collector")
APPLICATION_ID = 0x4E545853  # "NTXS" in the file's header: a Nitrox collector's database
SCHEMA_VERSION = 1  # PRAGMA user_version of the events table as _SCHEMA makes it
SQLITE_MAGIC = b"SQLite format 3\x00"
# the columns of the events table, as every version of the collector made it
_OUR_COLUMNS = {
    "id",
    "time",
    "type",
    "good",
    "status",
    "method",
    "path",
    "visitor",
    "messages",
    "body",
    "warnings",
}

UNKNOWN = "unknown"  # the type of a request to no known endpoint
FLUSH_INTERVAL = 0.05  # seconds between the writer's batches
RETRY_AFTER = 1.0  # seconds a failed write makes every tracking request a 503, unfiled
MEMORY_BUDGET = 256 * 1024 * 1024  # bytes of stored requests an in-memory database keeps
RECENT = (50, 512 * 1024)  # rows and bytes of recent requests kept for the HTML page
RECENT_BAD = (200, 2 * 1024 * 1024)  # the same for recent bad requests
_CHUNKS = 64  # the budget is let go in about this many pieces
# SQLite's own bytes per row beyond its text (record header, b-tree cell), and the page
# cache's bytes per page beyond the page itself; measured by membench.
SQLITE_ROW_OVERHEAD = 40
PAGE_HEADER = 300

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
    body TEXT,
    warnings TEXT NOT NULL DEFAULT '[]'
)
"""
_INSERT = (
    "INSERT INTO events (time, type, good, status, method, path, visitor, messages, warnings,"
    " body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_COLUMNS = "id, time, type, good, status, method, path, visitor, messages, warnings, body"
_NO_MESSAGES = "[]"
_NOTHING = (_NO_MESSAGES, _NO_MESSAGES)  # a good row's messages and warnings, as stored


class StoreError(Exception):
    """The database could not be opened or written (one-line message)."""


def foreign_problem(path: str) -> str | None:
    """Why the file at ``path`` is not the collector's to open (None: ours, or new).

    Reads the file's header and, for an unmarked SQLite file, its schema
    through a read-only, immutable connection: nothing is written to it.
    """
    problem = output_problem(path)
    if problem is not None:
        return problem
    try:
        with open(path, "rb") as f:
            header = f.read(100)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot be read: {exc.strerror}"
    if not header:
        return None  # an empty file: SQLite makes a new database in it
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        return "is not a SQLite database; left untouched"
    application_id = int.from_bytes(header[68:72], "big")
    user_version = int.from_bytes(header[60:64], "big")
    if application_id == APPLICATION_ID:
        if user_version > SCHEMA_VERSION:
            return (
                f"was written by a newer collector (schema {user_version}, this one reads"
                f" {SCHEMA_VERSION}); left untouched"
            )
        return None
    if application_id != 0 or user_version != 0:
        return (
            f"is another program's SQLite database (application_id {application_id:#x},"
            f" user_version {user_version}); left untouched"
        )
    uri = "file:" + quote(os.path.abspath(path)) + "?mode=ro&immutable=1"
    try:
        db = sqlite3.connect(uri, uri=True)
        try:
            names = [
                (kind, name)
                for kind, name in db.execute("SELECT type, name FROM sqlite_master")
                if not name.startswith("sqlite_")
            ]
            columns = {row[1] for row in db.execute("PRAGMA table_info(events)")}
        finally:
            db.close()
    except sqlite3.Error as exc:
        return f"cannot be read as a SQLite database ({exc}); left untouched"
    if not names:
        return None  # an empty SQLite database: nobody's yet
    if names != [("table", "events")] or not _OUR_COLUMNS - {"warnings"} <= columns <= _OUR_COLUMNS:
        shown = ", ".join(name for _, name in names[:5]) + (", ..." if len(names) > 5 else "")
        return f"is another program's SQLite database (it holds {shown}); left untouched"
    return None  # the collector's own, from before it marked its files


def _storable(row: Any) -> Any:
    """The row with text SQLite cannot take (lone surrogates) escaped, so it is kept."""
    return tuple(
        v.encode("utf-8", "backslashreplace").decode("utf-8") if isinstance(v, str) else v
        for v in row
    )


def _types() -> dict[str, int]:
    return dict.fromkeys((*STEP_TYPES, UNKNOWN), 0)


def _filters(
    good: bool | None, kind: str | None, visitor: str | None
) -> tuple[list[str], list[Any]]:
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
    return where, args


class EventStore:
    """Every request with its verdict: in-memory counts, SQLite rows, recent events.

    ``memory_budget`` bounds, in bytes, what an in-memory database keeps (the
    latest requests); a file keeps everything.
    """

    def __init__(self, path: str = ":memory:", memory_budget: int = MEMORY_BUDGET) -> None:
        self.path = path
        self.budget: int | None = memory_budget if path == ":memory:" else None
        if path != ":memory:":
            problem = foreign_problem(path)
            if problem is not None:
                raise StoreError(f"cannot open database {path!r}: it {problem}")
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {path!r}: {exc}") from None
        try:
            if path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(events)")}
            if "warnings" not in columns:  # a file from before warnings existed
                self._db.execute(
                    "ALTER TABLE events ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]'"
                )
            self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            self._db.close()
            raise StoreError(f"cannot open database {path!r}: {exc}") from None
        self._lock = threading.Lock()
        self._pending: deque[Row] = deque()
        self.by_type = _types()
        self.bad_by_type = _types()
        self.warned = 0  # requests with warnings
        self.recent = RecentRows(*RECENT)
        self.recent_bad = RecentRows(*RECENT_BAD)
        # what the table holds: rows, their estimated bytes, and for a budget the
        # pieces to let go oldest first: [last id, bytes, rows]
        self.stored_rows = 0
        self.stored_bytes = 0  # memory the stored rows take (kept up to date with a budget)
        self._estimated = 0  # the sum of the pieces' estimates
        self._chunks: deque[list[int]] = deque()
        self._load_counts()
        self._stop = threading.Event()
        self._writer: threading.Thread | None = None
        self._closed = False
        self.write_error: str | None = None  # the last write that failed, said in a line
        self.failing = False  # the last write failed: tracking requests are answered 503
        self.refused = 0  # tracking requests answered 503 because the store was failing
        self.unstored = 0  # requests answered but never written (counted at close)
        self._retry_at = 0.0  # refusing until then (time.monotonic())
        self._loop: asyncio.AbstractEventLoop | None = None  # rows written on it, see start()
        self._waiting: list[Callable[[bool], None]] = []  # answers waiting for their rows
        self._flush_soon = False

    def _load_counts(self) -> None:
        # A database file from an earlier session: its requests count too.
        rows = self._db.execute("SELECT type, good, COUNT(*) FROM events GROUP BY type, good")
        for kind, good, n in rows:
            self.by_type[kind] = self.by_type.get(kind, 0) + n
            self.stored_rows += n
            if not good:
                self.bad_by_type[kind] = self.bad_by_type.get(kind, 0) + n

    # -- the request path --------------------------------------------------------

    def add(self, row: Row) -> None:
        """File one answered request (called on the event loop; no I/O here)."""
        self._pending.append(row)
        kind = row[1]
        self.by_type[kind] += 1
        if row[2] and not row[8]:  # good without warnings, nearly every row: row_bytes inlined
            path, body = row[5], row[9]
            if path.isascii() and (body is None or body.isascii()):
                size = ROW_OVERHEAD + len(path) + (len(body) if body else 0)
            else:
                size = row_bytes(row)
            self.recent.add(row, size)
            return
        size = row_bytes(row)
        self.recent.add(row, size)
        if not row[2]:
            self.bad_by_type[kind] += 1
            self.recent_bad.add(row, size)
        if row[8]:
            self.warned += 1

    # -- the writer ----------------------------------------------------------------

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Begin writing: on ``loop`` (a served collector), else from a writer thread.

        On a loop, rows are written once per turn of the loop in one
        transaction, and an answer waits for its row (:meth:`when_stored`).
        """
        if self._closed:
            return
        if loop is not None:
            self._loop = loop
        elif self._writer is None:
            self._writer = threading.Thread(
                target=self._write_loop, name="collector-store", daemon=True
            )
            self._writer.start()

    def _write_loop(self) -> None:
        while not self._stop.wait(FLUSH_INTERVAL):
            self.flush()

    def flush(self) -> int:
        """Write every queued row in one transaction; returns how many.

        Rows a failed write could not take stay queued for the next try.
        """
        with self._lock:
            return self._flush_locked()[0]

    def refusing(self) -> bool:
        """True while tracking requests are answered 503 unfiled: a write failed just now.

        A second after a failure requests are filed again, and the next write says
        whether the store took them (each answer waits for it, see :meth:`when_stored`).
        """
        return self.failing and time.monotonic() < self._retry_at

    def when_stored(self, done: Callable[[bool], None]) -> None:
        """Call ``done(True)`` once every row added so far is written, ``done(False)`` if not.

        On the loop the store was started on, ``done`` is called in a later turn
        of the loop, after one write for every answer waiting then (rows of a
        write that failed are let go and counted in :attr:`refused`: their
        answers say 503). Without a loop, the rows are written now.
        """
        if self._loop is None:
            with self._lock:
                ok = self._flush_locked(drop=True)[1]
            done(ok)
            return
        self._waiting.append(done)
        if not self._flush_soon:
            self._flush_soon = True
            self._loop.call_soon(self._write_for_answers)

    def _write_for_answers(self) -> None:
        self._flush_soon = False
        self.write_now()

    def write_now(self) -> bool:
        """Write every queued row now and tell the answers waiting; True if it was written.

        For an answer that cannot wait a turn of the loop (one made through ASGI).
        """
        waiting, self._waiting = self._waiting, []
        with self._lock:
            ok = self._flush_locked(drop=True)[1]
        for done in waiting:
            done(ok)
        return ok

    def _flush_locked(self, drop: bool = False) -> tuple[int, bool]:
        """Write the queue: (rows written, True unless the write failed).

        On a failure the rows go back to the queue, or with ``drop`` are let go
        (their answers will say 503) and taken out of the counts.
        """
        if self._closed:
            return 0, True
        pending = self._pending
        rows = [pending.popleft() for _ in range(len(pending))]  # others may append meanwhile
        if not rows:
            return 0, True
        dumps = json.dumps
        # a row's columns are in the INSERT's order; only messages need encoding
        batch = [
            r[:7] + _NOTHING + r[9:]
            if not r[7] and not r[8]
            else (
                *r[:7],
                dumps(r[7]) if r[7] else _NO_MESSAGES,
                dumps(r[8]) if r[8] else _NO_MESSAGES,
                r[9],
            )
            for r in rows
        ]
        budget = self.budget
        sizes = (
            [
                SQLITE_ROW_OVERHEAD
                + len(b[1])
                + len(b[4])
                + text_bytes(b[5])
                + text_bytes(b[6])
                + len(b[7])
                + len(b[8])
                + text_bytes(b[9])
                for b in batch
            ]
            if budget is not None
            else []
        )
        try:
            try:
                self._insert(batch)
            except ValueError:  # text SQLite cannot take (a lone surrogate): kept, escaped
                batch = [_storable(b) for b in batch]
                self._insert(batch)
        except (sqlite3.Error, ValueError) as exc:
            if drop:
                self._let_go(rows)
            else:
                pending.extendleft(reversed(rows))
            if not self.failing:
                LOG.error(
                    "the collector cannot store requests in %s (%s): answering 503 until it can",
                    self.path,
                    exc,
                )
            self.failing = True
            self._retry_at = time.monotonic() + RETRY_AFTER
            self.write_error = f"writing to {self.path!r} failed: {exc}"
            return 0, False
        if self.failing:
            LOG.warning("the collector stores requests in %s again", self.path)
            self.failing = False
        try:
            if budget is None:
                self.stored_rows += len(batch)
            else:
                last = self._db.execute("SELECT max(id) FROM events").fetchone()[0]
                self._count_in(last - len(batch) + 1, sizes)
                self._fit(budget)
        except sqlite3.Error as exc:  # the rows are in; letting old ones go failed
            self.write_error = f"trimming {self.path!r} to its budget failed: {exc}"
        return len(batch), True

    def _let_go(self, rows: list[Row]) -> None:
        """Take rows that could not be written out of the counts; their answers say 503."""
        self.refused += len(rows)
        for row in rows:
            kind = row[1]
            self.by_type[kind] -= 1
            if not row[2]:
                self.bad_by_type[kind] -= 1
            if row[8]:
                self.warned -= 1

    def _insert(self, batch: list[Any]) -> None:
        db = self._db
        if len(batch) == 1:  # one statement is its own transaction (a kept-alive client alone)
            db.execute(_INSERT, batch[0])
            return
        db.execute("BEGIN")
        try:
            db.executemany(_INSERT, batch)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _count_in(self, first_id: int, sizes: list[int]) -> None:
        """Add a batch (ids from ``first_id``) to the pieces the budget lets go."""
        piece = max(1, (self.budget or 0) // _CHUNKS)
        chunks = self._chunks
        for i, size in enumerate(sizes):
            if not chunks or chunks[-1][1] >= piece:
                chunks.append([first_id + i, 0, 0])
            chunk = chunks[-1]
            chunk[0] = first_id + i
            chunk[1] += size
            chunk[2] += 1
            self._estimated += size
            self.stored_rows += 1

    def _used_bytes(self) -> int:
        """Memory the table's pages take: pages in use, with the page cache's own share."""
        pages, free, size = (
            self._db.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("page_count", "freelist_count", "page_size")
        )
        return int((pages - free) * (size + PAGE_HEADER))

    def _fit(self, budget: int) -> None:
        """Delete the oldest pieces until the table's pages fit ``budget``.

        The pieces' sizes are estimates from the text each row holds; the pages
        say what that text really takes (a row just over half a page gets a page
        to itself), so the estimates are scaled by what the pages show, and the
        pages are measured again after each delete.
        """
        used = self._used_bytes()
        chunks = self._chunks
        while used > budget and len(chunks) > 1 and self._estimated > 0:
            scale = used / self._estimated
            cutoff = self._pop_oldest()
            while len(chunks) > 1 and self._estimated * scale > budget:
                cutoff = self._pop_oldest()
            self._db.execute("DELETE FROM events WHERE id <= ?", (cutoff,))
            used = self._used_bytes()
        self.stored_bytes = used

    def _pop_oldest(self) -> int:
        """Forget the oldest piece's count; the last id it covers."""
        last_id, size, rows = self._chunks.popleft()
        self._estimated -= size
        self.stored_rows -= rows
        return last_id

    def close(self) -> None:
        """Stop the writer, flush everything left and close the database. Idempotent."""
        self._stop.set()
        if self._writer is not None and self._writer is not threading.current_thread():
            self._writer.join(timeout=10)
        with self._lock:
            if self._closed:
                return
            ok = self._flush_locked()[1]
            self.unstored = len(self._pending)  # answered, and the last try failed too
            waiting, self._waiting = self._waiting, []
            self._pending.clear()
            self._closed = True
            self._db.close()
        for done in waiting:  # answers still waiting (a server stopped mid-turn)
            done(ok)

    def answered_unstored(self) -> int:
        """Requests answered whose rows a write failed on (so far; at close, for good)."""
        if self._closed:
            return self.unstored
        return len(self._pending) if self.failing else 0

    def refuse(self) -> None:
        """Count a tracking request answered 503 because the store is failing."""
        self.refused += 1

    def failure_line(self) -> str | None:
        """One line on the requests answered but not stored, and those refused; None if none."""
        waiting = self.answered_unstored()
        if not waiting and not self.refused:
            return None
        where = "memory" if self.path == ":memory:" else self.path
        parts = []
        if waiting:
            parts.append(f"{waiting} answered requests could not be stored in {where}")
        if self.refused:
            parts.append(f"{self.refused} requests were answered 503 and not stored")
        return f"{', '.join(parts)} ({self.write_error})"

    # -- the inspection API ------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """``{"total", "good", "bad", "warned", "by_type", "bad_by_type", "stored", ...}``.

        The counts cover every request; ``stored`` is how many of them the
        queries can return (as of the last flush), ``memory_budget`` the bytes
        an in-memory database keeps them in (None: a file, which keeps all).
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
            "warned": self.warned,
            "by_type": by_type,
            "bad_by_type": bad_by_type,
            "stored": self.stored_rows,
            "unstored": self.answered_unstored(),
            "refused_unstorable": self.refused,
            "store_failing": self.failing,
            "store_problem": self.failure_line(),  # what the CLI and the app say, or None
            "stored_bytes": self.stored_bytes if self.budget is not None else None,
            "memory_budget": self.budget,
        }

    def page_ids(
        self,
        good: bool | None = None,
        kind: str | None = None,
        visitor: str | None = None,
        before: int | None = None,
        limit: int = 100,
    ) -> list[int]:
        """Ids of stored requests, newest first, filtered, older than ``before`` when given.

        Blocking (it flushes and queries): call it off the event loop.
        """
        where, args = _filters(good, kind, visitor)
        if before is not None:
            where.append("id < ?")
            args.append(before)
        sql = "SELECT id FROM events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(limit)
        with self._lock:
            self._flush_locked()
            if self._closed:
                return []
            return [r[0] for r in self._db.execute(sql, args)]

    def rows(
        self,
        high: int,
        low: int,
        good: bool | None = None,
        kind: str | None = None,
        visitor: str | None = None,
    ) -> list[dict[str, Any]]:
        """The filtered stored requests with ids from ``high`` down to ``low``, as JSON.

        Blocking: call it off the event loop. Rows let go since their ids were
        read are simply not there.
        """
        where, args = _filters(good, kind, visitor)
        where.append("id BETWEEN ? AND ?")
        args += [low, high]
        sql = f"SELECT {_COLUMNS} FROM events WHERE {' AND '.join(where)} ORDER BY id DESC"
        with self._lock:
            if self._closed:
                return []
            found = self._db.execute(sql, args).fetchall()
        out = []
        for r in found:
            row: Row = (
                r[1],
                r[2],
                bool(r[3]),
                r[4],
                r[5],
                r[6],
                r[7],
                json.loads(r[8]),
                json.loads(r[9]),
                r[10],
            )
            out.append(row_to_json(row, r[0]))
        return out

    def query(
        self,
        good: bool | None = None,
        kind: str | None = None,
        visitor: str | None = None,
        limit: int = 100,
        before: int | None = None,
    ) -> list[dict[str, Any]]:
        """Stored requests, newest first, filtered by verdict, type and visitor (nitro_id).

        Blocking, and the whole answer at once: for tests and small pages.
        """
        ids = self.page_ids(good, kind, visitor, before, limit)
        return self.rows(ids[0], ids[-1], good, kind, visitor) if ids else []

    def reset(self) -> None:
        """Forget every request: the queue, the table, the counts and the recent lists."""
        with self._lock:
            self._pending.clear()
            if not self._closed:
                self._db.execute("DELETE FROM events")
            self.by_type = _types()
            self.bad_by_type = _types()
            self.warned = 0
            self.recent.clear()
            self.recent_bad.clear()
            self.stored_rows = 0
            self.stored_bytes = 0
            self._estimated = 0
            self._chunks.clear()
