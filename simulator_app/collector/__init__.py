"""The embedded collector: a local Nitrox receiver that checks every request against the contract.

Its names are imported when first used (PEP 562), so that a module of the
package (``collector.geo``, ``collector.fields``) can be read without the
web server's imports: the app starts its collector after its first paint.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator_app.collector.embedded import EmbeddedCollector
    from simulator_app.collector.faults import FaultSettings
    from simulator_app.collector.server import CollectorStartError

__all__ = ["CollectorStartError", "EmbeddedCollector", "FaultSettings"]

_HOMES = {
    "CollectorStartError": "simulator_app.collector.server",
    "EmbeddedCollector": "simulator_app.collector.embedded",
    "FaultSettings": "simulator_app.collector.faults",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
