"""How long a run has left: from its schedule and the visits in flight, not a straight line.

A run ends when its last visitor has arrived and finished its visit, so a
straight line through the visitors done says "0:01" for as long as the
longest visits last. Here each visit has a length: the think times its plan
waits (scaled) and its requests at the latency measured so far.
:func:`sample_visits` plans a sample of the run's own visitors (all of them
in a small run, so those lengths are exact); :func:`time_left` then asks
what is still to come: the visits in flight (each one's length less what it
has been going; for a visitor not sampled, what the sampled visits as long
as it already is have left on average), the arrivals still to come and the
longest visits among them, the queue behind the concurrency limit, and the
requests still to send under a rate limit.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from simulator_app.core.recording.replay import Planner

SAMPLE = 200  # visitors planned to learn the lengths of visits
MAX_PLANNED = 1000  # requests planned of one sampled visit; past it, the visit counts as endless
MAX_SAMPLED = 10_000  # requests planned for the whole sample: a run starts in a blink


class VisitLengths:
    """Planned visits of a sample of a run's visitors: think seconds (scaled) and requests."""

    def __init__(self, by_index: dict[int, tuple[float, int]], exact: bool) -> None:
        self.by_index = by_index
        self.exact = exact  # every visitor of the run is in by_index
        self.thinks = sorted(t for t, _ in by_index.values())
        # after[k]: the sum of thinks[k:], so a residual costs one bisection
        self.after = [0.0] * (len(self.thinks) + 1)
        for k in range(len(self.thinks) - 1, -1, -1):
            self.after[k] = self.after[k + 1] + self.thinks[k]
        self.mean_requests = (
            sum(n for _, n in by_index.values()) / len(by_index) if by_index else 0.0
        )
        self.mean_think = self.after[0] / len(self.thinks) if self.thinks else 0.0

    def residual(self, went: float) -> float:
        """What visits that have gone ``went`` seconds have left, on average, by the sample."""
        k = bisect.bisect_right(self.thinks, went)
        longer = len(self.thinks) - k
        return self.after[k] / longer - went if longer else 0.0


def sample_visits(
    plans: Planner, visitors: int, think_scale: float, sample: int = SAMPLE
) -> VisitLengths:
    """Plan ``sample`` of the run's ``visitors`` (spread over them; every one when fewer)."""
    if visitors <= 0:
        return VisitLengths({}, True)
    count = min(visitors, sample)
    indices = sorted({i * visitors // count for i in range(count)})
    lengths = {}
    budget = MAX_SAMPLED
    for index in indices:
        if budget <= 0:
            break
        think, requests = 0.0, 0
        for planned in plans.plan(index):
            think += planned.think
            requests += 1
            if requests >= MAX_PLANNED:  # an endless visit: it lasts until the time limit
                think = math.inf
                break
            if requests >= budget:
                break
        else:
            budget -= requests
            lengths[index] = (think * think_scale, requests)
            continue
        budget -= requests
        if math.isinf(think):
            lengths[index] = (think, requests)
    return VisitLengths(lengths, len(lengths) == visitors)


@dataclass(frozen=True, slots=True)
class RunState:
    """What a run knows at one moment (seconds of active time: pauses left out)."""

    now: float
    span: float  # the schedule's arrival span: the last visitor arrives by then
    visitors: int
    started: int  # visitors started so far (they start in index order)
    in_flight: Sequence[tuple[int, float]]  # (visitor index, when its visit started)
    concurrency: int
    latency: float  # seconds a request takes, as measured so far
    requests: int = 0  # requests sent so far
    rate: float | None = None  # requests per second at most
    time_limit: float | None = None


def _longest_of(thinks: list[float], n: int) -> float:
    """About the longest of ``n`` visits drawn like the sample (its n/(n+1) quantile)."""
    if not thinks or n <= 0:
        return 0.0
    rank = min(len(thinks) - 1, math.floor(len(thinks) * n / (n + 1)))
    return thinks[rank]


def time_left(lengths: VisitLengths, state: RunState) -> float:
    """Seconds until the run ends, by :class:`RunState` and the visits' planned lengths."""
    thinks = lengths.thinks
    mean_requests = lengths.mean_requests
    candidates = [0.0]
    for index, began in state.in_flight:
        went = max(state.now - began, 0.0)
        known = lengths.by_index.get(index)
        if known is not None:
            think, requests = known
            candidates.append(think + requests * state.latency - went)
        else:
            candidates.append(lengths.residual(went) + mean_requests * state.latency)
    waiting = state.visitors - state.started
    if waiting > 0:
        arrivals = max(state.span - state.now, 0.0)
        if lengths.exact:
            future: Iterable[tuple[float, int]] = (
                lengths.by_index[i] for i in range(state.started, state.visitors)
            )
            longest = max(t + n * state.latency for t, n in future)
        else:
            longest = _longest_of(thinks, waiting) + mean_requests * state.latency
        candidates.append(arrivals + longest)
        if len(state.in_flight) >= state.concurrency:  # the rest queue behind the limit
            mean = lengths.mean_think + mean_requests * state.latency
            candidates.append(math.ceil(waiting / max(state.concurrency, 1)) * mean)
    if state.rate:
        to_send = max(state.visitors * mean_requests - state.requests, 0.0)
        candidates.append(to_send / state.rate)
    left = max(candidates)
    if state.time_limit is not None:
        left = min(left, max(state.time_limit - state.now, 0.0))
    return max(left, 0.0)
