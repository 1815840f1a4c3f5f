"""A replay stops by itself within its stated limit: recorded gaps are capped as the import caps them.

The Firefox fixture is redated as a broken clock would have it: the second
half of visitor 1 a long time later, visitor 2 later still (up to the year
9999, the 251-billion-second run of the issue).
"""

from __future__ import annotations

import itertools
import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator_app.core.recording import gaps
from simulator_app.core.recording.har_reader import read_har
from simulator_app.core.recording.importer import import_recording
from simulator_app.core.recording.replay import replay_timing
from tests.har.helpers import FIREFOX, records_of, run_cli

RECORDED = 98.6  # seconds the fixture lasts, first request to last
LATEST = (datetime(9999, 1, 1).timestamp() - datetime(2027, 1, 1).timestamp()) / 2


def redated(within: float, between: float) -> dict[str, Any]:
    """The fixture with ``within`` s added from visitor 1's 8th entry, ``within + between`` from visitor 2's."""
    document = json.loads(FIREFOX.read_text(encoding="utf-8"))
    for number, entry in enumerate(document["log"]["entries"]):
        shift = within if 7 <= number < 12 else within + between if number >= 12 else 0.0
        started = datetime.fromisoformat(entry["startedDateTime"]) + timedelta(seconds=shift)
        entry["startedDateTime"] = started.isoformat()
    return document


@settings(max_examples=30, deadline=None)
@given(within=st.floats(gaps.MAX_GAP + 1, LATEST), between=st.floats(gaps.MAX_GAP + 1, LATEST))
def test_every_long_gap_is_capped_and_counted(within: float, between: float) -> None:
    recording = read_har(json.dumps(redated(within, between)), "late.har")
    timing = replay_timing(recording)
    assert timing.capped == 2
    assert all(t <= gaps.MAX_GAP for ts in timing.thinks for t in ts)
    assert all(b - a <= gaps.MAX_GAP for a, b in itertools.pairwise(timing.starts))
    assert timing.length <= RECORDED + 2 * gaps.MAX_GAP
    # the import writes the same cap, from the same constant
    imported = import_recording(recording)
    thinks = [s.think.high for j in imported.scenario.journeys for s in j.steps]
    assert max(thinks) == gaps.MAX_GAP
    assert sum("s to the next request" in n for n in imported.notes) == 1


def test_short_gaps_are_replayed_as_recorded() -> None:
    timing = replay_timing(read_har(FIREFOX.read_text(encoding="utf-8"), "f.har"))
    assert timing.capped == 0
    assert round(timing.length, 1) == RECORDED


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_replay_of_a_recording_dated_into_year_9999_ends_by_itself(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    har = tmp_path / "late.har"
    har.write_text(json.dumps(redated(3e9, LATEST)), encoding="utf-8")
    log = tmp_path / "late.jsonl"
    began = time.monotonic()
    code, _, err = run_cli(
        capsys, "run", "--replay", str(har), "--think-scale", "0.0005", "--log", str(log)
    )
    assert code == 0, err
    assert time.monotonic() - began < 90  # 2 capped gaps x 3,600 s x 0.0005: seconds
    assert len(records_of(log)) == 13
    assert f"{har}: 2 recorded gaps longer than 3,600 s replayed as 3,600 s" in err
    # visitor 1 waits 3,600 s once; visitor 2 starts 3,600 s after it and lasts 39 s
    assert "2 visitors, 13 requests over 3639.0 s" in err
