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
# The receiver's verdict: 0 when it did not judge (a foreign target), else its word.
VERDICT_NAMES: tuple[str | None, ...] = (None, "good", "warn", "bad")
VERDICT_CODE: dict[str | None, int] = {name: i for i, name in enumerate(VERDICT_NAMES)}
NO_BUSTER = -(2**31)  # the request carried no ``_=`` cache-buster
# What the log's result filter offers: (label, LogFilter.result).
RESULTS: tuple[tuple[str, str], ...] = (
    ("All results", "all"),
    ("OK only", "ok"),
    ("Failed (transport)", "failed"),
    ("Judged bad", "contract"),
    ("Failed or judged bad", "problem"),
    ("Warnings", "warn"),
    ("Not judged", "unjudged"),
)


@dataclass(frozen=True, slots=True)
class LogFilter:
    """Which rows the log shows: step types (empty: all), result, visitor and free text.

    ``result`` is one of :data:`RESULTS`' values: ``all``; ``ok`` (no transport
    failure, not judged bad); ``failed`` (transport: no answer or an error
    status); ``contract`` (answered, judged bad by the receiver); ``problem``
    (either); ``warn``; ``unjudged`` (the receiver gave no verdict). ``text``
    matches, case insensitively, the row's URL, method, step, status, error
    and first verdict message.
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
        "buster",
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
        "u_verdict",
        "verdict",
        "verdicts",
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
        self.verdict = array("B")  # VERDICT_CODE
        self.u_verdict = array("H")  # the verdict's first message, interned
        self.buster = array("i")  # the sent ``_=`` minus the row's time in ms, or NO_BUSTER
        self.heads = Strings()
        self.tails = Strings()
        self.errors = Strings()
        self.verdicts = Strings()

    def __len__(self) -> int:
        return len(self.time)

    def seal(self) -> None:
        self.heads.seal()
        self.tails.seal()
        self.errors.seal()
        self.verdicts.seal()


def match_chunk(chunk: Chunk, flt: LogFilter, lo: int, hi: int) -> list[int]:
    """Offsets in ``lo..hi-1`` passing ``flt``: one list comprehension per condition."""
    cand: Sequence[int] = range(lo, hi)
    if flt.visitor is not None:
        visitors, wanted = chunk.visitor, flt.visitor
        cand = [i for i in cand if visitors[i] == wanted]
    result = flt.result
    if result != "all":
        failed, verdict, bad, warn = (
            chunk.failed,
            chunk.verdict,
            VERDICT_CODE["bad"],
            VERDICT_CODE["warn"],
        )
        if result == "ok":
            cand = [i for i in cand if not failed[i] and verdict[i] != bad]
        elif result == "failed":
            cand = [i for i in cand if failed[i]]
        elif result == "contract":
            cand = [i for i in cand if not failed[i] and verdict[i] == bad]
        elif result == "problem":
            cand = [i for i in cand if failed[i] or verdict[i] == bad]
        elif result == "warn":
            cand = [i for i in cand if verdict[i] == warn]
        elif result == "unjudged":
            cand = [i for i in cand if verdict[i] == 0]
        else:
            raise ValueError(f"unknown result filter {result!r}")
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
        messages = chunk.verdicts.matching(needle)
        verdict_codes = {c for c, name in enumerate(VERDICT_NAMES) if name and needle in name}
        step_codes = {c for c, name in enumerate(STEP_NAMES) if needle in name}
        method_codes = {c for c, name in enumerate(METHOD_NAMES) if needle in name.lower()}
        u_head, u_tail, u_error, u_verdict = (
            chunk.u_head,
            chunk.u_tail,
            chunk.u_error,
            chunk.u_verdict,
        )
        step, method, status, verdict_of = chunk.step, chunk.method, chunk.status, chunk.verdict
        by_status = needle.isdigit()
        cand = [
            i
            for i in cand
            if u_head[i] in heads
            or u_tail[i] in tails
            or u_error[i] in errors
            or u_verdict[i] in messages
            or verdict_of[i] in verdict_codes
            or step[i] in step_codes
            or method[i] in method_codes
            or (by_status and needle in str(status[i]))
        ]
    return list(cand)
