"""Shared fixtures: paths of the bundled scenarios."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@pytest.fixture
def scenarios_dir() -> Path:
    return SCENARIOS


@pytest.fixture(autouse=True)
def _network_default_reset() -> Iterator[None]:
    """The app's Target tab sets a process-wide network default: each test starts with none."""
    from simulator_app.sender.network import NetworkSettings, use_by_default

    use_by_default(NetworkSettings())
    yield
    use_by_default(NetworkSettings())
