"""What a run does when its target asks it to slow down: wait as asked, then send less (AIMD).

A throttled answer (:func:`simulator_app.net.throttle.is_throttled`: a 429,
or a 503 with ``Retry-After``) stops the whole run, every worker, until the
time the target asked for has passed: ``Retry-After`` seconds (or date), 1 s
when it says none, never more than the run's ``throttle_wait`` (60 s by
default) per answer. The run's rate then comes down, additive increase,
multiplicative decrease, as TCP does: the rate is halved (from the cap, or
from the rate the run had reached when it had none), at most once a second
(the answers of requests already in flight are one signal, not many), never
below :data:`MIN_RATE`; then each second without a throttled answer adds
:attr:`Throttle.step` requests/s back, up to the user's ``--rate`` if any.
"""

from __future__ import annotations

import asyncio

from simulator_app.net.throttle import header_value, is_throttled, throttle_wait
from simulator_app.sender.loop import sleep_unless
from simulator_app.sender.pacing import TokenBucket

MIN_RATE = 0.5  # requests per second a throttled run keeps at least
DECREASE = 0.5  # the rate is multiplied by this on a throttled answer
DECREASE_EVERY = 1.0  # seconds: answers closer than this are one signal
INCREASE_SHARE = 0.05  # of the rate first throttled at, added back per quiet second


class Throttle:
    """The run's throttling state, on its event loop (not thread-safe; read counters only)."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        stop: asyncio.Event,
        max_wait: float,
        cap: float | None,
    ) -> None:
        self._loop = loop
        self._stop = stop
        self.max_wait = max_wait
        self._cap = cap
        self._until = 0.0  # loop time before which nothing is sent
        self.waited = 0.0  # seconds the run waited in all
        self.lowest: float | None = None  # the lowest rate it came down to
        self._rate: float | None = None  # the current cap (None: never throttled)
        self._bucket: TokenBucket | None = None
        self._changed = 0.0  # loop time of the last decrease or increase
        self.step = 0.0

    def answered(self, status: int, headers: list[tuple[bytes, bytes]]) -> bool:
        """Note an answer; True when it was throttled (the run now waits)."""
        asked = header_value(headers, "retry-after")
        if not is_throttled(status, asked):
            return False
        now = self._loop.time()
        until = now + throttle_wait(asked, self.max_wait)
        if until > self._until:
            self.waited += until - max(self._until, now)
            self._until = until
        return True

    def bucket(self, bucket: TokenBucket | None, active: float, requests: int) -> TokenBucket:
        """The run's token bucket after a throttled answer: its rate decreased."""
        now = self._loop.time()
        if self._rate is not None and self._bucket is not None:
            if now - self._changed < DECREASE_EVERY:
                return self._bucket
            current = self._rate
        elif bucket is not None:
            current = bucket.rate
        else:
            current = requests / max(active, 1.0)  # the rate the run had reached
        rate = max(MIN_RATE, current * DECREASE)
        if self.step == 0.0:
            self.step = max(MIN_RATE, current * INCREASE_SHARE)
        self._rate = rate
        self.lowest = rate if self.lowest is None else min(self.lowest, rate)
        self._changed = now
        if bucket is None:
            bucket = TokenBucket(rate, 1.0, now)
        else:
            bucket.rate = rate
        self._bucket = bucket
        return bucket

    async def ready(self) -> bool:
        """Wait while the target asked the run to; False when the run stops meanwhile."""
        loop = self._loop
        if self._rate is None and self._until == 0.0:
            return not self._stop.is_set()
        while loop.time() < self._until:
            if not await sleep_unless(self._stop, self._until - loop.time(), loop):
                return False
        self._increase(loop.time())
        return not self._stop.is_set()

    def _increase(self, now: float) -> None:
        rate, bucket = self._rate, self._bucket
        if rate is None or bucket is None:
            return
        quiet = now - self._changed
        if quiet < 1.0:
            return
        rate += self.step * int(quiet)
        if self._cap is not None and rate >= self._cap:
            rate = self._cap
        self._rate = bucket.rate = rate
        self._changed = now

    def waiting(self) -> float:
        """Seconds the run still waits (0 when it sends)."""
        return max(0.0, self._until - self._loop.time())

    def rate(self) -> float | None:
        """The rate the run is held to since it was throttled (None: never throttled)."""
        return self._rate
