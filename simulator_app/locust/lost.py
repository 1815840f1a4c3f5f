"""Workers lost mid-test: a distributed run that lost one says so, and fails unless allowed.

Locust's master drops a worker that stops sending heartbeats (killed, its
machine gone) or quits while a test runs, hands its users to the others and
carries on: the requests that worker made since its last stats report are in
no total, and its share of visitor numbers is never sent. The master watches
its workers during each test (:func:`watch`); when Locust quits,
:func:`report` names each worker lost (its index and id, when it went, when
it last reported), marks the totals incomplete (before and after Locust's
final table) and exits with :data:`LOST_WORKERS_EXIT` unless the master was
started with ``--allow-lost-workers``.
"""

from __future__ import annotations

import atexit
import logging
import sys
import time
from dataclasses import dataclass, field
from typing import Any, cast

import gevent
from locust.runners import STATE_MISSING, MasterRunner

_log = logging.getLogger("nitrox")

LOST_WORKERS_EXIT = 3  # Locust's own: 1 failures, 2 an error in the file's code
_POLL = 0.25  # seconds between looks at the master's list of workers


@dataclass(frozen=True, slots=True)
class LostWorker:
    """A worker that left during a test, and what of it the totals lack."""

    index: int | None  # Locust's worker index, None when the master never gave one
    client_id: str
    lost_after: float  # seconds into the test when the master saw it gone
    last_report: float | None  # seconds into the test of its last stats report; None: none
    how: str  # "stopped answering" or "quit"

    def describe(self) -> str:
        which = f"worker {self.index}" if self.index is not None else "a worker"
        reported = (
            f"its last report came {self.last_report:.1f} s in"
            if self.last_report is not None
            else "it never reported"
        )
        return (
            f"{which} ({self.client_id}) {self.how} {self.lost_after:.1f} s into the test;"
            f" {reported}, so what it sent after that is in no total"
        )


@dataclass
class _Watch:
    runner: MasterRunner
    started: float | None = None  # time.time() of the current test's start; None: no test
    known: dict[str, int | None] = field(default_factory=dict)  # client id -> index
    reports: dict[str, float] = field(default_factory=dict)  # client id -> last report time
    lost: list[LostWorker] = field(default_factory=list)

    def begin(self, **_kwargs: Any) -> None:
        self.started = time.time()
        self.known = {}
        self.reports = {}
        self.look()

    def end(self, **_kwargs: Any) -> None:
        self.look()  # a last look: the last worker lost is what stops a test
        self.started = None

    def reported(self, client_id: str = "", **_kwargs: Any) -> None:
        self.reports[client_id] = time.time()

    def look(self) -> None:
        started = self.started
        if started is None:
            return
        nodes = {node.id: node for node in self.runner.clients.all}
        for client_id, index in list(self.known.items()):
            node = nodes.get(client_id)
            if node is not None and node.state != STATE_MISSING:
                continue
            del self.known[client_id]
            report = self.reports.get(client_id)
            gone = LostWorker(
                index=index,
                client_id=client_id,
                lost_after=time.time() - started,
                last_report=None if report is None else report - started,
                how="quit" if node is None else "stopped answering",
            )
            self.lost.append(gone)
            _log.error("nitrox: %s; the totals of this test will be incomplete", gone.describe())
        for client_id, node in nodes.items():
            if client_id not in self.known and node.state != STATE_MISSING:
                self.known[client_id] = cast(Any, self.runner).get_worker_index(client_id)

    def loop(self) -> None:
        while True:
            gevent.sleep(_POLL)
            self.look()


class _Process:
    watch: _Watch | None = None


def watch(runner: MasterRunner) -> None:
    """Watch ``runner``'s workers during every test (once per process)."""
    if _Process.watch is not None:
        return
    seen = _Process.watch = _Watch(runner)
    events = runner.environment.events
    cast(Any, events.test_start).add_listener(seen.begin)
    cast(Any, events.test_stopping).add_listener(seen.end)
    cast(Any, events.worker_report).add_listener(seen.reported)
    gevent.spawn(seen.loop)


def lost_workers() -> list[LostWorker]:
    """Every worker lost during a test of this process, in the order they went."""
    return list(_Process.watch.lost) if _Process.watch is not None else []


def report(allowed: bool, code: int | None) -> int | None:
    """Say which workers were lost; the exit code: ``code``, or LOST_WORKERS_EXIT unless allowed."""
    if _Process.watch is not None:
        _Process.watch.look()  # a test still running when Locust quits
    lost = lost_workers()
    if not lost:
        return code
    for worker in lost:
        _log.error("nitrox: %s", worker.describe())
    line = (
        f"nitrox: these totals are INCOMPLETE: {len(lost)} worker{'s' if len(lost) != 1 else ''}"
        " lost mid-test (above)"
    )
    _log.error(line)
    atexit.register(print, line, file=sys.stderr)  # after Locust's final table as well
    if allowed:
        _log.warning("nitrox: --allow-lost-workers: the exit status does not count them")
        return code
    _log.error(
        "nitrox: exit %d: a worker was lost (pass --allow-lost-workers to accept an incomplete run)",
        LOST_WORKERS_EXIT,
    )
    return code if code else LOST_WORKERS_EXIT
