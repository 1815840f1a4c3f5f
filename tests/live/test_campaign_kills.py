"""THE done-when test of ``nitrox-sim live``: a compressed week, killed twice, resumed.

A campaign on a clock 16,800 times the wall clock (a week in 36 seconds)
sends to the real collector (``nitrox-sim collector --db`` on loopback). It
is killed with SIGKILL twice and resumed each time, once after a pause; the
collector's store must then show no visitor, identity, order id or nitro_id
twice, the plan's visitors for the hours that ran, and arrivals that follow
the daily curve in each country's own local time.
"""

from __future__ import annotations

import csv
import datetime
import json
import signal
import subprocess
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from simulator_app.core.campaign import Campaign
from simulator_app.core.journey import JourneyEngine
from simulator_app.core.scenario_file import load_scenario
from tests.conftest import ROOT
from tests.live.helpers import CURVE, curve_scenario, events, nitrox_sim, start_collector

SCALE = 16_800.0  # a week in 36 wall seconds
PER_DAY = 120


def _live(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        nitrox_sim("live", *args), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def _end(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.communicate()


def _wait_sending(campaign: Path, sessions: int, timeout: float = 60.0) -> None:
    """Until the campaign's file says its ``sessions``-th session has begun sending."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if campaign.exists():
            data = json.loads(campaign.read_text(encoding="utf-8"))
            found = data["sessions"]
            if len(found) == sessions and found[-1]["how"] == "running":
                return
        time.sleep(0.1)
    raise AssertionError("the campaign never began sending")


@pytest.mark.slow
def test_a_week_killed_twice_and_resumed_sends_nothing_twice(tmp_path: Path) -> None:
    scenario_path = curve_scenario(tmp_path)
    db = tmp_path / "events.sqlite"
    campaign_path = tmp_path / "week.json"
    collector, url = start_collector(db)
    windows: list[tuple[float, float]] = []  # wall times each session was sending
    started: list[subprocess.Popen[str]] = []
    try:
        first = _live(
            str(scenario_path), "--for", "7d", "--visitors-per-day", str(PER_DAY),
            "--time-scale", str(SCALE), "--seed", "29", "--target", url,
            "--campaign", str(campaign_path),
        )  # fmt: skip
        started.append(first)
        _wait_sending(campaign_path, 1)
        began = time.time()
        time.sleep(5)
        first.send_signal(signal.SIGKILL)
        windows.append((began, time.time()))
        first.communicate()

        second = _live("--resume", str(campaign_path))
        started.append(second)
        _wait_sending(campaign_path, 2)
        began = time.time()
        time.sleep(4)
        second.send_signal(signal.SIGKILL)
        windows.append((began, time.time()))
        second.communicate()
        time.sleep(2)  # a pause: these hours stay missed

        third = _live("--resume", str(campaign_path))
        started.append(third)
        _wait_sending(campaign_path, 3)
        began = time.time()
        out, err = third.communicate(timeout=120)
        windows.append((began, time.time()))
        assert third.returncode == 0, err
    finally:
        for proc in started:  # none left behind, whatever failed
            if proc.poll() is None:
                proc.kill()
            proc.communicate()
        collector.send_signal(signal.SIGINT)
        collector.communicate(timeout=30)

    campaign = Campaign.load(str(campaign_path))
    assert [s.how for s in campaign.sessions] == ["killed", "killed", "finished"]
    assert "missed" in out and "2 killed" in out
    rows = events(db)
    assert len(rows) > 500

    # -- nothing twice -------------------------------------------------------------
    orders = [json.loads(r["body"])["order_id"] for r in rows if r["type"] == "buy"]
    assert orders and len(set(orders)) == len(orders)
    identified = [r for r in rows if r["type"] == "identify"]
    assert identified
    assert Counter(r["nitro"] for r in identified).most_common(1)[0][1] == 1
    emails = [r["payload"]["email"] for r in identified]
    phones = [r["payload"]["phone"] for r in identified]
    assert len(set(emails)) == len(emails) and len(set(phones)) == len(phones)
    roaming_of: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        roaming_of[r["nitro"]].add(r["roaming"])
    assert all(len(v) == 1 for v in roaming_of.values())
    assert len({next(iter(v)) for v in roaming_of.values()}) == len(roaming_of)
    # Every visitor's requests came from one process: a visitor sent again after a kill
    # would have requests in two sessions' windows.
    times: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        times[r["nitro"]].append(r["time"])

    def window_of(t: float) -> int:
        return next(n for n, (a, b) in enumerate(windows) if a - 3 <= t <= b + 3)

    for visitor, seen in times.items():
        assert len({window_of(t) for t in seen}) == 1, visitor

    # -- the plan matched, for the hours that ran ------------------------------------
    assert campaign.wall_start is not None

    def moment(wall: float) -> float:
        return campaign.start + (wall - campaign.wall_start) * SCALE  # type: ignore[operator]

    spans = [(moment(a), moment(b)) for a, b in windows]
    planned = 0.0
    with open(campaign_path.with_suffix(".plan.csv"), encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            if row["period"] != "hour":
                continue
            start = datetime.datetime.fromisoformat(row["start_utc"]).timestamp()
            covered = sum(max(0.0, min(b, start + 3600) - max(a, start)) for a, b in spans)
            planned += float(row["visitors"]) * covered / 3600
    arrived = len(times)
    assert abs(arrived - planned) <= 0.06 * planned + 10, (arrived, planned)

    # -- arrivals follow the curve in each country's local time -------------------------
    scenario = load_scenario(str(scenario_path))
    engine = JourneyEngine(campaign.schedule_of(scenario), seed=campaign.seed)
    offsets = {c.code: c.utc_offset for c in engine.population.countries}
    country_of = {
        engine.visitor(i).ids.nitro_id: engine.visitor(i).country
        for i in range(campaign.next_index)
    }
    blocks: dict[str, Counter[int]] = defaultdict(Counter)
    for visitor, seen in times.items():
        at = datetime.datetime.fromtimestamp(moment(min(seen)), datetime.UTC)
        country = country_of[visitor]
        local = int((at.hour + at.minute / 60 + offsets[country]) // 1) % 24
        blocks[country][local // 6] += 1
    # What the curve says, for the quarter hours that ran: each country's curve at its local hour.
    expected: dict[str, Counter[int]] = defaultdict(Counter)
    for a, b in spans:
        quarter = a - a % 900 + 450
        while quarter < b:
            utc = datetime.datetime.fromtimestamp(quarter, datetime.UTC)
            for country, offset in offsets.items():
                local = int(utc.hour + utc.minute / 60 + offset) % 24
                expected[country][local // 6] += CURVE[local]
            quarter += 900
    assert set(blocks) == {"IN", "US"}
    for country, counts in blocks.items():
        total = sum(counts.values())
        assert total > 100, country
        assert counts[0] <= 0.02 * total, (country, counts)  # nobody shops at night, locally
        wanted = expected[country]
        for block in (1, 2, 3):
            share = wanted[block] / sum(wanted.values())
            assert abs(counts[block] / total - share) < 0.06, (country, counts, wanted)


@pytest.mark.slow
def test_sigterm_ends_a_session_cleanly_and_the_resume_starts_past_it(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    scenario_path = curve_scenario(tmp_path)
    campaign_path = tmp_path / "day.json"
    first = _live(
        str(scenario_path), "--for", "1d", "--visitors-per-day", "3000",
        "--time-scale", "4320", "--seed", "30", "--campaign", str(campaign_path),
    )  # fmt: skip
    request.addfinalizer(lambda: _end(first))
    _wait_sending(campaign_path, 1)
    time.sleep(3)
    first.send_signal(signal.SIGTERM)
    out, err = first.communicate(timeout=60)
    assert first.returncode == 143, err
    assert "stopping: letting in-flight requests finish" in err
    stopped = Campaign.load(str(campaign_path))
    assert [s.how for s in stopped.sessions] == ["stopped"]
    sent = sum(d.visitors for d in stopped.days.values())
    assert 0 < sent <= stopped.next_index
    assert f"campaign {campaign_path}: {sent} visitors sent so far" in out

    second = _live("--resume", str(campaign_path))
    request.addfinalizer(lambda: _end(second))
    _wait_sending(campaign_path, 2)
    second.send_signal(signal.SIGTERM)
    second.communicate(timeout=60)
    resumed = Campaign.load(str(campaign_path))
    assert resumed.sessions[1].first_index >= stopped.next_index  # nobody again
