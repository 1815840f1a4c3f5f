"""Fault injection: the collector misbehaving on purpose, to test senders under stress.

A :class:`FaultSettings` says how often and how badly; a :class:`FaultInjector`
draws, per tracking request, whether to add latency, answer a 5xx, answer
``Payload Error`` (identify only) or drop the connection. The draws come from
one seeded generator so a test gets the same faults every time.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any

# What a drawn fault does to one request.
NO_FAULT = ""
ERROR = "error"  # answer 503
PAYLOAD_ERROR = "payload_error"  # identify answers the text "Payload Error"
DROP = "drop"  # close the connection without an answer


@dataclass(frozen=True, slots=True)
class FaultSettings:
    """How the collector misbehaves: latency in milliseconds and rates between 0 and 1.

    ``latency_ms`` is ``(low, high)``: a fixed delay when both are equal, a
    uniform draw between them otherwise. ``seed`` makes the draws repeatable
    (None: a fresh seed each start).
    """

    latency_ms: tuple[float, float] = (0.0, 0.0)
    error_rate: float = 0.0
    payload_error_rate: float = 0.0
    drop_rate: float = 0.0
    seed: int | None = None

    def __post_init__(self) -> None:
        problem = self.problem()
        if problem:
            raise ValueError(problem)

    def problem(self) -> str | None:
        """Why these settings are unusable, or None."""
        low, high = self.latency_ms
        if low < 0 or high < low:
            return f"latency must be MS or MIN-MAX with 0 <= MIN <= MAX, got {low:g}-{high:g}"
        if high > 60_000:
            return f"latency {high:g} ms is above the 60000 ms limit"
        for name in ("error_rate", "payload_error_rate", "drop_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                return f"{name} must be between 0 and 1, got {value:g}"
        if self.error_rate + self.drop_rate > 1.0:
            return "error_rate + drop_rate must not exceed 1"
        return None

    @property
    def active(self) -> bool:
        """True when any fault can happen."""
        return bool(
            self.latency_ms[1] > 0 or self.error_rate or self.payload_error_rate or self.drop_rate
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["latency_ms"] = list(self.latency_ms)
        return data

    @classmethod
    def from_json(cls, data: object, base: FaultSettings | None = None) -> FaultSettings:
        """Settings from the inspection API's JSON; keys left out keep ``base``'s values.

        Raises ValueError with a one-line message on unknown keys or bad values.
        """
        if not isinstance(data, dict):
            raise ValueError("faults must be a JSON object")
        current = (base or cls()).to_json()
        unknown = sorted(set(data) - set(current))
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(unknown)}")
        current.update(data)
        latency = current["latency_ms"]
        if isinstance(latency, str):
            low, high = parse_latency(latency)
        elif isinstance(latency, int | float) and not isinstance(latency, bool):
            low = high = float(latency)
        elif (
            isinstance(latency, list | tuple)
            and len(latency) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in latency)
        ):
            low, high = float(latency[0]), float(latency[1])
        else:
            raise ValueError("latency_ms must be a number, [min, max] or 'MIN-MAX'")
        rates = {}
        for name in ("error_rate", "payload_error_rate", "drop_rate"):
            value = current[name]
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ValueError(f"{name} must be a number between 0 and 1")
            rates[name] = float(value)
        seed = current["seed"]
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ValueError("seed must be an integer or null")
        return cls(latency_ms=(low, high), seed=seed, **rates)


def parse_latency(text: str) -> tuple[float, float]:
    """``"200"`` → (200, 200); ``"50-300"`` → (50, 300). ValueError with a one-line reason."""
    parts = text.strip().split("-")
    try:
        if len(parts) == 1:
            low = high = float(parts[0])
        elif len(parts) == 2:
            low, high = float(parts[0]), float(parts[1])
        else:
            raise ValueError
    except ValueError:
        raise ValueError(f"latency {text!r} is not MS or MIN-MAX (e.g. 200 or 50-300)") from None
    if low < 0 or high < low:
        raise ValueError(f"latency {text!r} must be MS or MIN-MAX with 0 <= MIN <= MAX")
    return low, high


class FaultInjector:
    """Draws the fault for each tracking request from one seeded generator."""

    __slots__ = ("_rng", "settings")

    def __init__(self, settings: FaultSettings) -> None:
        self.settings = settings
        self._rng = random.Random(settings.seed)

    def delay(self) -> float:
        """Seconds to wait before answering (0 for none)."""
        low, high = self.settings.latency_ms
        if high <= 0:
            return 0.0
        ms = low if low >= high else self._rng.uniform(low, high)
        return ms / 1000.0

    def draw(self, identify: bool) -> str:
        """The fault for one request: NO_FAULT, ERROR, PAYLOAD_ERROR or DROP."""
        s = self.settings
        if s.drop_rate or s.error_rate:
            pick = self._rng.random()
            if pick < s.drop_rate:
                return DROP
            if pick < s.drop_rate + s.error_rate:
                return ERROR
        if identify and s.payload_error_rate and self._rng.random() < s.payload_error_rate:
            return PAYLOAD_ERROR
        return NO_FAULT
