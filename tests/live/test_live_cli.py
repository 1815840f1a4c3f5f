"""``nitrox-sim live``'s command line: the plan, its errors, its day logs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from simulator_app.cli import main
from simulator_app.cli._daily_log import DailyLog
from tests.conftest import SCENARIOS


def test_the_plan_is_written_as_csv_and_nothing_is_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "plan.csv"
    campaign = tmp_path / "c.json"
    code = main(
        ["live", str(SCENARIOS / "demo_mix.yaml"), "--for", "2d", "--visitors-per-day", "240",
         "--plan", "--plan-csv", str(plan), "--campaign", str(campaign)]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("plan: 480 visitors,")
    assert "visitors per hour of the week" in out
    assert not campaign.exists()  # a plan starts nothing
    with open(plan, encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    days = [r for r in rows if r["period"] == "day"]
    hours = [r for r in rows if r["period"] == "hour"]
    assert abs(sum(float(r["visitors"]) for r in days) - 480) < 0.5
    assert abs(sum(float(r["visitors"]) for r in hours) - 480) < 0.5
    assert 48 <= len(hours) <= 49
    for r in hours:  # the countries add up to the visitors
        countries = float(r["IN"]) + float(r["US"]) + float(r["GB"])
        assert abs(countries - float(r["visitors"])) < 0.05


def test_a_campaign_file_that_is_not_one_says_where_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": 1, "seed": 3}', encoding="utf-8")
    assert main(["live", "--resume", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err == f"nitrox-sim live: error: {broken}: field 'scenario' is missing\n"
    broken.write_text("{", encoding="utf-8")
    assert main(["live", "--resume", str(broken)]) == 2
    assert f"{broken}: line 1: not JSON" in capsys.readouterr().err


def test_an_existing_campaign_is_never_started_over(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    campaign = tmp_path / "c.json"
    campaign.write_text(json.dumps({"keep": "me"}), encoding="utf-8")
    code = main(["live", str(SCENARIOS / "buyer.yaml"), "--campaign", str(campaign)])
    assert code == 2
    assert f"resume it with --resume {campaign}" in capsys.readouterr().err
    assert json.loads(campaign.read_text(encoding="utf-8")) == {"keep": "me"}


def test_bad_spans_and_targets_are_one_line_errors(capsys: pytest.CaptureFixture[str]) -> None:
    scenario = str(SCENARIOS / "buyer.yaml")
    assert main(["live", scenario, "--for", "soon", "--plan"]) == 2
    assert "--for: 'soon' is not a time such as 7d" in capsys.readouterr().err
    assert main(["live", scenario, "--visitors-per-day", "0", "--plan"]) == 2
    assert "--visitors-per-day: must be above 0" in capsys.readouterr().err
    assert main(["live", "--resume-if-exists"]) == 2
    assert "--resume-if-exists needs --campaign FILE" in capsys.readouterr().err


def test_the_day_logs_take_at_most_their_size_the_oldest_go_first(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    for day in ("2020-01-01", "2020-01-02", "2020-01-03"):
        (folder / f"live-{day}.log").write_text("x" * 400, encoding="utf-8")
    (folder / "other.txt").write_text("not ours", encoding="utf-8")
    log = DailyLog(str(folder), max_bytes=2000)
    for _ in range(100):
        log.write("a line of the day\n")
    log.flush()
    log.close()
    names = sorted(p.name for p in folder.iterdir())
    assert "live-2020-01-01.log" not in names and "live-2020-01-03.log" in names
    assert "other.txt" in names
    total = sum(p.stat().st_size for p in folder.glob("live-*.log"))
    assert total <= 2000
    today = [p for p in folder.glob("live-*.log") if not p.name.startswith("live-2020")]
    assert len(today) == 1 and today[0].read_text(encoding="utf-8").startswith("a line")
