"""The engine's request stream is pinned: speed work on the core must not change one byte.

The digests were taken before the engine was optimised for the Locust export.
A change here means every runner (CLI, desktop app, exported locustfiles)
now sends different requests for the same seed and visitor: if that is
intended, re-pin with ``python tests/exporter/stream_digest.py``.
"""

from __future__ import annotations

import pytest

from tests.exporter.stream_digest import stream_digest, variants

PINNED = {
    "browser.yaml": "53f74e8050a07fd092ca3d3a04d5aafcc6572b682af4b1b389da448aac0a118b",
    "buyer.yaml": "4df3aca3d52dc4cf82c6a1d8fc9fefa2e8c2040563054abf9e6d88b076748338",
    "cart_abandoner.yaml": "6a1b28842bee6c52cefc67578642a6e03fb1bed8c0a32f6ac47027a38a38f966",
    "demo_mix.yaml": "3bfbe2f7a2e2f20b51fd89d14ad6b7dba71f379b581b9b46cc7c01bfe012a603",
    "demo_mix#tracker": "5135d3568268e4ed64c19ca14d302fa00bf559803642a5df1812479a0ec7be07",
    "demo_mix#ids": "91d04d6bd3cacf67c3520e94740dd30369358bc16e0466e757fa98858ce9df72",
}


@pytest.mark.parametrize(("label", "scenario"), list(variants()), ids=[v[0] for v in variants()])
def test_request_stream_is_unchanged(label: str, scenario: object) -> None:
    from simulator_app.core.model import Scenario

    assert isinstance(scenario, Scenario)
    assert stream_digest(scenario, 300) == PINNED[label]
