"""The event loop a run (or a click-through request) goes on, and what it needs around it.

uvloop's loop when it is installed; the garbage collector tuned for the
length of a run; a sleep that a stop cuts short.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import threading
from collections.abc import Iterator

GC_YOUNG_THRESHOLD = 50_000  # allocations between young-generation collections during a run
GC_YOUNG_PER_CONNECTION = 200  # ... or this many per connection of the run, when more


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's loop when it is installed (uvicorn[standard] brings it), else asyncio's."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


_gc_lock = threading.Lock()
_gc_saved: tuple[int, int, int] = (0, 0, 0)
_gc_froze = False  # the first run froze the heap (nobody else had frozen anything)
# The young thresholds of the runs going on, one each (the collector's settings are
# the process's): the first run saves the settings, the last one puts them back.
_gc_wanted: list[int] = []


def young_threshold(connections: int) -> int:
    """Allocations between young collections for a run of ``connections`` at once."""
    return max(GC_YOUNG_THRESHOLD, GC_YOUNG_PER_CONNECTION * connections)


@contextlib.contextmanager
def fewer_collections(connections: int = 0) -> Iterator[None]:
    """The cyclic garbage collector runs less often while any run goes on.

    With thousands of requests in flight, each young-generation collection
    walks all their live objects, and one ran every few hundred requests: 15
    to 35 us of a request's CPU at concurrency 5000 (gc.callbacks), and
    pauses of 200 ms. A request's objects are freed by reference counting
    anyway; cycles are still collected, after 50,000 allocations instead of
    700. The previous thresholds come back when the last run ends.

    More with more ``connections``: a young collection walks the objects of
    every request in flight (all younger than it), so its pause grows with
    them, 32 ms at concurrency 5000; and there the count of allocations
    creeps up by about one a request although nothing stays alive (345,000 to
    509,000 over 6 s with no collection; no cycle was left to collect over
    110,000 requests). With 50,000 that made 33 young collections in 6 s, 21%
    of the sender's CPU against a receiver cheaper than it (nginx).
    :data:`GC_YOUNG_PER_CONNECTION` allocations a connection, a million at
    5000, make it about one every half a minute: against nginx, the run's
    c5000 / c10 went from 0.56-0.68 to 0.70-0.73 (four rounds each).

    What exists when the first run starts (the journey engine's tables, the
    modules) is frozen (``gc.freeze``) until the last run ends: none of it is
    garbage, and the older-generation collections a run still makes (the
    objects of thousands of visitors in flight do survive a young one) no
    longer walk it: over a run of 5000 visitors of 20 requests each (opening
    5000 connections included) the collector's share of a request went from
    15 us to 3 us.
    """
    global _gc_saved, _gc_froze
    with _gc_lock:
        if not _gc_wanted:
            _gc_saved = gc.get_threshold()
            _gc_froze = gc.get_freeze_count() == 0  # someone else's freeze stays theirs
            if _gc_froze:
                gc.freeze()
        wanted = young_threshold(connections)
        _gc_wanted.append(wanted)
        _set_young(max(_gc_wanted))
    try:
        yield
    finally:
        with _gc_lock:
            _gc_wanted.remove(wanted)
            if not _gc_wanted:
                if _gc_froze:
                    gc.unfreeze()
                gc.set_threshold(*_gc_saved)
            else:
                _set_young(max(_gc_wanted))


def _set_young(threshold: int) -> None:
    """The young threshold ``threshold`` (or the saved one, when higher); the others as saved."""
    gc.set_threshold(max(_gc_saved[0], threshold), *_gc_saved[1:])


async def sleep_unless(
    stop: asyncio.Event, seconds: float, loop: asyncio.AbstractEventLoop
) -> bool:
    """Sleep ``seconds``; False (at once) when ``stop`` is set before or meanwhile."""
    if stop.is_set():
        return False
    if seconds <= 0:
        return True
    waiter: asyncio.Future[None] = loop.create_future()
    handle = loop.call_later(seconds, _resolve, waiter)
    stop_wait = asyncio.ensure_future(stop.wait())
    stop_wait.add_done_callback(lambda _: _resolve(waiter))
    try:
        await waiter
    finally:
        handle.cancel()
        stop_wait.cancel()
    return not stop.is_set()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
