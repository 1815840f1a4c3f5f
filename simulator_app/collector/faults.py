"""Fault injection: the collector misbehaving on purpose, to test senders under stress.

A :class:`FaultSettings` says how often and how badly; a :class:`FaultInjector`
draws, per tracking request, whether to add latency, answer a 5xx or a 429
with ``Retry-After`` (throttling), answer
``Payload Error`` (identify only) or drop the connection. The draws come from
one seeded generator so a test gets the same faults every time.
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass
from typing import Any

# What a drawn fault does to one request.
NO_FAULT = ""
ERROR = "error"  # answer 503
PAYLOAD_ERROR = "payload_error"  # identify answers the text "Payload Error"
DROP = "drop"  # close the connection without an answer
THROTTLE = "throttle"  # answer 429 Too Many Requests with Retry-After
MAX_RETRY_AFTER = 3600  # seconds a throttled answer may ask for


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
    throttle_rate: float = 0.0  # share of requests answered 429
    retry_after: float | None = 1.0  # their Retry-After in seconds (None: no header)

    def __post_init__(self) -> None:
        problem = self.problem()
        if problem:
            raise ValueError(problem)

    def problem(self) -> str | None:
        """Why these settings are unusable, or None."""
        low, high = self.latency_ms
        # NaN passes every bound below (each comparison with it is false), and the
        # inspection API would then answer NaN, which is not JSON.
        for value in (low, high):
            if not math.isfinite(value):
                return f"latency must be a finite number of ms, got {value:g}"
        if low < 0:
            return f"latency {low:g} ms must be 0 or more"
        if high < low:
            return f"latency {low:g}-{high:g} ms has MIN above MAX (write it as {high:g}-{low:g})"
        if high > 60_000:
            return f"latency {high:g} ms is above the 60000 ms limit"
        for name in _RATES:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                return f"{name} must be between 0 and 1, got {value:g}"
        if self.error_rate + self.drop_rate + self.throttle_rate > 1.0:
            return "error_rate + drop_rate + throttle_rate must not exceed 1"
        after = self.retry_after
        if after is not None and not (math.isfinite(after) and 0 <= after <= MAX_RETRY_AFTER):
            return f"retry_after must be between 0 and {MAX_RETRY_AFTER} seconds, or null"
        return None

    def retry_after_header(self) -> list[tuple[bytes, bytes]]:
        """The Retry-After header of a throttled answer (whole seconds, as HTTP says)."""
        if self.retry_after is None:
            return []
        return [(b"retry-after", str(math.ceil(self.retry_after)).encode("ascii"))]

    @property
    def active(self) -> bool:
        """True when any fault can happen."""
        return bool(
            self.latency_ms[1] > 0
            or self.error_rate
            or self.payload_error_rate
            or self.drop_rate
            or self.throttle_rate
        )

    def describe(self) -> str:
        """The active faults in words, e.g. ``latency 50-300 ms, 503 for 5% of requests``."""
        low, high = self.latency_ms
        parts = []
        if high > 0:
            parts.append(f"latency {_latency_text(low, high)} ms")
        if self.error_rate:
            parts.append(f"503 for {_percent(self.error_rate)} of requests")
        if self.payload_error_rate:
            parts.append(
                f"'Payload Error' for {_percent(self.payload_error_rate)} of identify requests"
            )
        if self.drop_rate:
            parts.append(f"{_percent(self.drop_rate)} of connections dropped")
        if self.throttle_rate:
            after = "" if self.retry_after is None else f" (Retry-After {self.retry_after:g} s)"
            parts.append(f"429 for {_percent(self.throttle_rate)} of requests{after}")
        if self.seed is not None:
            parts.append(f"seed {self.seed}")
        return ", ".join(parts) or "none"

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
            raise ValueError('settings must be a JSON object, e.g. {"error_rate": 0.5}')
        current = (base or cls()).to_json()
        unknown = sorted(set(data) - set(current))
        if unknown:
            # quoted when not a plain name: a key may hold anything, a newline included
            shown = [k if k.isidentifier() and len(k) <= 40 else repr(k[:40]) for k in unknown]
            raise ValueError(f"unknown fault setting(s): {', '.join(shown[:5])}")
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
        for name in _RATES:
            value = current[name]
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ValueError(f"{name} must be a number between 0 and 1")
            rates[name] = float(value)
        seed = current["seed"]
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ValueError("seed must be an integer or null")
        after = current["retry_after"]
        if after is not None and (not isinstance(after, int | float) or isinstance(after, bool)):
            raise ValueError("retry_after must be a number of seconds or null")
        return cls(
            latency_ms=(low, high),
            seed=seed,
            retry_after=None if after is None else float(after),
            **rates,
        )


_RATES = ("error_rate", "payload_error_rate", "drop_rate", "throttle_rate")


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
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"latency {text!r} is not in finite milliseconds (e.g. 200 or 50-300)")
    if high < low:
        raise ValueError(f"latency {text!r} has MIN above MAX: write MIN-MAX (e.g. 50-300)")
    return low, high


def _latency_text(low: float, high: float) -> str:
    return f"{low:g}" if low == high else f"{low:g}-{high:g}"


def _percent(rate: float) -> str:
    return f"{rate * 100:g}%"


class FaultInjector:
    """Draws the fault for each tracking request from one seeded generator."""

    __slots__ = ("_rng", "active", "settings")

    def __init__(self, settings: FaultSettings) -> None:
        self.settings = settings
        self.active = settings.active  # read on every request: worked out once
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
        if s.drop_rate or s.error_rate or s.throttle_rate:
            pick = self._rng.random()
            if pick < s.drop_rate:
                return DROP
            if pick < s.drop_rate + s.error_rate:
                return ERROR
            if pick < s.drop_rate + s.error_rate + s.throttle_rate:
                return THROTTLE
        if identify and s.payload_error_rate and self._rng.random() < s.payload_error_rate:
            return PAYLOAD_ERROR
        return NO_FAULT
