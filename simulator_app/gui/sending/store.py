"""The request log's store: a million rows in bounded memory, no Qt.

Why it looks like this: a :class:`RequestRecord` with its headers and bodies
weighs 2-3 KB, so a log that keeps a million of them would need gigabytes.
Each row is instead kept as a handful of numbers in columnar ``array``
columns (time, visitor, its sequence number within the visitor, step code,
method code, status, failed flag, latency) plus three small indexes into
strings interned per chunk: the URL up to its last ``/`` (shared by all of a
visitor's events, or by every visitor when IDs are fixed), the rest of the
URL without the tracker's cache-buster query, the error text and the
receiver's first verdict message. The cache-buster that was sent is kept as
its distance from the row's time in ms (4 bytes), so a row shows, exports
and rebuilds the exact URL it was sent with. That is about 40 bytes a row
plus the interned strings.

Full records (headers, bodies, response) are kept only for the most recent
``recent`` rows and for failed rows up to ``failed_cap``. An older successful
row's request is rebuilt on demand by replaying the journey engine, which is
deterministic: the same scenario, visitor index and sequence number give the
same request. Its response body is gone; the details pane says so.

Rows live in chunks of 65,536; trimming the oldest rows moves a start offset
and drops whole chunks, so their interned strings go with them.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulator_app.core.record import RequestRecord
from simulator_app.gui.sending.columns import (
    METHOD_CODE,
    METHOD_NAMES,
    NO_BUSTER,
    STEP_CODE,
    STEP_NAMES,
    VERDICT_CODE,
    VERDICT_NAMES,
    Chunk,
    LogFilter,
    match_chunk,
)
from simulator_app.gui.sending.describe import first_message

if TYPE_CHECKING:
    from simulator_app.core.journey import JourneyEngine, PlannedRequest
    from simulator_app.core.model import Scenario

CHUNK_BITS = 16
CHUNK_ROWS = 1 << CHUNK_BITS
DEFAULT_CAPACITY = 1_000_000
DEFAULT_RECENT = 20_000
DEFAULT_FAILED_CAP = 10_000

_CACHE_BUSTER = re.compile(r"([?&])_=(\d+)(&|$)")
_MAX_DELTA = 2**31 - 1
_MAX_VISITOR = 2**32 - 1
_MAX_SEQ = 2**16 - 1
_ACTIVE_VISITORS = 65_536  # visitors whose next sequence number is remembered
_PLAN_CACHE = 512  # replayed visitor plans kept for rebuilding neighbouring rows


def split_url(url: str) -> tuple[str, str, int | None]:
    """``url`` as (everything up to its last path ``/``, the rest without ``_=<ms>``, the ms).

    The cache-buster's value is None when the URL has none.
    """
    query_at = url.find("?")
    path_end = len(url) if query_at < 0 else query_at
    cut = url.rfind("/", 0, path_end) + 1
    tail = url[cut:]
    buster = None
    if "_=" in tail:
        found = _CACHE_BUSTER.search(tail)
        # Only the tracker's own, last in the query: a rebuilt URL appends it there again.
        if found is not None and found.end() == len(tail):
            buster = int(found.group(2))
            tail = tail[: found.start()]
    return url[:cut], tail, buster


def with_buster(url: str, buster: int | None) -> str:
    """``url`` with the tracker's ``_=<ms>`` query appended (as ``RequestSpec.target`` does)."""
    if buster is None:
        return url
    return f"{url}{'&' if '?' in url else '?'}_={buster}"


def path_of(url: str) -> str:
    """The path and query of an absolute URL (the URL itself when it has no host)."""
    scheme = url.find("://")
    if scheme < 0:
        return url
    slash = url.find("/", scheme + 3)
    return url[slash:] if slash >= 0 else "/"


@dataclass(frozen=True, slots=True)
class LogEntry:
    """A row's record; ``complete`` is False when it was rebuilt and its response is gone."""

    record: RequestRecord
    complete: bool
    note: str = ""


@dataclass(frozen=True, slots=True)
class Row:
    """One row as the table shows it."""

    time: float
    visitor: int
    step: str
    method: str
    path: str
    status: int | None
    latency_ms: float
    failed: bool
    error: str
    verdict: str | None = None
    verdict_message: str = ""
    url: str = ""  # the whole URL as sent (``path`` leaves the cache-buster out)


