"""The Faker locales a scenario may name, and the codec that checks one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from faker.config import AVAILABLE_LOCALES

from simulator_app.core.format import Found, Path

# Locales Faker still ships but warns about, and what to use instead.
DEPRECATED_LOCALES: dict[str, str] = {"fr_QC": "fr_CA"}
LOCALES: tuple[str, ...] = tuple(sorted(set(AVAILABLE_LOCALES) - set(DEPRECATED_LOCALES)))


@dataclass(frozen=True, slots=True)
class Locale:
    """A Faker locale name such as ``en_IN`` or ``hi_IN``."""

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "maxLength": 20}

    def load(self, data: Any) -> str:
        return str(data)

    def dump(self, value: Any) -> Any:
        return str(value)

    def problems(self, data: Any, path: Path) -> Found:
        if data in DEPRECATED_LOCALES:
            yield path, f"Faker deprecates {data!r}: use {DEPRECATED_LOCALES[data]!r}"
        elif data not in LOCALES:
            yield path, f"unknown Faker locale {data!r}"
