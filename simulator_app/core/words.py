"""Counts in words, the same in every summary: ``1 visitor``, ``2,000 visitors``."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``count`` with thousands separators and ``noun`` in the number it needs."""
    return f"{count:,} {noun if count == 1 else nouns or noun + 's'}"
