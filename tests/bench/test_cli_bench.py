"""``nitrox-sim bench`` end to end with tiny durations, and its argument errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from simulator_app.bench import suite
from simulator_app.bench.report import GOALS
from simulator_app.bench.wrk import INSTALL_HINT, NOT_MEASURED, WRK_MISSING
from simulator_app.cli import main

TINY = suite.BenchSettings(
    seconds=1.0,
    rounds=1,
    users=2,
    gui_seconds=0.3,
    gui_rate=500,
    gui_rows=5000,
    warmup=0.5,
    quick=True,
)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seconds", "abc"], "--seconds: 'abc' is not a number"),
        (["--seconds", "0"], "--seconds: 0 must be more than 0"),
        (["--seconds", "nan"], "--seconds: nan must be more than 0"),
        (["--quick", "--json", "/no/such/folder/bench.json"], "no folder '/no/such/folder'"),
    ],
)
def test_bad_arguments_are_one_line_errors_before_any_measuring(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("nitrox-sim bench: error: ")
    assert message in err


def test_a_folder_is_not_a_json_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--json", str(tmp_path)]) == 2
    assert f"--json: {tmp_path} is a directory" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.timeout(180)
@pytest.mark.parametrize("wrk", ["installed", "hidden"])
def test_a_tiny_run_prints_the_table_and_writes_every_key(
    wrk: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if wrk == "hidden":
        monkeypatch.setattr(suite, "wrk_path", lambda: None)
    elif shutil.which("wrk") is None:
        pytest.skip("wrk is not installed here")
    asked: list[tuple[bool, float | None]] = []

    def tiny(quick: bool, seconds: float | None = None) -> suite.BenchSettings:
        asked.append((quick, seconds))
        return TINY

    monkeypatch.setattr(suite, "settings_for", tiny)
    out_file = tmp_path / "bench.json"
    assert main(["bench", "--quick", "--seconds", "1", "--json", str(out_file)]) == 0
    assert asked == [(True, 1.0)]
    out, err = capsys.readouterr()

    document = json.loads(out_file.read_text("utf-8"))
    for key in suite.FIGURE_KEYS:
        value = document[key]
        if value is None:  # allowed only with the reason
            assert document["notes"][key]
        else:
            assert isinstance(value, float) and value > 0, key
    measured = {k for k in suite.FIGURE_KEYS if document[k] is not None}
    needs_wrk = set(suite.WRK_FIGURES)
    assert measured | needs_wrk == set(suite.FIGURE_KEYS), document["notes"]
    if wrk == "hidden":
        assert document["notes"]["bare_server_rps"] == INSTALL_HINT
        assert document["notes"]["wrk_rps_c10"] == INSTALL_HINT
        assert document["collector_load"].startswith("Locust FastHttpUser")
        # Said before anything is measured, and in every ratio to the bare server.
        assert err.splitlines()[1] == f"nitrox-sim bench: {WRK_MISSING}"
        assert "apt-get install -y wrk" in WRK_MISSING
        assert document["goals"]["sender_c10_vs_wrk_c10"]["result"] == NOT_MEASURED
        assert document["ratios"]["sender_c10_vs_wrk_c10"] is None
        goal_line = next(line for line in out.splitlines() if line.startswith("sender c10 / wrk"))
        assert goal_line.endswith(NOT_MEASURED)
    else:
        assert document["collector_load"].startswith("wrk")
        assert document["ratios"]["sender_c10_vs_wrk_c10"] > 0
        # wrk alone against the sink at the sender's concurrencies.
        (alone,) = document["server_rounds"]
        assert set(alone) == {"c10", "c200", "c5000"} and min(alone.values()) > 0
        assert document["references"]["sink_c200_vs_c10"]["value"] > 0
        assert "wrk against the sink (no goal)" in out
        assert set(document["sink_busy"]) >= {"wrk_rps_c10", "wrk_rps_c200", "sender_rps_c10"}
    steps = 9 if wrk == "installed" else 8
    assert len(document["sender_rounds"]) == 1
    # How busy each side was, per figure of the round: the sender's process and the server.
    (busy,) = document["sender_cpu_rounds"]
    if Path("/proc/self/stat").exists():
        for key in ("sender_rps_c10", "sender_rps_c200"):
            assert busy[key]["load"] > 0 and busy[key]["server"] > 0, busy
        sender_line = next(line for line in err.splitlines() if "run's sender" in line)
        assert "busy: c10 load CPU " in sender_line, sender_line
        # What the host took of the machine's CPU time: over the run and in each step.
        assert 0 <= document["steal_share"] <= 1
        assert len(document["steal_steps"]) == steps
        assert out.splitlines()[1].startswith("steal: the host took ")
    assert document["collector_verdicts"]["bad"] == 0
    assert set(document["goals"]) == {goal.key for goal in GOALS}
    assert len(document["locust_rounds"]) == 1
    assert set(document["sink_busy"]) >= {"sender_rps_c10", "exported_rps"}
    assert document["schema"] == 2 and document["figures"]["bundled_rps"] is not None

    # One progress line per measurement on stderr; the table on stdout.
    progress = [line for line in err.splitlines() if line.startswith("nitrox-sim bench: [")]
    assert [line.split("]")[0] for line in progress] == [
        f"nitrox-sim bench: [{n}/{steps}" for n in range(1, steps + 1)
    ]
    for goal in GOALS:
        assert goal.label in out
    assert f"{document['locust_fasthttpuser_rps']:,.0f} req/s" in out
