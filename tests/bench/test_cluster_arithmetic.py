"""docs/performance.md's cluster arithmetic: made from one run's figures, never by hand."""

from __future__ import annotations

from simulator_app.bench.docs_table import past_one_machine, tables
from simulator_app.bench.exporter import default_scenario, user_request_rate


def test_the_cluster_arithmetic_follows_the_figures() -> None:
    document = {"exported_rps": 9_000.0, "user_rps_at_think_times": 0.3, "collector_rps": 30_000.0}
    text = "\n".join(past_one_machine(document))
    assert "9,000 / 0.300 = 30,000 users" in text
    assert "100 × 9,000 = 900,000 req/s" in text and "about 3,000,000 users" in text
    assert "3.3 worker cores saturate it" in text
    assert "Past one machine" in tables(document)


def test_no_arithmetic_without_the_figures() -> None:
    assert past_one_machine({"exported_rps": None, "user_rps_at_think_times": 0.3}) == []
    assert "Past one machine" not in tables({})


def test_a_user_at_the_demo_mix_think_times_sends_a_request_every_few_seconds() -> None:
    rate = user_request_rate(default_scenario(), visitors=300)
    assert 0.05 < rate < 2.0  # think times of 0.5 to 20 s a request
