"""Plans that send a recording again: what the sender runs instead of drawing journeys.

A plan answers the two questions the load run asks of the journey engine:
when each visitor arrives (:meth:`arrival_offsets`) and which requests it
sends (:meth:`plan`). :class:`RecordingReplay` sends a recording's requests
as they were (bodies verbatim, so a bug in them is replayed too) in their
order and timing, with the IDs, identify details and client address of a
fresh visitor of the run's seed; the gaps between visitors are scaled like
the think times (``--think-scale 0`` sends the whole recording at once).
:class:`ExactPlan` sends an imported
scenario's journeys one visitor each, in order, built by the engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from simulator_app.core.contract import VisitorRequests
from simulator_app.core.journey import JourneyEngine, PlannedRequest
from simulator_app.core.recording.har_reader import RecordedRequest, Recording


class Planner(Protocol):
    """What a load run needs to send visitors: the journey engine is one."""

    def arrival_offsets(self) -> Iterator[float]: ...

    def plan(self, index: int) -> Iterator[PlannedRequest]: ...


def recorded_length(recording: Recording) -> float:
    """Seconds from a recording's first request to its last."""
    times = [r.time for r in recording.requests]
    return max(times) - min(times) if times else 0.0


class RecordingReplay:
    """A recording's requests again, visitor by visitor, with fresh visitors of ``engine``.

    ``engine`` is built from the recording's imported scenario and the run's
    seed: it gives each recorded visitor the same fresh IDs for all its
    requests, new ones every run unless the seed is given again.
    """

    def __init__(
        self, recording: Recording, engine: JourneyEngine, time_scale: float = 1.0
    ) -> None:
        self.engine = engine
        self.time_scale = time_scale
        self.visitors: list[list[RecordedRequest]] = list(recording.visitors().values())
        first = self.visitors[0][0].time if self.visitors else 0.0
        self.starts = [max(v[0].time - first, 0.0) for v in self.visitors]

    def arrival_offsets(self) -> Iterator[float]:
        """When each recorded visitor started, scaled like the think times."""
        return (start * self.time_scale for start in self.starts)

    def plan(self, index: int) -> Iterator[PlannedRequest]:
        engine = self.engine
        visitor = engine.visitor(index)
        requests = VisitorRequests(visitor.ids, engine.options, index, visitor.headers)
        recorded = self.visitors[index]
        name = f"visitor {index + 1}"
        for k, request in enumerate(recorded):
            think = recorded[k + 1].time - request.time if k + 1 < len(recorded) else 0.0
            if request.kind == "identify":
                source = (request.payload or {}).get("source")
                spec = requests.identify(
                    visitor.payload(source if isinstance(source, str) else None)
                )
            else:
                spec = requests.event(request.kind, request.body or {}, request.body_text)
            yield PlannedRequest(spec, max(think, 0.0), name)


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
