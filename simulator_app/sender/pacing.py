"""A token bucket: the optional global cap on requests per second.

The bucket is plain arithmetic over a clock the caller passes in, so it is
tested without sleeping; the runner asks how long to wait and sleeps itself.
"""

from __future__ import annotations


class TokenBucket:
    """At most ``rate`` requests per second on average, bursts of at most ``burst``.

    :meth:`reserve` takes one token and returns how long the caller must wait
    before using it (0 when a token was ready). Reservations are handed out in
    call order, so waiting callers keep their turn.
    """

    def __init__(self, rate: float, burst: float = 1.0, now: float = 0.0) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = max(1.0, burst)
        self._tokens = self.burst
        self._stamp = now

    def reserve(self, now: float) -> float:
        """Take a token at time ``now`` (seconds); the wait before it may be used."""
        if now > self._stamp:
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
        self._tokens -= 1.0
        if self._tokens >= 0:
            return 0.0
        # The debt is paid back at ``rate`` tokens per second.
        return -self._tokens / self.rate
