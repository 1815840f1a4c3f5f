"""Working back from a dashboard: the ``continue`` probabilities that give a wanted funnel.

A sales engineer knows what the dashboard should show (say 3% of visitors
buy); :func:`solve` finds drop-offs that produce it. Targets are met in funnel
order. For a target step, the steps that decide how many visitors get from
the previous target's step to it (in every journey that has it) are scaled
together: each such ``continue`` ``p`` becomes ``p ** s`` for one ``s``, so the
journeys keep the shape the user gave them, and ``s`` is found by bisection
on the expected funnel. A segment whose steps all continue with certainty
scales the step just before the target instead.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from simulator_app.core.funnel import FUNNEL_ORDER, expected_funnel
from simulator_app.core.model import Journey, Scenario


class TargetError(ValueError):
    """A target that no drop-off can give (one line, with what is possible)."""


@dataclass(frozen=True, slots=True)
class Change:
    """One step's new ``continue`` probability."""

    journey: int
    step: int
    before: float
    after: float


def parse_target(text: str) -> tuple[str, float]:
    """``"buy=3%"`` or ``"buy=0.03"`` → ``("buy", 0.03)``; ValueError says what is wrong."""
    kind, sep, value = text.partition("=")
    kind = kind.strip()
    if not sep or kind not in FUNNEL_ORDER:
        raise ValueError(f"{text!r}: write STEP=SHARE, STEP one of {', '.join(FUNNEL_ORDER)}")
    value = value.strip()
    try:
        share = float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        raise ValueError(f"{text!r}: {value!r} is not a share such as 3% or 0.03") from None
    if not (math.isfinite(share) and 0 <= share <= 1):
        raise ValueError(f"{text!r}: a share is between 0% and 100%")
    return kind, share


def _with(scenario: Scenario, proceeds: dict[tuple[int, int], float]) -> Scenario:
    journeys: list[Journey] = []
    for j, journey in enumerate(scenario.journeys):
        steps = tuple(
            dataclasses.replace(step, proceed=proceeds.get((j, k), step.proceed))
            for k, step in enumerate(journey.steps)
        )
        journeys.append(dataclasses.replace(journey, steps=steps))
    return dataclasses.replace(scenario, journeys=tuple(journeys))


def _first(journey: Journey, kind: str) -> int | None:
    return next((k for k, s in enumerate(journey.steps) if s.type == kind), None)


def solve(scenario: Scenario, targets: dict[str, float]) -> tuple[Scenario, list[Change]]:
    """The scenario with the drop-offs that give ``targets``, and what changed.

    Raises :class:`TargetError` for a target that cannot be met, saying the
    most (or least) that the scenario's journeys allow.
    """
    current = scenario
    previous: str | None = None
    for kind in [k for k in FUNNEL_ORDER if k in targets]:
        wanted = targets[kind]
        segment: dict[tuple[int, int], float] = {}
        for j, journey in enumerate(current.journeys):
            at = _first(journey, kind)
            if at is None or at == 0:
                continue
            start = (_first(journey, previous) or 0) if previous else 0
            steps = range(min(start, at - 1), at)
            chosen = {
                (j, k): journey.steps[k].proceed for k in steps if journey.steps[k].proceed < 1
            }
            segment.update(chosen or {(j, at - 1): math.exp(-1)})

        def share(
            power: float,
            base: Scenario = current,
            part: dict[tuple[int, int], float] = segment,
            step: str = kind,
        ) -> float:
            scaled = {key: p**power for key, p in part.items()}
            return expected_funnel(_with(base, scaled)).shares[step]

        most, least = share(0.0), share(60.0)
        if not segment or wanted > most + 1e-12:
            raise TargetError(
                f"{kind}={wanted:.1%} cannot be reached: at most {most:.1%} of visitors get there "
                "(more weight on the journeys with that step, or fewer steps before it)"
            )
        if wanted < least - 1e-12:
            raise TargetError(f"{kind}={wanted:.1%} is below the least possible, {least:.1%}")
        low, high = 0.0, 60.0
        for _ in range(80):
            middle = (low + high) / 2
            if share(middle) > wanted:
                low = middle
            else:
                high = middle
        power = (low + high) / 2
        current = _with(current, {key: round(p**power, 4) for key, p in segment.items()})
        previous = kind
    changes = [
        Change(j, k, before.proceed, after.proceed)
        for j, (old, new) in enumerate(zip(scenario.journeys, current.journeys, strict=True))
        for k, (before, after) in enumerate(zip(old.steps, new.steps, strict=True))
        if before.proceed != after.proceed
    ]
    return current, changes
