"""The bench's table and JSON: goals judged from the figures of one run, gaps explained."""

from __future__ import annotations

import json

from simulator_app.bench.report import (
    GOALS,
    JSON_SCHEMA,
    REFERENCES,
    evaluate,
    format_table,
    to_json,
)
from simulator_app.bench.suite import FIGURE_KEYS, BenchResult, settings_for
from simulator_app.bench.wrk import INSTALL_HINT, NOT_MEASURED, parse_output


def a_result(**figures: float | None) -> BenchResult:
    result = BenchResult()
    result.figures.update(
        {
            "bare_server_rps": 30_000.0,  # the collector's reference
            "wrk_rps_c10": 20_000.0,  # wrk against the sink: the sender c10's reference
            "locust_httpuser_rps": 1_500.0,
            "locust_fasthttpuser_rps": 6_000.0,
            "exported_rps": 5_100.0,  # 0.85: a miss
            "bundled_rps": 4_900.0,  # 0.96 of the thin file
            "sender_rps_c10": 6_000.0,
            "sender_rps_c200": 5_700.0,  # 0.95
            "sender_rps_c5000": 5_000.0,  # 0.83
            "collector_rps": 16_000.0,
            "gui_max_stall_ms": 49.9,
            "gui_bytes_per_row": 301.0,  # a miss by one byte
        }
    )
    result.figures.update(figures)
    result.extras.update(
        {
            "collector_load": "wrk, 50 connections",
            "collector_reference_rps": result.figures["bare_server_rps"],
            "settings": {"seconds": 4.0, "rounds": 1, "users": 10, "quick": True},
            "wrk": True,
        }
    )
    # the sender's round: its three runs and wrk at 10 connections took turns in it
    keys = ("sender_rps_c10", "sender_rps_c200", "sender_rps_c5000", "wrk_rps_c10")
    result.extras["sender_rounds"] = [
        {key: result.figures[key] for key in keys if result.figures[key] is not None}
    ]
    locust = ("locust_httpuser_rps", "locust_fasthttpuser_rps", "exported_rps", "bundled_rps")
    result.extras["locust_rounds"] = [
        {key: result.figures[key] for key in locust if result.figures[key] is not None}
    ]
    return result


def statuses(result: BenchResult) -> dict[str, str]:
    return {o.goal.key: o.status for o in evaluate(result)}


def test_each_goal_is_judged_on_its_ratio_or_figure() -> None:
    assert statuses(a_result()) == {
        "exported_vs_fasthttpuser": "MISS",
        "bundled_vs_exported": "PASS",
        "sender_c200_vs_c10": "PASS",
        "sender_c5000_vs_c10": "PASS",
        "sender_c10_vs_wrk_c10": "PASS",  # 0.3
        "collector_vs_bare_server": "MISS",  # 0.53
        "gui_stall": "PASS",
        "gui_memory": "MISS",
    }
    edges = a_result(
        exported_rps=6_000.0,
        bundled_rps=5_700.0,
        collector_rps=21_000.0,
        sender_rps_c10=5_990.0,
        sender_rps_c200=5_391.0,
        gui_max_stall_ms=50.0,
        gui_bytes_per_row=300.0,
    )
    judged = statuses(edges)
    assert judged["exported_vs_fasthttpuser"] == "PASS"  # exactly 1.0 meets ">= 1.0"
    assert judged["bundled_vs_exported"] == "PASS"  # exactly 0.95
    assert judged["collector_vs_bare_server"] == "PASS"  # exactly 0.7
    assert judged["sender_c200_vs_c10"] == "PASS"  # exactly 0.9
    assert judged["sender_c10_vs_wrk_c10"] == "MISS"  # 0.2995 of wrk at 10
    assert judged["gui_stall"] == "MISS"  # the goal is "< 50 ms"
    assert judged["gui_memory"] == "PASS"  # "<= 300"


def test_a_missing_figure_makes_its_goals_not_applicable_and_its_note_shows() -> None:
    result = a_result(bare_server_rps=None)
    result.extras["collector_reference_rps"] = None
    result.notes["bare_server_rps"] = INSTALL_HINT
    assert statuses(result)["collector_vs_bare_server"] == "not measured"
    table = format_table(result)
    assert f"bare_server_rps: {INSTALL_HINT}" in table
    document = to_json(result)
    assert document["bare_server_rps"] is None
    assert document["notes"] == {"bare_server_rps": INSTALL_HINT}
    assert document["ratios"]["collector_vs_bare_server"] is None


