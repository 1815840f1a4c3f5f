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
    "buyer.yaml": "64b1045cef4bc68c94dd7f0f66cea75cae2877518148418f041c75dc37b74ac7",
    "cart_abandoner.yaml": "fdc29a7fdec720f53d578f29840cb30453be5ebd60c5f569110ad6277c2b1123",
    "demo_mix.yaml": "913fd6f22eb05e25f6c76c166cf7251f811821065ead391c54cd455dbaecacaf",
    "demo_mix#tracker": "c7b65fb84e7417c86a7a35f24f7ffd5afac36bb12b5494081f4facc2bc897126",
    "demo_mix#ids": "6de0713c68a977f6025efe835a24a5a8c0987c3fef809ee2ada357f30f85b1ed",
}


@pytest.mark.parametrize(("label", "scenario"), list(variants()), ids=[v[0] for v in variants()])
def test_request_stream_is_unchanged(label: str, scenario: object) -> None:
    from simulator_app.core.model import Scenario

    assert isinstance(scenario, Scenario)
    assert stream_digest(scenario, 300) == PINNED[label]
