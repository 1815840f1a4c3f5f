"""What many tests build on: the bundled scenarios by name.

The bundled scenarios are named here, never found by listing ``scenarios/``: a
user's own file there (the README's ``import-har … -o scenarios/session.yaml``)
is no business of the test suite.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
BUNDLED_NAMES = ("browser", "buyer", "cart_abandoner", "demo_mix")
BUNDLED = tuple(SCENARIOS / f"{name}.yaml" for name in BUNDLED_NAMES)