def test_a_ratio_that_must_hold_in_every_round_is_judged_on_the_worst() -> None:
    result = a_result()
    result.extras["sender_rounds"] = [
        {"sender_rps_c10": 6_000.0, "sender_rps_c200": 5_700.0},  # 0.95
        {"sender_rps_c10": 5_000.0, "sender_rps_c200": 4_000.0},  # 0.80: a miss
    ]
    (outcome,) = [o for o in evaluate(result) if o.goal.key == "sender_c200_vs_c10"]
    assert outcome.value == 0.8 and outcome.status == "MISS"
    line = next(x for x in format_table(result).splitlines() if x.startswith("sender c200"))
    assert line.split()[-4:] == ["0.80", ">=", "0.90", "MISS"]


def test_sender_c10_is_judged_against_wrk_of_its_own_round() -> None:
    # The best c10 over the best wrk at 10 connections is 1.0; in the second round, the same
    # moments, the sender got 0.6 of what wrk got: that round is the one judged.
    result = a_result(sender_rps_c10=15_000.0, wrk_rps_c10=15_000.0)
    result.extras["sender_rounds"] = [
        {"sender_rps_c10": 15_000.0, "sender_rps_c200": 15_000.0, "wrk_rps_c10": 15_000.0},
        {"sender_rps_c10": 2_500.0, "sender_rps_c200": 2_500.0, "wrk_rps_c10": 10_000.0},
    ]
    (outcome,) = [o for o in evaluate(result) if o.goal.key == "sender_c10_vs_wrk_c10"]
    assert outcome.value == 0.25 and outcome.status == "MISS"


def test_the_locust_ratios_are_judged_on_their_worst_round() -> None:
    result = a_result(exported_rps=7_000.0, locust_fasthttpuser_rps=6_000.0)
    result.extras["locust_rounds"] = [
        {"locust_fasthttpuser_rps": 6_000.0, "exported_rps": 7_000.0, "bundled_rps": 7_000.0},
        {"locust_fasthttpuser_rps": 5_000.0, "exported_rps": 4_500.0, "bundled_rps": 4_000.0},
    ]
    judged = {o.goal.key: o for o in evaluate(result)}
    assert judged["exported_vs_fasthttpuser"].value == 0.9  # best over best would be 1.17
    assert judged["exported_vs_fasthttpuser"].status == "MISS"
    assert round(judged["bundled_vs_exported"].value or 0, 4) == round(4_000 / 4_500, 4)


def test_what_wrk_got_from_the_sink_is_shown_beside_the_goals_and_not_judged() -> None:
    result = a_result(wrk_rps_c200=6_000.0, wrk_rps_c5000=4_000.0)
    result.extras["server_rounds"] = [
        {"c10": 20_000.0, "c200": 18_000.0, "c5000": 15_000.0},  # 0.90, 0.75
        {"c10": 25_000.0, "c200": 20_000.0, "c5000": 16_000.0},  # 0.80, 0.64: the worst
    ]
    document = to_json(result)
    values = {key: ref["value"] for key, ref in document["references"].items()}
    assert values == {
        "sink_c200_vs_c10": 0.8,  # worst round
        "sink_c5000_vs_c10": 0.64,  # worst round, as the sender's c5000 goal
        "sender_c200_vs_wrk_c200": 0.95,  # 5,700 of the 6,000 wrk got
        "sender_c5000_vs_wrk_c5000": 1.25,
    }
    assert set(document["goals"]) == {goal.key for goal in GOALS}  # none of them a goal
    lines = format_table(result).splitlines()
    start = lines.index(next(x for x in lines if x.startswith("wrk against the sink (no goal)")))
    assert [x.split()[-1] for x in lines[start + 1 : start + 1 + len(REFERENCES)]] == [
        "0.80",
        "0.64",
        "0.95",
        "1.25",
    ]
    assert not any(x.endswith(("PASS", "MISS")) for x in lines[start:])


def test_a_reference_not_measured_is_left_out_of_the_table() -> None:
    result = a_result()  # no wrk alone: no server rounds, no c200 / c5000 figures
    assert "wrk against the sink (no goal)" not in format_table(result)
    assert all(ref["value"] is None for ref in to_json(result)["references"].values())


