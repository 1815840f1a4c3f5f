"""The engine's request stream is pinned: speed work on the core must not change one byte.

The digests hold for the pinned versions of the data sets visitors are made of
(countries, devices, names).
A change here means every runner (CLI, desktop app, exported locustfiles)
now sends different requests for the same seed and visitor: if that is
intended, re-pin with ``python tests/exporter/stream_digest.py``.
"""

from __future__ import annotations

import pytest

from tests.exporter.stream_digest import stream_digest, variants

PINNED = {
    "browser.yaml": "a09374d87937ec2a548eb100b2c389120fae913cc00428e80655c1ff18d68ab9",
    "buyer.yaml": "83b46ded3005cd3e250409416c276af4f6c3d1ea6926828991cdd31d7c133c4e",
    "cart_abandoner.yaml": "fdc29a7fdec720f53d578f29840cb30453be5ebd60c5f569110ad6277c2b1123",
    "demo_mix.yaml": "84f6ef6ef70ba8bdbf1f6322412fafebc082ada3fa9cb835ad09142950874d7d",
    "demo_mix#tracker": "91bbf808e6da5d7a8ad8a6a010d44de0b4d3f88c880052803f531819bf44541c",
    "demo_mix#ids": "3c2d09d53afda8328b00ad5a24243bc21fe4673b73a63c57c22c01b83e0b480f",
}


@pytest.mark.parametrize(("label", "scenario"), list(variants()), ids=[v[0] for v in variants()])
def test_request_stream_is_unchanged(label: str, scenario: object) -> None:
    from simulator_app.core.model import Scenario

    assert isinstance(scenario, Scenario)
    assert stream_digest(scenario, 300) == PINNED[label]
