"""The token bucket behind --rate: how many requests may go when, on a fake clock."""

from __future__ import annotations

import itertools

import pytest

from simulator_app.sender.pacing import TokenBucket


def test_requests_are_spaced_at_the_rate() -> None:
    bucket = TokenBucket(rate=10, burst=1, now=0.0)
    waits = [bucket.reserve(0.0) for _ in range(4)]
    assert waits == pytest.approx([0.0, 0.1, 0.2, 0.3])


def test_a_burst_goes_at_once_then_the_rate_applies() -> None:
    bucket = TokenBucket(rate=5, burst=3, now=0.0)
    waits = [bucket.reserve(0.0) for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.0, 0.0, 0.2, 0.4])


def test_a_second_of_eager_callers_gets_rate_slots_in_call_order() -> None:
    bucket = TokenBucket(rate=20, burst=1, now=0.0)
    # One caller every millisecond for a second, each sent at now + its wait.
    slots = [t / 1000 + bucket.reserve(t / 1000) for t in range(1000)]
    assert sum(1 for s in slots if s < 1.0) == 20
    assert slots == sorted(slots)  # nobody jumps the queue
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    assert min(gaps) == pytest.approx(0.05)


def test_idle_time_refills_up_to_the_burst_only() -> None:
    bucket = TokenBucket(rate=1, burst=2, now=0.0)
    bucket.reserve(0.0)
    bucket.reserve(0.0)
    assert bucket.reserve(100.0) == 0.0
    assert bucket.reserve(100.0) == 0.0
    assert bucket.reserve(100.0) == pytest.approx(1.0)


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        TokenBucket(rate=0)
