"""The run summary prints every message it announces, grouped by reason code, from one source.

Both ways a collector judges a run: the embedded one, and a collector reached
with ``--target`` (whose inspection API adds its counts to the summary).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from simulator_app.cli import main
from simulator_app.collector import EmbeddedCollector, FaultSettings
from simulator_app.core.figures import rate_text
from simulator_app.core.record import RequestRecord
from simulator_app.sender.report import journeys_text
from tests.sender.conftest import REQUESTS_PER_VISITOR, write_scenario

pytestmark = pytest.mark.slow

FIXED_NITRO = "de8daa44-ac2e-4ba2-8e1c-987a06817353"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["run", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out


def records(path: Path) -> list[RequestRecord]:
    return [RequestRecord.from_json(json.loads(x)) for x in path.read_text("utf-8").splitlines()]


def codes_section(out: str) -> dict[str, int]:
    """The summary's "by reason code" block: code -> requests, each line with its example."""
    head = "judged bad by the receiver, by reason code:\n"
    assert head in out, out
    block = out.split(head, 1)[1].split("\n\n", 1)[0].splitlines()
    found: dict[str, int] = {}
    for line, example in zip(block[::2], block[1::2], strict=True):
        code, count = re.match(r"  (\S+) +([\d,]+) requests?: ", line).groups()  # type: ignore[union-attr]
        found[code] = int(count.replace(",", ""))
        assert example.strip().startswith("e.g. "), example
    return found


def announced(out: str) -> int:
    match = re.search(r"^([\d,]+) delivered but judged bad by the receiver", out, re.M)
    assert match, out
    return int(match[1].replace(",", ""))


def bad_codes(logged: list[RequestRecord]) -> Counter[str]:
    """Requests per reason code, read from the log's records."""
    counts: Counter[str] = Counter()
    for r in logged:
        if r.contract_failed:
            counts.update({m.get("code", "") for m in r.verdict_messages})
    return counts


def test_a_target_collector_with_faults_has_its_messages_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario, log = write_scenario(tmp_path), tmp_path / "run.jsonl"
    faults = FaultSettings(error_rate=0.15, drop_rate=0.05, seed=11)
    with EmbeddedCollector(faults=faults) as collector:
        code, out = run(capsys, str(scenario), "--target", collector.url, "--visitors", "40",
                        "--log", str(log))  # fmt: skip
        received, url = collector.summary(), collector.url
    logged = records(log)
    assert code == 1 and len(logged) == 40 * REQUESTS_PER_VISITOR
    bad = sum(r.contract_failed for r in logged)
    assert bad > 0 and announced(out) == bad
    shown = codes_section(out)
    # every code of the records is printed, with its count of requests, and together
    # they cover every request the summary announced
    assert shown == dict(bad_codes(logged))
    assert sum(shown.values()) >= bad
    assert "JOURNEY_ORDER" in shown
    # the collector's own counts, from its inspection API, beside them
    assert (
        f"collector at {url}: {received['total']} received, {received['good']} good,"
        f" {received['bad']} bad" in out
    )


def test_the_embedded_collector_s_verdicts_are_printed_by_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario, log = write_scenario(tmp_path), tmp_path / "run.jsonl"
    text = scenario.read_text("utf-8")
    scenario.write_text(text.replace("ids:\n", f"ids:\n  nitro_id: {FIXED_NITRO}\n"), "utf-8")
    code, out = run(capsys, str(scenario), "--think-scale", "0", "--log", str(log))
    logged = records(log)
    bad = sum(r.contract_failed for r in logged)
    assert code == 0 and bad > 0  # delivered, so no transport failure: judged bad only
    assert announced(out) == bad
    shown = codes_section(out)
    assert shown == dict(bad_codes(logged)) and "ID_CONFLICT" in shown
    assert re.search(r"^embedded collector: \d+ received, \d+ good, \d+ bad$", out, re.M)
    assert "\n  bad " not in out  # no second, ungrouped list of the same requests


def test_a_run_without_bad_verdicts_announces_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, str(write_scenario(tmp_path)), "--think-scale", "0")
    assert code == 0
    assert "judged bad" not in out and "reason code" not in out


@pytest.mark.parametrize(
    ("per_second", "shown"),
    [(1316.4, "1,316"), (203.0, "203"), (13.24, "13.2"), (20.0, "20"), (1.25, "1.25"),
     (13 / 99, "0.13"), (0.004, "0.004"), (0.0, "0")],
)  # fmt: skip
def test_rates_have_the_digits_they_need(per_second: float, shown: str) -> None:
    assert rate_text(per_second) == shown


def test_journeys_read_as_counts_per_journey_and_a_replay_s_as_one_each() -> None:
    def journeys(**done: int) -> dict[str, object]:
        by = {k.replace("_", " "): {"completed": n} for k, n in done.items()}
        return {"completed": sum(done.values()), "visitors": sum(done.values()), "by_journey": by}

    assert journeys_text(journeys(browser=131, buyer=20)) == (
        "journeys completed: 151 of 151 visitors (browser: 131, buyer: 20)"
    )
    assert journeys_text(journeys(visitor_1=1, visitor_2=1)) == (
        "journeys completed: 2 of 2 visitors (one each, of 2 recorded journeys)"
    )


def test_a_target_collector_s_counts_are_those_of_the_run() -> None:
    from simulator_app.cli._inspection import during, snapshot

    before = {"total": 10, "good": 8, "bad": 2, "by_type": {"view": 10}, "bad_by_type": {"view": 2}}
    after = {"total": 25, "good": 20, "bad": 5, "by_type": {"view": 15, "buy": 10},
             "bad_by_type": {"view": 2, "buy": 3}}  # fmt: skip
    counts = during("http://127.0.0.1:1", before, after)
    assert counts is not None
    assert (counts["total"], counts["good"], counts["bad"]) == (15, 12, 3)
    assert counts["by_type"] == {"view": 5, "buy": 10} and counts["bad_by_type"]["buy"] == 3
    reset = during("http://127.0.0.1:1", after, before)  # reset meanwhile: the counts since
    assert reset is not None and reset["total"] == 10 and "reset" in reset["note"]
    assert during("http://127.0.0.1:1", None, after) is None
    # never asked of a target off this machine
    assert snapshot("http://192.0.2.1:8787") is None


def test_a_receiver_s_messages_are_one_bounded_line_each() -> None:
    from simulator_app.core.verdicts import MAX_CODES, OTHER, RunTally

    def bad(code: str, description: str) -> RequestRecord:
        return RequestRecord(
            time=1.0, visitor=0, journey="j", step="view", name="event/view", method="POST",
            url="http://127.0.0.1:9/x", status=200, latency_ms=1.0, request_headers=(),
            request_body=None, response_body="", verdict="bad",
            verdict_messages=({"code": code, "fieldPath": "f", "description": description},),
        )  # fmt: skip

    tally = RunTally()
    tally.add([bad(f"C{i}", "two\nlines \ud800" + "x" * 500) for i in range(MAX_CODES + 10)])
    groups = tally.ranked()
    assert len(groups) == MAX_CODES + 1 and tally.codes[OTHER].requests == 10
    example = groups[0].example
    assert example is not None and "\n" not in example.description
    assert "\ud800" not in example.description and len(example.description) <= 200
    assert sum(g.requests for g in groups) == tally.judged_bad == MAX_CODES + 10
