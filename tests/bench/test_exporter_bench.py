"""The exporter benchmark runs end to end (its figures are printed by the bench, never asserted)."""

from __future__ import annotations

import pytest

from simulator_app.bench.exporter import measure_export_ratio


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_bench_measures_both_files_against_one_server() -> None:
    result = measure_export_ratio(1.0, users=2, rounds=1)
    assert result["locust_fasthttpuser_rps"] > 0
    assert result["exported_rps"] > 0
    assert result["exported_failures"] == 0  # the exported file's requests were all good
    assert result["ratio"] == pytest.approx(
        result["exported_rps"] / result["locust_fasthttpuser_rps"], abs=0.01
    )
