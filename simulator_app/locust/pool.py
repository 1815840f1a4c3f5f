"""Which visitor a Locust user runs next: no two users, nor two workers, run the same one.

Plain Python (no locust, no gevent): the runtime passes in how to yield to
the other users during a long search.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterator

from simulator_app.core.journey import JourneyEngine, PlannedRequest

QUEUE_LIMIT = 100_000  # indexes drawn for a journey nobody runs are dropped past this
YIELD_EVERY = 1000  # draws between two pauses while looking for a rare journey's visitor


class VisitorPool:
    """Hands out visitor indexes: ``start, start + stride, ...`` up to ``limit`` (0: no limit).

    Worker ``w`` of ``n`` takes ``w, w + n, ...``; one process takes
    ``0, 1, 2, ...`` as ``nitrox-sim run`` does. The engine draws each
    visitor's journey from that visitor's own random generator, so a
    per-journey user takes the next index whose drawn journey is its own;
    indexes drawn for other journeys wait in their journey's queue for that
    journey's users. ``take(None)`` (the ``AllJourneys`` user) takes the
    oldest waiting index of any journey, else the next one.
    """

    def __init__(
        self,
        engine: JourneyEngine,
        start: int = 0,
        stride: int = 1,
        limit: int = 0,
        pause: Callable[[], None] = lambda: None,
    ) -> None:
        if start < 0 or stride < 1 or limit < 0:
            raise ValueError("start and limit must be 0 or more, stride 1 or more")
        self.engine = engine
        self.next = start
        self.stride = stride
        self.limit = limit
        self._pause = pause
        journeys = engine.scenario.journeys
        self._waiting: list[deque[int]] = [deque() for _ in journeys]
        self._position = {id(j): n for n, j in enumerate(journeys)}

    def _draw(self) -> int | None:
        """The next index of this process's share, or None past the limit."""
        index = self.next
        if self.limit and index >= self.limit:
            return None
        self.next += self.stride
        return index

    def take(self, journey: int | None) -> Iterator[PlannedRequest] | None:
        """The next visitor's planned requests for journey number ``journey`` (None: any).

        None when this process's share of visitors is used up.
        """
        engine = self.engine
        if journey is None:
            heads = [(q[0], n) for n, q in enumerate(self._waiting) if q]
            index = self._waiting[min(heads)[1]].popleft() if heads else self._draw()
            return None if index is None else engine.plan(index)
        queue = self._waiting[journey]
        if queue:
            return engine.plan(queue.popleft())
        for drawn_count in itertools.count(1):
            if drawn_count % YIELD_EVERY == 0:
                self._pause()  # a rare journey: let the other users send meanwhile
            index = self._draw()
            if index is None:
                return None
            rng = engine.rng(index)
            drawn = engine.journey_for(rng)
            position = self._position[id(drawn)]
            if position == journey:
                return engine.plan_drawn(index, rng, drawn)  # the generator is seeded once
            if len(self._waiting[position]) < QUEUE_LIMIT:
                self._waiting[position].append(index)
        raise AssertionError("unreachable")  # pragma: no cover - itertools.count never ends


def share(worker_index: int, workers: int) -> tuple[int, int]:
    """``(start, stride)`` of worker ``worker_index`` of ``workers`` (a local run: 0 of 1).

    A worker whose index is not below ``workers`` (the master was told fewer
    workers than joined) gets indexes far from every other worker's, so that
    no visitor repeats; :func:`share_problem` says what to fix.
    """
    workers = max(1, workers)
    index = max(0, worker_index)
    if index >= workers:
        return index * 10_000_000, 1
    return index, workers


def share_problem(worker_index: int, workers: int) -> str | None:
    """Why this worker's share is not the normal one, or None."""
    if worker_index >= max(1, workers):
        return (
            f"worker index {worker_index} but --expect-workers {workers}: start the master with"
            " --expect-workers equal to the number of workers, or visitors may repeat"
        )
    return None
