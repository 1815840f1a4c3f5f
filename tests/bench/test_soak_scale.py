"""Soak and scale: a compressed weekly curve into the real collector; many Locust users."""

from __future__ import annotations

import pytest

from simulator_app.bench.scale import closing_stats, lines, locust_scale, sender_scale
from simulator_app.bench.soak import GROWTH_GOAL, SoakResult, run_soak
from simulator_app.cli import main


@pytest.mark.slow
def test_a_short_soak_stores_what_it_sent_and_reads_both_memories() -> None:
    said: list[str] = []
    result = run_soak(0.15, rate=100.0, progress=said.append, think_scale=0.0)
    data = result.to_json()
    assert result.requests > 300 and result.failures == 0
    assert result.stored == result.succeeded == result.requests and data["accounted"]
    assert all(s[1] and s[2] for s in result.samples)  # both processes read from /proc
    assert data["sender_growth"] is not None and data["collector_growth"] is not None
    assert said and "requests" in said[0]
    lines = result.lines()
    assert lines[1].endswith("PASS")
    assert any(line.startswith("collector memory after the first minute") for line in lines)


def test_growth_is_judged_from_after_the_first_minute() -> None:
    result = SoakResult(minutes=20, rate_goal=200, elapsed=1200.0)
    result.samples = [(0.0, 40_000, 30_000), (60.0, 100_000, 90_000), (1200.0, 104_000, 99_000)]
    assert result.growth(1) == pytest.approx(0.04)  # the start-up's growth is not counted
    assert result.growth(2) == pytest.approx(0.1)
    verdicts = [line.rsplit(" ", 1)[-1] for line in result.lines()[2:]]
    assert verdicts == ["PASS", "MISS"] and GROWTH_GOAL == 0.05


def test_soak_minutes_goes_with_soak(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--soak-minutes", "1"]) == 2
    assert "--soak-minutes goes with --soak" in capsys.readouterr().err


@pytest.mark.slow
def test_locust_at_scale_reads_memory_per_user_and_spawn_time() -> None:
    document = locust_scale(users=200, spawn_rate=200, hold=2.0)
    for name in ("minimal", "exported"):
        figure = document["figures"][name]
        assert figure["users"] == 200 and figure["spawn_seconds"] >= 0
        assert figure["loaded_kb"] > figure["idle_kb"] > 0, figure
        assert figure["requests"] > 0 and figure["failures"] == 0, figure
    assert document["result"] in ("PASS", "MISS") and document["memory_ratio"] > 0
    assert lines(document)[-1].startswith("  exported / minimal memory per user: ")


def test_the_closing_table_is_read_not_the_percentiles() -> None:
    summary = """\
Type     Name         # reqs      # fails |    Avg     Min     Max    Med |   req/s  failures/s
--------|-----------|-------|-------------|-------|-------|-------|-------|--------|-----------
POST     event/view     2999     3(0.10%) |      2       1      30      2 |  150.00        0.00
--------|-----------|-------|-------------|-------|-------|-------|-------|--------|-----------
         Aggregated     2999     3(0.10%) |      2       1      30      2 |  150.00        0.00

Response time percentiles (approximated)
Type     Name     50%    66%    75%    80%    90%    95%    98%    99%  99.9% 99.99%   100% # reqs
         Aggregated      2      2      3      3      4      5      7      9     20     30     30   2999
"""
    assert closing_stats(summary) == (2999, 3)


@pytest.mark.slow
def test_the_sender_at_scale_reads_memory_per_visitor_in_flight() -> None:
    document = sender_scale(400, arrivals=1.0, think_scale=0.2)
    assert document["visitors_ran"] == 400 and document["failures"] == 0
    assert 0 < document["most_in_flight"] <= 400
    assert document["kb_at_most"] >= document["idle_kb"] > 0
    assert document["result"] in ("PASS", "MISS")
