"""Keyed permutations of ``range(size)``: distinct inputs, distinct outputs, random-looking.

What a run makes unique (e-mails, phones, order ids) comes from the visitor's
index through one of these, so two visitors of one run can never share one,
whatever runner makes them and in whatever order; another key (another run's
seed) gives an unrelated permutation. A four-round Feistel network over the
smallest even number of bits that covers ``size``, walking the cycle until the
value falls inside (on average fewer than two steps).
"""

from __future__ import annotations

import hashlib

_MASK64 = (1 << 64) - 1


def _mix(value: int) -> int:
    """SplitMix64's finalizer: every input bit flips about half of the output bits."""
    value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9 & _MASK64
    value = (value ^ (value >> 27)) * 0x94D049BB133111EB & _MASK64
    return value ^ (value >> 31)


def key_of(*parts: object) -> int:
    """A 64-bit key from any parts (a seed, a purpose, a country): stable across runs and machines."""
    text = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


class Permutation:
    """A bijection of ``range(size)`` chosen by ``key``."""

    __slots__ = ("_half", "_keys", "_mask", "size")

    def __init__(self, key: int, size: int) -> None:
        if size < 1:
            raise ValueError("a permutation needs at least one value")
        self.size = size
        bits = max(2, (size - 1).bit_length())
        self._half = (bits + 1) // 2
        self._mask = (1 << self._half) - 1
        self._keys = tuple(_mix((key + n * 0x9E3779B97F4A7C15) & _MASK64) for n in range(4))

    def _round_trip(self, value: int) -> int:
        half, mask = self._half, self._mask
        left, right = value >> half, value & mask
        for round_key in self._keys:
            left, right = right, left ^ (_mix(right ^ round_key) & mask)
        return (left << half) | right

    def __call__(self, value: int) -> int:
        """The image of ``value`` (0 <= value < size)."""
        if not 0 <= value < self.size:
            raise ValueError(f"{value} is outside 0..{self.size - 1}")
        value = self._round_trip(value)
        while value >= self.size:  # the network covers a power of two: walk back inside
            value = self._round_trip(value)
        return value