def test_without_wrk_the_ratios_to_wrk_say_so() -> None:
    result = a_result(bare_server_rps=None, wrk_rps_c10=None)
    result.extras["wrk"] = False
    result.notes["bare_server_rps"] = result.notes["wrk_rps_c10"] = INSTALL_HINT
    assert statuses(result)["sender_c10_vs_wrk_c10"] == NOT_MEASURED == "not measured (no wrk)"
    table = format_table(result)
    assert f"{NOT_MEASURED}" in next(line for line in table.splitlines() if "under wrk" in line)
    goal_line = next(line for line in table.splitlines() if line.startswith("sender c10 / wrk"))
    assert goal_line.endswith(NOT_MEASURED)
    assert to_json(result)["goals"]["sender_c10_vs_wrk_c10"]["result"] == NOT_MEASURED


def test_without_wrk_the_collector_is_compared_under_the_locust_load() -> None:
    result = a_result(bare_server_rps=None, collector_rps=5_000.0)
    result.extras["collector_load"] = "Locust FastHttpUser, 10 users"
    result.extras["collector_reference_rps"] = 6_000.0  # the bare server under that load
    assert to_json(result)["ratios"]["collector_vs_bare_server"] == round(5_000 / 6_000, 4)
    assert "under Locust FastHttpUser, 10 users" in format_table(result)


def test_table_lists_every_figure_and_goal_with_its_verdict() -> None:
    table = format_table(a_result())
    assert "30,000 req/s" in table and "49.9 ms" in table and "301 bytes" in table
    for goal in GOALS:
        line = next(line for line in table.splitlines() if line.startswith(goal.label))
        assert line.split()[-1] in ("PASS", "MISS")
    assert "0.85" in table and "0.95" in table


def test_the_table_says_what_the_host_took_of_the_cpu_time() -> None:
    result = a_result()
    assert "steal" not in format_table(result)  # not known: not shown
    result.extras["steal_share"] = 0.02
    result.extras["steal_steps"] = [
        {"step": "bare server under wrk", "share": 0.01},
        {"step": "exported Demo mix, 10 users", "share": 0.31},
    ]
    header = format_table(result).splitlines()[1]
    assert header.startswith("steal: the host took 2% of the CPU time, 31% during exported Demo")
    assert "compare figures with a run that has little" in header
    result.extras.update(steal_share=0.0, steal_steps=[{"step": "x", "share": 0.0}])
    assert format_table(result).splitlines()[1] == "steal: the host took 0% of the CPU time"
    assert to_json(result)["steal_share"] == 0.0


def test_json_has_every_figure_and_is_serialisable() -> None:
    document = json.loads(json.dumps(to_json(a_result())))
    assert document["schema"] == JSON_SCHEMA
    assert set(FIGURE_KEYS) <= set(document)
    assert document["figures"] == {key: document[key] for key in FIGURE_KEYS}
    assert set(document["units"]) == set(FIGURE_KEYS)
    assert document["ratios"]["exported_vs_fasthttpuser"] == 0.85
    assert document["goals"]["gui_memory"]["result"] == "MISS"


def test_json_goals_carry_their_inputs_target_value_and_verdict() -> None:
    document = to_json(a_result(sender_rps_c5000=None))
    goal = document["goals"]["sender_c200_vs_c10"]
    assert goal == {
        "label": "sender c200 / c10 (worst round)",
        "numerator": "sender_rps_c200",
        "denominator": "sender_rps_c10",
        "op": ">=",
        "goal": 0.9,
        "target": ">= 0.90",
        "value": 0.95,
        "every_round": True,
        "result": "PASS",
    }
    assert document["goals"]["gui_stall"]["denominator"] is None
    assert document["goals"]["gui_stall"]["value"] == 49.9
    assert document["missed"] == [
        "exported_vs_fasthttpuser",
        "collector_vs_bare_server",
        "gui_memory",
    ]
    assert document["not_measured"] == ["sender_c5000_vs_c10"]
    everything = document["passed"] + document["missed"] + document["not_measured"]
    assert sorted(everything) == sorted(goal.key for goal in GOALS)


def test_quick_is_one_short_round_and_seconds_override_it() -> None:
    quick = settings_for(quick=True)
    assert quick.rounds == 1 and quick.seconds < settings_for(quick=False).seconds
    assert settings_for(quick=True, seconds=2.5).seconds == 2.5


def test_wrk_output_is_read_with_its_errors() -> None:
    output = """Running 1s test @ http://127.0.0.1:1/x
  1 threads and 50 connections
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:  35123.45
Transfer/sec:      3.01MB
"""
    parsed = parse_output(output)
    assert parsed.rps == 35123.45 and parsed.errors == 10
