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

# The visitor IDs tests send and expect (the contract's forms: a UUID, biscuit_ + a UUID).
ORG = "34a3f9a2-5057-431b-bd3f-aa9fdf9ff733"
ROAMING = "biscuit_4c6e224d-96f6-430c-bfc4-d41ec31e38a4"
NITRO = "de8daa44-ac2e-4ba2-8e1c-987a06817353"