class LogStore:
    """Bounded, compact storage of the request log's rows, addressed by a row id.

    Row ids count every row ever appended (since the last :meth:`clear`), so
    an id stays valid until its row is trimmed; ``first`` and ``end`` bound
    the ids held now.
    """

    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        recent: int = DEFAULT_RECENT,
        failed_cap: int = DEFAULT_FAILED_CAP,
    ) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.recent_cap = max(0, min(recent, capacity))
        self.failed_cap = failed_cap
        self._runs: list[tuple[int, Scenario | None]] = []
        self._seq: OrderedDict[int, int] = OrderedDict()
        self.clear()

    def clear(self) -> None:
        """Forget every row and record; a run still sending keeps being rebuildable."""
        current = self._runs[-1][1] if self._runs else None
        self._chunks: list[Chunk] = []
        self._base = 0  # row id of the first row of _chunks[0]
        self.first = 0
        self.end = 0
        self._recent: list[RequestRecord | None] = [None] * self.recent_cap
        self._failed: OrderedDict[int, RequestRecord] = OrderedDict()
        self._runs = []
        self._engines: dict[int, JourneyEngine] = {}
        self._plans: OrderedDict[tuple[int, int], list[PlannedRequest]] = OrderedDict()
        # self._seq stays: visitors mid-journey keep counting their requests.
        if current is not None:
            self._runs.append((0, current))

    def __len__(self) -> int:
        return self.end - self.first

    # -- writing --------------------------------------------------------------

    def begin_run(self, scenario: Scenario | None) -> None:
        """Rows appended from now on were sent from ``scenario`` (None: unknown)."""
        self._runs.append((self.end, scenario))
        self._seq.clear()

    def overflow(self, incoming: int) -> int:
        """How many of the oldest rows must go so that ``incoming`` more fit."""
        incoming = min(incoming, self.capacity)
        return max(0, len(self) + incoming - self.capacity)

    def trim(self, count: int) -> None:
        """Drop the ``count`` oldest rows."""
        count = min(count, len(self))
        if count <= 0:
            return
        self.first += count
        while self._chunks and self._base + len(self._chunks[0]) <= self.first:
            if len(self._chunks) == 1 and len(self._chunks[0]) < CHUNK_ROWS:
                # The only, still filling chunk: keep it so that ids stay aligned.
                break
            self._base += CHUNK_ROWS
            self._chunks.pop(0)
        while self._failed:
            oldest = next(iter(self._failed))
            if oldest >= self.first:
                break
            del self._failed[oldest]
        while len(self._runs) > 1 and self._runs[1][0] <= self.first:
            self._engines.pop(id(self._runs[0][1]), None)
            self._runs.pop(0)
            self._plans.clear()

    def append(self, records: Sequence[RequestRecord]) -> None:
        """Add rows (call :meth:`trim` with :meth:`overflow` first to stay bounded)."""
        if len(records) > self.capacity:
            records = records[-self.capacity :]
        seqs = self._seq
        for record in records:
            chunk = self._writable_chunk()
            visitor = min(max(record.visitor, 0), _MAX_VISITOR)
            seq = seqs.pop(visitor, 0)
            seqs[visitor] = seq + 1
            if len(seqs) > _ACTIVE_VISITORS:
                seqs.popitem(last=False)
            head, tail, buster = split_url(record.url)
            failed = record.error is not None
            ms = round(record.time * 1000)
            delta = NO_BUSTER if buster is None else buster - ms
            if not -_MAX_DELTA <= delta <= _MAX_DELTA:
                delta = NO_BUSTER
            chunk.time.append(record.time)
            chunk.visitor.append(visitor)
            chunk.seq.append(min(seq, _MAX_SEQ))
            chunk.step.append(STEP_CODE.get(record.step, 0))
            chunk.method.append(METHOD_CODE.get(record.method.upper(), 0))
            chunk.status.append(record.status or 0)
            chunk.failed.append(failed)
            chunk.latency.append(record.latency_ms)
            chunk.u_head.append(chunk.heads.add(head))
            chunk.u_tail.append(chunk.tails.add(tail))
            chunk.u_error.append(chunk.errors.add(record.error or ""))
            chunk.verdict.append(VERDICT_CODE.get(record.verdict, 0))
            chunk.u_verdict.append(chunk.verdicts.add(first_message(record.verdict_messages)))
            chunk.buster.append(delta)
            row_id = self.end
            self.end += 1
            if self.recent_cap:
                self._recent[row_id % self.recent_cap] = record
            if failed and self.failed_cap:
                self._failed[row_id] = record
                if len(self._failed) > self.failed_cap:
                    self._failed.popitem(last=False)
        if len(self) > self.capacity:
            self.trim(len(self) - self.capacity)

    def _writable_chunk(self) -> Chunk:
        if not self._chunks or len(self._chunks[-1]) >= CHUNK_ROWS:
            if self._chunks:
                self._chunks[-1].seal()
            self._chunks.append(Chunk())
        return self._chunks[-1]

    # -- reading --------------------------------------------------------------

    def _locate(self, row_id: int) -> tuple[Chunk, int]:
        if not self.first <= row_id < self.end:
            raise IndexError(f"row {row_id} is not held (held: {self.first}..{self.end - 1})")
        offset = row_id - self._base
        return self._chunks[offset >> CHUNK_BITS], offset & (CHUNK_ROWS - 1)

    @staticmethod
    def _buster(chunk: Chunk, i: int) -> int | None:
        delta = chunk.buster[i]
        return None if delta == NO_BUSTER else round(chunk.time[i] * 1000) + delta

    def row(self, row_id: int) -> Row:
        chunk, i = self._locate(row_id)
        status = chunk.status[i]
        bare = chunk.heads.items[chunk.u_head[i]] + chunk.tails.items[chunk.u_tail[i]]
        return Row(
            time=chunk.time[i],
            visitor=chunk.visitor[i],
            step=STEP_NAMES[chunk.step[i]],
            method=METHOD_NAMES[chunk.method[i]],
            path=path_of(bare),
            status=status or None,
            latency_ms=chunk.latency[i],
            failed=bool(chunk.failed[i]),
            error=chunk.errors.items[chunk.u_error[i]],
            verdict=VERDICT_NAMES[chunk.verdict[i]],
            verdict_message=chunk.verdicts.items[chunk.u_verdict[i]],
            url=with_buster(bare, self._buster(chunk, i)),
        )

    def contract_failed(self, row_id: int) -> bool:
        """True when the row went through and the receiver judged it bad."""
        chunk, i = self._locate(row_id)
        return not chunk.failed[i] and chunk.verdict[i] == VERDICT_CODE["bad"]

    def failed(self, row_id: int) -> bool:
        chunk, i = self._locate(row_id)
        return bool(chunk.failed[i])

    def record(self, row_id: int) -> RequestRecord | None:
        """The full record of ``row_id`` when it is still kept, else None."""
        if not self.first <= row_id < self.end:
            return None
        if self.recent_cap and row_id >= self.end - self.recent_cap:
            return self._recent[row_id % self.recent_cap]
        return self._failed.get(row_id)

    def entry(self, row_id: int) -> LogEntry:
        """The row's record: kept, or rebuilt from the scenario (response gone)."""
        kept = self.record(row_id)
        if kept is not None:
            return LogEntry(kept, True)
        row = self.row(row_id)
        chunk, i = self._locate(row_id)
        url = row.url
        # The verdict's first message is kept; the rest went with the full record.
        messages = ({"description": row.verdict_message},) if row.verdict_message else ()
        base = RequestRecord(
            time=row.time,
            visitor=row.visitor,
            journey="",
            step=row.step,
            name="identify" if row.step == "identify" else f"event/{row.step}",
            method=row.method,
            url=url,
            status=row.status,
            latency_ms=row.latency_ms,
            request_headers=(),
            request_body=None,
            response_body="",
            error=row.error or None,
            verdict=row.verdict,
            verdict_messages=messages,
        )
        planned = self._replay(row_id, row.visitor, chunk.seq[i])
        if planned is None or planned.spec.step != row.step:
            note = "Older row: headers and bodies are no longer kept and could not be rebuilt."
            return LogEntry(base, False, note)
        spec = planned.spec
        origin = url[: len(url) - len(path_of(url))] if "://" in url else ""
        buster = self._buster(chunk, i)
        sent = spec.path if buster is None else spec.target(buster)
        record = RequestRecord(
            time=row.time,
            visitor=row.visitor,
            journey=planned.journey,
            step=row.step,
            name=spec.name,
            method=spec.method,
            url=origin + sent,
            status=row.status,
            latency_ms=row.latency_ms,
            request_headers=spec.headers,
            request_body=spec.body,
            response_body="",
            error=row.error or None,
            verdict=row.verdict,
            verdict_messages=messages,
        )
        note = (
            "Older row: the request was rebuilt from the scenario (same visitor, same step);"
            " the response body is no longer kept."
        )
        return LogEntry(record, False, note)

    def _replay(self, row_id: int, visitor: int, seq: int) -> PlannedRequest | None:
        scenario = None
        for start, run_scenario in reversed(self._runs):
            if start <= row_id:
                scenario = run_scenario
                break
        if scenario is None or seq >= _MAX_SEQ:
            return None
        from simulator_app.core.journey import JourneyEngine

        engine = self._engines.get(id(scenario))
        if engine is None:
            engine = self._engines[id(scenario)] = JourneyEngine(scenario)
        # Neighbouring rows are mostly the same few visitors: keep their plans a while.
        key = (id(scenario), visitor)
        plan = self._plans.pop(key, None)
        if plan is None:
            plan = list(engine.plan(visitor))
        self._plans[key] = plan
        if len(self._plans) > _PLAN_CACHE:
            self._plans.popitem(last=False)
        return plan[seq] if seq < len(plan) else None

    # -- filtering ------------------------------------------------------------

    def match(self, flt: LogFilter, start: int, stop: int) -> list[int]:
        """Ids of the rows in ``start..stop-1`` (clipped to what is held) that pass ``flt``."""
        start, stop = max(start, self.first), min(stop, self.end)
        out: list[int] = []
        row_id = start
        while row_id < stop:
            chunk, lo = self._locate(row_id)
            hi = min(len(chunk), lo + (stop - row_id))
            base = row_id - lo
            out.extend(base + i for i in match_chunk(chunk, flt, lo, hi))
            row_id = base + hi
        return out

    def ids(self) -> Iterator[int]:
        return iter(range(self.first, self.end))
