"""The embedded collector: a local Nitrox receiver that checks every request against the contract."""

from __future__ import annotations

from simulator_app.collector.embedded import EmbeddedCollector
from simulator_app.collector.faults import FaultSettings
from simulator_app.collector.server import CollectorStartError

__all__ = ["CollectorStartError", "EmbeddedCollector", "FaultSettings"]
