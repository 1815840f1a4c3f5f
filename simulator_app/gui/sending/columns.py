"""The request log's columns: one chunk of rows as arrays, and filtering over them.

See :mod:`.store` for why rows are kept this way. No Qt here.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass

from simulator_app.core.contract import STEP_TYPES

STEP_NAMES: tuple[str, ...] = ("?", *STEP_TYPES)
METHOD_NAMES: tuple[str, ...] = ("?", "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
STEP_CODE = {name: i for i, name in enumerate(STEP_NAMES)}
METHOD_CODE = {name: i for i, name in enumerate(METHOD_NAMES)}


@dataclass(frozen=True, slots=True)
class LogFilter:
    """Which rows the log shows: step types (empty: all), result, visitor and free text.

    ``result`` is ``all``, ``ok`` or ``failed``. ``text`` matches, case
    insensitively, the row's URL, method, step, status and error.
    """

    steps: frozenset[str] = frozenset()
    result: str = "all"
    visitor: int | None = None
    text: str = ""

    @property
    def active(self) -> bool:
        return bool(self.steps or self.result != "all" or self.visitor is not None or self.text)


class Strings:
    """Strings interned within one chunk: index 0 is the empty string."""

    __slots__ = ("index", "items")

    def __init__(self) -> None:
        self.items: list[str] = [""]
        self.index: dict[str, int] | None = {"": 0}

    def add(self, text: str) -> int:
        assert self.index is not None, "a sealed chunk takes no rows"
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.items)
            self.items.append(text)
        return found

    def seal(self) -> None:
        # A full chunk only ever reads by index: drop the lookup table's memory.
        self.index = None

    def matching(self, needle: str) -> set[int]:
        return {i for i, s in enumerate(self.items) if needle in s.lower()}


class Chunk:
    """Up to CHUNK_ROWS rows, column by column."""

    __slots__ = (
        "errors",
        "failed",
        "heads",
        "latency",
        "method",
        "seq",
        "status",
        "step",
        "tails",
        "time",
        "u_error",
        "u_head",
        "u_tail",
        "visitor",
    )

    def __init__(self) -> None:
        self.time = array("d")
        self.visitor = array("I")
        self.seq = array("H")
        self.step = array("B")
        self.method = array("B")
        self.status = array("H")
        self.failed = array("B")
        self.latency = array("f")
        self.u_head = array("H")
        self.u_tail = array("H")
        self.u_error = array("H")
        self.heads = Strings()
        self.tails = Strings()
        self.errors = Strings()

    def __len__(self) -> int:
        return len(self.time)

    def seal(self) -> None:
        self.heads.seal()
        self.tails.seal()
        self.errors.seal()


def match_chunk(chunk: Chunk, flt: LogFilter, lo: int, hi: int) -> list[int]:
    """Offsets in ``lo..hi-1`` passing ``flt``: one list comprehension per condition."""
    cand: Sequence[int] = range(lo, hi)
    if flt.visitor is not None:
        visitors, wanted = chunk.visitor, flt.visitor
        cand = [i for i in cand if visitors[i] == wanted]
    if flt.result != "all":
        failed, want_failed = chunk.failed, int(flt.result == "failed")
        cand = [i for i in cand if failed[i] == want_failed]
    if flt.steps:
        steps, codes = chunk.step, {STEP_CODE.get(s, -1) for s in flt.steps}
        cand = [i for i in cand if steps[i] in codes]
    needle = flt.text.strip().lower()
    if needle:
        heads, tails, errors = (
            chunk.heads.matching(needle),
            chunk.tails.matching(needle),
            chunk.errors.matching(needle),
        )
        step_codes = {c for c, name in enumerate(STEP_NAMES) if needle in name}
        method_codes = {c for c, name in enumerate(METHOD_NAMES) if needle in name.lower()}
        u_head, u_tail, u_error = chunk.u_head, chunk.u_tail, chunk.u_error
        step, method, status = chunk.step, chunk.method, chunk.status
        by_status = needle.isdigit()
        cand = [
            i
            for i in cand
            if u_head[i] in heads
            or u_tail[i] in tails
            or u_error[i] in errors
            or step[i] in step_codes
            or method[i] in method_codes
            or (by_status and needle in str(status[i]))
        ]
    return list(cand)
