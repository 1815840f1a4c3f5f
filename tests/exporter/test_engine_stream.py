"""The engine's request stream is pinned: speed work on the core must not change one byte.

The digests were re-pinned when visitor seeds moved above the index (so two
seeds never share a visitor).
A change here means every runner (CLI, desktop app, exported locustfiles)
now sends different requests for the same seed and visitor: if that is
intended, re-pin with ``python tests/exporter/stream_digest.py``.
"""

from __future__ import annotations

import pytest

from tests.exporter.stream_digest import stream_digest, variants

PINNED = {
    "browser.yaml": "958918a8cdd795646c7a72b5dc9477a3a685eac55e4cc7445289015537e022a4",
    "buyer.yaml": "210d0817870cf8e3dce411ade5148d626e78614c48c915e78324195fddf0cd9f",
    "cart_abandoner.yaml": "9a1d19e14a5d0627cc7c24cf6d0555ed1be9df2b71965c74d4ee0781debd4cec",
    "demo_mix.yaml": "fa0867b2c43ef7528c8bab015c9c828de96f919159becc9a1a17eef25a4d30a7",
    "demo_mix#tracker": "48eee2c7b9df38a3b2397063dc256c331fb78defd202d9b7581fdf7b3537b51e",
    "demo_mix#ids": "5e06dbefe4ac523fc9bc2c40aadfb75ee37205bdefc356cc7643848cf4b803dd",
}


@pytest.mark.parametrize(("label", "scenario"), list(variants()), ids=[v[0] for v in variants()])
def test_request_stream_is_unchanged(label: str, scenario: object) -> None:
    from simulator_app.core.model import Scenario

    assert isinstance(scenario, Scenario)
    assert stream_digest(scenario, 300) == PINNED[label]
