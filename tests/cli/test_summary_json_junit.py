"""``run --summary-json`` and ``run --junit``: the printed summary's figures, as files for CI."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from junitparser import Failure, JUnitXml

from simulator_app.cli import main
from simulator_app.collector import EmbeddedCollector, FaultSettings
from simulator_app.core.figures import duration_text, rate_text
from simulator_app.core.funnel import Funnel, MeasuredFunnel
from simulator_app.core.junit import junit_xml
from simulator_app.core.outcome import RunResult
from simulator_app.core.record import RequestRecord
from simulator_app.core.run_summary import build_summary
from simulator_app.core.stats import StatsTable
from simulator_app.core.verdicts import RunTally
from simulator_app.sender.report import render_summary
from tests.sender.conftest import REQUESTS_PER_VISITOR, write_scenario

HOSTILE = '<script>alert("x")</script>&\x1b]0;x\x07\ud800'


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["run", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out


@pytest.mark.slow
def test_the_json_and_junit_files_say_what_the_summary_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = write_scenario(tmp_path)
    summary_file, junit_file = tmp_path / "summary.json", tmp_path / "junit.xml"
    faults = FaultSettings(error_rate=0.15, drop_rate=0.05, seed=11)
    with EmbeddedCollector(faults=faults) as collector:
        code, out = run(capsys, str(scenario), "--target", collector.url, "--visitors", "30",
                        "--summary-json", str(summary_file), "--junit", str(junit_file))  # fmt: skip
    assert code == 1
    data = json.loads(summary_file.read_text("utf-8"))
    # one source: the printed summary is the rendering of the file's figures
    printed = out.split("summary: ")[0]
    assert render_summary(data) == printed
    assert data["requests"] == 30 * REQUESTS_PER_VISITOR
    assert data["succeeded"] + data["failed"] == data["requests"]
    head = (
        f"{data['requests']} requests: {data['succeeded']} succeeded "
        f"({rate_text(data['succeeded_per_s'])} req/s"
    )
    assert head in out and f"run finished after {duration_text(data['elapsed_s'])}" in out
    assert data["judged_bad"] > 0 and data["bad_by_code"]
    assert data["collector"]["source"].startswith("collector at http://127.0.0.1:")
    assert f"summary: {summary_file}\n" in out and f"junit: {junit_file}\n" in out

    # valid XML that a CI system reads: one case per journey, per reason code, and the run's
    tree = ET.parse(junit_file)
    assert tree.getroot().tag == "testsuites"
    suites = {s.get("name"): s for s in tree.getroot()}
    assert set(suites) == {"journeys", "contract", "run"}
    for suite in suites.values():
        cases = suite.findall("testcase")
        assert suite.get("tests") == str(len(cases))
        assert suite.get("failures") == str(sum(c.find("failure") is not None for c in cases))
    read = {s.name: s for s in JUnitXml.fromfile(str(junit_file))}
    assert [c.name for c in read["journeys"]] == ["buyer"]
    codes = {c.name: c for c in read["contract"]}
    assert set(codes) == {g["code"] for g in data["bad_by_code"]}
    for group in data["bad_by_code"]:
        (failure,) = codes[group["code"]].result
        assert isinstance(failure, Failure)
        assert failure.message.startswith(f"{group['requests']} request")
    (failed,) = next(c for c in read["run"] if c.name == "requests succeeded").result
    assert failed.message == f"{data['failed']} of {data['requests']} requests failed"
    assert read["run"].failures == 1  # the time limit was not hit


def record(
    journey: str, verdict: str | None, messages: tuple[dict[str, str], ...] = ()
) -> RequestRecord:
    return RequestRecord(
        time=100.0, visitor=3, journey=journey, step="buy", name="event/buy", method="POST",
        url="http://127.0.0.1:9/x", status=200, latency_ms=5.0, request_headers=(),
        request_body=None, response_body="", verdict=verdict, verdict_messages=messages,
    )  # fmt: skip


def test_hostile_names_and_messages_stay_text_in_the_junit_file() -> None:
    tally = RunTally()
    message = {"fieldPath": HOSTILE, "description": HOSTILE, "code": HOSTILE}
    tally.add([record(HOSTILE, "bad", (message,)), record("plain", "good")])
    stats = StatsTable()
    stats.record("event/buy", 5.0, True)
    result = RunResult(
        stats=stats, funnel=MeasuredFunnel(), visitors_done=2, journeys_completed=2, requests=2,
        failures=0, cancelled=0, elapsed=1.0, stopped=False,
        completed_by_journey={HOSTILE: 1, "plain": 1}, contract_failures=1,
    )  # fmt: skip
    text = junit_xml(build_summary(result, Funnel({}), {}, tally))
    root = ET.fromstring(text.encode("utf-8"))
    names = [c.get("name") for c in root.iter("testcase")]
    cleaned = HOSTILE.replace("\x1b", " ").replace("\x07", " ").replace("\ud800", "?")
    assert cleaned in names and "plain" in names  # the journey and the code, as text
    assert "<script>" not in text and "\x1b" not in text
    plain = next(c for c in root.iter("testcase") if c.get("name") == "plain")
    assert plain.find("failure") is None  # the good journey passes
    assert re.search(r'<testsuites name="nitrox-sim run" tests="\d+" failures="2"', text)


def test_an_unwritable_summary_file_is_refused_before_anything_is_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no" / "such" / "summary.json"
    code = main(["run", str(write_scenario(tmp_path)), "--summary-json", str(missing)])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert f"--summary-json: {missing}: cannot be made: no folder" in captured.err
    assert len(captured.err.splitlines()) == 1
