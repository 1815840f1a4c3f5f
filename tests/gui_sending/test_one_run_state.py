"""One run state: the command line's summary and the app's views count the same records alike.

The same list of :class:`RequestRecord` goes to the summary (``core.run_summary``
and its printed form) and to the app's sending area (Run panel, status bar,
dashboard, stats view, log status line); every figure and the counts line
they show must be the same, since both read ``core.verdicts.RunTally``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from simulator_app.cli import main
from simulator_app.core.funnel import Funnel, MeasuredFunnel
from simulator_app.core.outcome import RunResult
from simulator_app.core.record import RequestRecord
from simulator_app.core.run_summary import build_summary
from simulator_app.core.stats import StatsTable
from simulator_app.core.verdicts import RunTally
from simulator_app.gui.sending.area import SendingArea
from simulator_app.sender.report import render_summary
from tests.sender.conftest import write_scenario

FIXED_NITRO = "de8daa44-ac2e-4ba2-8e1c-987a06817353"


def record(
    n: int,
    verdict: str | None,
    status: int = 200,
    error: str | None = None,
    code: str = "ID_CONFLICT",
) -> RequestRecord:
    messages = ({"code": code, "fieldPath": "nitro_id", "description": "seen before"},)
    return RequestRecord(
        time=1_700_000_000.0 + n / 100, visitor=n % 4, journey="buyer", step="view",
        name="event/view", method="POST", url="http://127.0.0.1:9/x", status=status,
        latency_ms=3.0, request_headers=(), request_body=None, response_body="",
        error=error, verdict=verdict, verdict_messages=messages if verdict == "bad" else (),
    )  # fmt: skip


def mixed() -> list[RequestRecord]:
    """Every outcome: good, warn, bad (two codes), not judged, 500, 429, no answer."""
    out = [record(n, "good") for n in range(7)]
    out += [record(10 + n, "warn") for n in range(2)]
    out += [record(20 + n, "bad") for n in range(5)]
    out += [record(30 + n, "bad", code="CART_VALUE_MISMATCH") for n in range(3)]
    out += [record(40 + n, None) for n in range(4)]
    out += [record(50, None, 500, "HTTP 500")]
    out += [record(60 + n, None, 429, "HTTP 429") for n in range(2)]
    out += [record(70, None, 0, "timed out")]
    return out


def app_figures(area: SendingArea, records: list[RequestRecord]) -> str:
    """Feed ``records`` to the app as a run's batches come; the counts line every view shows."""
    area.buffer.put(records[: len(records) // 2])
    area.flush()
    area.buffer.put(records[len(records) // 2 :])
    area.flush()
    area.dashboard.refresh()  # as its 4 Hz timer does
    tally = area.stats.tally
    line = tally.line()
    assert area.run_panel.counts.text() == line
    assert area.dashboard.counts_line.text() == line
    assert line in area.counts_label.toolTip()
    assert area.counts_label.text() == tally.short()
    assert (
        f"run: {tally.sent:,} sent, {tally.transport:,} failed, {tally.bad:,} judged bad"
        in area.log.status.text()
    )
    return line


def summary_counts(text: str) -> dict[str, int]:
    """The figures of a counts line, read back from the text."""
    match = re.search(
        r"([\d,]+) requests? sent: ([\d,]+) succeeded, ([\d,]+) failed \(transport"
        r"(?:, ([\d,]+) throttled)?\) · judged ([\d,]+) good, ([\d,]+) bad, ([\d,]+) not judged",
        text,
    )
    assert match, text
    keys = ("sent", "succeeded", "transport", "throttled", "judged_good", "judged_bad")
    values = [int((g or "0").replace(",", "")) for g in match.groups()]
    return dict(zip((*keys, "not_judged"), values, strict=True))


def test_the_summary_and_the_app_count_the_same_records_alike(
    area: SendingArea, qtbot: QtBot
) -> None:
    records = mixed()
    tally = RunTally()
    tally.add(records)
    stats = StatsTable()
    result = RunResult(
        stats=stats, funnel=MeasuredFunnel(), visitors_done=4, journeys_completed=4,
        requests=len(records), failures=4, cancelled=0, elapsed=1.0, stopped=False,
        contract_failures=8,
    )  # fmt: skip
    data = build_summary(result, Funnel({}), {}, tally)
    printed = render_summary(data)
    line = app_figures(area, records)
    assert data["counts_line"] == line and line in printed  # the same words in both
    expected = {
        "sent": 25, "succeeded": 21, "transport": 4, "throttled": 2,
        "judged_good": 9, "judged_bad": 8, "not_judged": 4,
    }  # fmt: skip
    assert data["counts"] == expected == summary_counts(printed) == area.stats.tally.counts()
    assert (data["requests"], data["failed"], data["judged_bad"]) == (25, 4, 8)
    assert f"{data['judged_bad']} delivered but judged bad" in printed
    codes = {g["code"]: g["requests"] for g in data["bad_by_code"]}
    assert codes == {"ID_CONFLICT": 5, "CART_VALUE_MISMATCH": 3}
    figures = area.dashboard.figures
    assert figures["requests"].value.text() == "25" and figures["good"].value.text() == "9"
    assert figures["contract"].value.text() == "8" and figures["transport"].value.text() == "4"


@pytest.mark.slow
def test_a_cli_run_s_logged_records_read_the_same_in_the_app(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], area: SendingArea, qtbot: QtBot
) -> None:
    scenario, log, js = write_scenario(tmp_path), tmp_path / "run.jsonl", tmp_path / "s.json"
    text = scenario.read_text("utf-8")
    scenario.write_text(text.replace("ids:\n", f"ids:\n  nitro_id: {FIXED_NITRO}\n"), "utf-8")
    code = main(["run", str(scenario), "--think-scale", "0", "--log", str(log),
                 "--summary-json", str(js)])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    logged = [RequestRecord.from_json(json.loads(x)) for x in log.read_text("utf-8").splitlines()]
    data = json.loads(js.read_text("utf-8"))
    line = app_figures(area, logged)
    assert data["counts_line"] == line and line in out
    assert data["counts"] == area.stats.tally.counts() == summary_counts(out)
    assert data["counts"]["judged_bad"] > 0 and data["counts"]["sent"] == len(logged)
