"""Plans that send a recording again: what the sender runs instead of drawing journeys.

A plan answers the two questions the load run asks of the journey engine:
when each visitor arrives (:meth:`arrival_offsets`) and which requests it
sends (:meth:`plan`). :class:`RecordingReplay` sends a recording's requests
as they were (bodies verbatim, so a bug in them is replayed too) in their
order and timing, with the IDs, identify details and client address of a
fresh visitor of the run's seed; the gaps between visitors are scaled like
the think times (``--think-scale 0`` sends the whole recording at once), and
every recorded gap is capped as the import caps it (:mod:`.gaps`).
:class:`ExactPlan` sends an imported
scenario's journeys one visitor each, in order, built by the engine.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from simulator_app.core.contract import VisitorRequests
from simulator_app.core.journey import JourneyEngine, PlannedRequest
from simulator_app.core.recording.gaps import capped, is_capped
from simulator_app.core.recording.har_reader import RecordedRequest, Recording


class Planner(Protocol):
    """What a load run needs to send visitors: the journey engine is one."""

    def arrival_offsets(self) -> Iterator[float]: ...

    def plan(self, index: int) -> Iterator[PlannedRequest]: ...


@dataclass(frozen=True)
class ReplayTiming:
    """When each recorded visitor starts and waits, every recorded gap capped as the import caps it.

    ``starts[i]`` is visitor ``i``'s start after the first one; ``thinks[i][k]``
    the wait after its request ``k``; ``capped`` how many gaps (between two
    visitors' starts or two requests of one visitor) were longer than
    :data:`~.gaps.MAX_GAP` and replaced by it.
    """

    starts: tuple[float, ...]
    thinks: tuple[tuple[float, ...], ...]
    capped: int

    @property
    def length(self) -> float:
        """Seconds from the first request to the last, as the replay sends them (unscaled)."""
        return max((s + sum(t) for s, t in zip(self.starts, self.thinks, strict=True)), default=0.0)


def replay_timing(recording: Recording) -> ReplayTiming:
    """The recording's timing as a replay sends it (see :class:`ReplayTiming`)."""
    visitors = list(recording.visitors().values())
    count = 0
    starts: list[float] = []
    thinks: list[tuple[float, ...]] = []
    for n, requests in enumerate(visitors):
        if n == 0:
            starts.append(0.0)
        else:
            gap = requests[0].time - visitors[n - 1][0].time
            count += is_capped(gap)
            starts.append(starts[-1] + capped(gap))
        waits = [b.time - a.time for a, b in itertools.pairwise(requests)]
        count += sum(is_capped(w) for w in waits)
        thinks.append((*(capped(w) for w in waits), 0.0))
    return ReplayTiming(tuple(starts), tuple(thinks), count)


def recorded_length(recording: Recording) -> float:
    """Seconds from a recording's first request to its last, as a replay sends them."""
    return replay_timing(recording).length


class RecordingReplay:
    """A recording's requests again, visitor by visitor, with fresh visitors of ``engine``.

    ``engine`` is built from the recording's imported scenario and the run's
    seed: it gives each recorded visitor the same fresh IDs for all its
    requests, new ones every run unless the seed is given again. Every gap is
    the capped one of :func:`replay_timing`.
    """

    def __init__(
        self, recording: Recording, engine: JourneyEngine, time_scale: float = 1.0
    ) -> None:
        self.engine = engine
        self.time_scale = time_scale
        self.visitors: list[list[RecordedRequest]] = list(recording.visitors().values())
        self.timing = replay_timing(recording)
        self.starts = list(self.timing.starts)

    def arrival_offsets(self) -> Iterator[float]:
        """When each recorded visitor started, scaled like the think times."""
        return (start * self.time_scale for start in self.starts)

    def plan(self, index: int) -> Iterator[PlannedRequest]:
        engine = self.engine
        visitor = engine.visitor(index)
        requests = VisitorRequests(visitor.ids, engine.options, index, visitor.headers)
        recorded = self.visitors[index]
        thinks = self.timing.thinks[index]
        name = f"visitor {index + 1}"
        for k, request in enumerate(recorded):
            if request.kind == "identify":
                source = (request.payload or {}).get("source")
                spec = requests.identify(
                    visitor.payload(source if isinstance(source, str) else None)
                )
            else:
                spec = requests.event(request.kind, request.body or {}, request.body_text)
            yield PlannedRequest(spec, thinks[k], name)


class ExactPlan:
    """Visitor ``i`` sends journey ``i`` of the scenario, once (the engine builds every request)."""

    def __init__(self, engine: JourneyEngine, time_scale: float = 1.0) -> None:
        self.engine = engine
        self.time_scale = time_scale

    def arrival_offsets(self) -> Iterator[float]:
        """The scenario's arrivals, scaled like the think times."""
        return (offset * self.time_scale for offset in self.engine.arrival_offsets())

    def plan(self, index: int) -> Iterator[PlannedRequest]:
        engine = self.engine
        rng = engine.rng(index)
        engine.journey_for(rng)  # drawn as plan() draws it, so the visitor is the same one
        return engine.plan_drawn(index, rng, engine.scenario.journeys[index])
