"""``nitrox-sim run``'s summary, ``--report`` and ``--har`` against real loopback servers.

The summary counts what got through: a run where every request fails says so,
and a partly failing one (collector faults) gives the numbers its records give.
"""

from __future__ import annotations

import json
import socket
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from simulator_app.cli import main
from simulator_app.collector import EmbeddedCollector, FaultSettings
from simulator_app.core.record import RequestRecord
from simulator_app.sender.exchange import ANSWERED, UNANSWERED, failure_kind
from tests.sender.conftest import REQUESTS_PER_VISITOR, write_scenario

pytestmark = pytest.mark.slow


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["run", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out


def read_log(path: Path) -> list[RequestRecord]:
    lines = path.read_text("utf-8").splitlines()
    return [RequestRecord.from_json(json.loads(line)) for line in lines]


def _need(where: str, data: Any, fields: dict[str, type | tuple[type, ...]]) -> list[str]:
    if not isinstance(data, dict):
        return [f"{where}: not an object"]
    return [
        f"{where}.{name}: missing or not {kind}"
        for name, kind in fields.items()
        if name not in data or not isinstance(data[name], kind) or isinstance(data[name], bool)
    ]


def _pairs(where: str, items: Any) -> list[str]:
    if not isinstance(items, list):
        return [f"{where}: not a list"]
    return [p for i, item in enumerate(items) for p in _need(f"{where}[{i}]", item, NAME_VALUE)]


NAME_VALUE: dict[str, type | tuple[type, ...]] = {"name": str, "value": str}
NUMBER = (int, float)


def har12_problems(document: Any) -> list[str]:
    """What a document lacks of HAR 1.2's required fields (the spec's "required" ones)."""
    problems = _need("log", document.get("log") if isinstance(document, dict) else None, {
        "version": str, "creator": dict, "entries": list,
    })  # fmt: skip
    if problems:
        return problems
    log = document["log"]
    if log["version"] != "1.2":
        problems.append(f"log.version: {log['version']!r}, not '1.2'")
    problems += _need("log.creator", log["creator"], {"name": str, "version": str})
    for i, entry in enumerate(log["entries"]):
        at = f"entries[{i}]"
        missing = _need(at, entry, {
            "startedDateTime": str, "time": NUMBER, "request": dict, "response": dict,
            "cache": dict, "timings": dict,
        })  # fmt: skip
        if missing:
            problems += missing
            continue
        try:
            datetime.fromisoformat(entry["startedDateTime"])
        except ValueError:
            problems.append(f"{at}.startedDateTime: not ISO 8601")
        request, response = entry["request"], entry["response"]
        problems += _need(f"{at}.request", request, {
            "method": str, "url": str, "httpVersion": str, "cookies": list, "headers": list,
            "queryString": list, "headersSize": int, "bodySize": int,
        })  # fmt: skip
        problems += _pairs(f"{at}.request.headers", request.get("headers"))
        problems += _pairs(f"{at}.request.queryString", request.get("queryString"))
        if "postData" in request:
            problems += _need(f"{at}.request.postData", request["postData"], {"mimeType": str})
            if not {"text", "params"} & set(request["postData"]):
                problems.append(f"{at}.request.postData: neither text nor params")
        problems += _need(f"{at}.response", response, {
            "status": int, "statusText": str, "httpVersion": str, "cookies": list,
            "headers": list, "content": dict, "redirectURL": str, "headersSize": int,
            "bodySize": int,
        })  # fmt: skip
        problems += _pairs(f"{at}.response.headers", response.get("headers"))
        problems += _need(f"{at}.response.content", response.get("content"), {
            "size": int, "mimeType": str,
        })  # fmt: skip
        problems += _need(f"{at}.timings", entry["timings"], {
            "send": NUMBER, "wait": NUMBER, "receive": NUMBER,
        })  # fmt: skip
        if any(entry["timings"].get(k, 0) < -1 for k in ("send", "wait", "receive")):
            problems.append(f"{at}.timings: below -1")
    return problems


def test_the_har_check_finds_what_is_missing() -> None:
    assert har12_problems({}) == ["log: not an object"]
    entry = {"startedDateTime": "yesterday", "time": 1, "request": {}, "response": {},
             "cache": {}, "timings": {"send": 0, "wait": -3, "receive": 0}}  # fmt: skip
    document = {"log": {"version": "1.1", "creator": {"name": "x"}, "entries": [entry]}}
    problems = har12_problems(document)
    assert "log.version: '1.1', not '1.2'" in problems
    assert "log.creator.version: missing or not <class 'str'>" in problems
    assert "entries[0].startedDateTime: not ISO 8601" in problems
    assert "entries[0].request.method: missing or not <class 'str'>" in problems
    assert "entries[0].timings: below -1" in problems


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    return write_scenario(tmp_path)


def test_a_run_where_every_request_fails_says_nothing_got_through(
    tmp_path: Path, scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report, har = tmp_path / "run.html", tmp_path / "run.har"
    target = f"http://127.0.0.1:{closed_port()}"
    code, out = run(capsys, str(scenario), "--target", target, "--report", str(report),
                    "--har", str(har))  # fmt: skip
    sent = 6 * REQUESTS_PER_VISITOR
    assert code == 1
    assert f"{sent} requests: 0 succeeded (0 req/s), {sent} failed" in out
    assert f"failed: {sent} never reached the target" in out
    assert "journeys completed: 0 of 6 visitors\n" in out
    assert "no measured funnel: no request succeeded" in out
    funnel = out.split("step             measured  expected\n")[1].split("\n\n")[0]
    assert all(line.split()[1] == "-" for line in funnel.splitlines()[:-1])
    html = report.read_text("utf-8")
    assert "no request succeeded" in html and f"0 of {sent}" in html and "0 of 6" in html
    assert "Not measured: no request succeeded" in html
    document = json.loads(har.read_text("utf-8"))
    assert har12_problems(document) == []
    assert len(document["log"]["entries"]) == sent
    assert all(e["response"]["status"] == 0 and e["_error"] for e in document["log"]["entries"])


def test_a_partly_failing_run_gives_the_numbers_of_its_records(
    tmp_path: Path, scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log, report = tmp_path / "run.jsonl", tmp_path / "run.html"
    faults = FaultSettings(error_rate=0.1, drop_rate=0.05, seed=11)
    with EmbeddedCollector(faults=faults) as collector:
        code, out = run(capsys, str(scenario), "--target", collector.url, "--visitors", "40",
                        "--log", str(log), "--report", str(report))  # fmt: skip
    records = read_log(log)
    ok = [r for r in records if r.ok]
    kinds = Counter(failure_kind(r.status, r.error) for r in records if not r.ok)
    assert code == 1 and len(records) == 40 * REQUESTS_PER_VISITOR
    assert kinds[ANSWERED] > 0 and kinds[UNANSWERED] > 0  # 503s and dropped connections
    assert f"{len(records)} requests: {len(ok)} succeeded (" in out
    assert f"{len(records) - len(ok)} failed" in out
    assert f"failed: {kinds[ANSWERED]} answered with an error, {kinds[UNANSWERED]} sent and" in out
    by_visitor: defaultdict[int, list[RequestRecord]] = defaultdict(list)
    for r in records:
        by_visitor[r.visitor].append(r)
    completed = sum(all(r.ok for r in rs) for rs in by_visitor.values())
    assert 0 < completed < 40
    assert f"journeys completed: {completed} of 40 visitors (buyer: {completed})" in out
    funnel = out.split("step             measured  expected\n")[1].split("\n\n")[0]
    for line in funnel.splitlines():
        step, measured, _ = line.split()
        reached = sum(any(r.ok and r.step == step for r in rs) for rs in by_visitor.values())
        assert measured == f"{reached / 40:.1%}", step
    html = report.read_text("utf-8")
    assert f"{len(ok):,} of {len(records):,}" in html and f"{completed:,} of 40" in html
    # A buy after a failed checkout went through, and the collector judged it bad.
    judged_bad = sum(r.contract_failed for r in records)
    assert judged_bad > 0 and f"{judged_bad} delivered but judged bad by the receiver" in out
    orders = sum(r.ok and r.step == "buy" and r.verdict != "bad" for r in records)
    assert f"<tr><td>orders</td><td>{orders:,}</td>" in html


def stored_requests(collector: EmbeddedCollector) -> Iterator[tuple[str, Any]]:
    collector.app.store.flush()
    for row in collector.app.store.query(limit=10_000):
        # identify's payload is in its path; the store shows it decoded as the body
        yield row["method"] + " " + row["path"], None if row["method"] == "GET" else row["body"]


def test_the_har_is_what_the_collector_received(
    tmp_path: Path, scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    har = tmp_path / "run.har"
    with EmbeddedCollector() as collector:
        code, out = run(capsys, str(scenario), "--target", collector.url, "--visitors", "10",
                        "--har", str(har))  # fmt: skip
        received = Counter(
            (line, json.dumps(body, sort_keys=True)) for line, body in stored_requests(collector)
        )
        base = collector.url
    assert code == 0, out
    document = json.loads(har.read_text("utf-8"))
    assert har12_problems(document) == []
    entries = document["log"]["entries"]
    assert len(entries) == 10 * REQUESTS_PER_VISITOR == sum(received.values())
    sent: Counter[tuple[str, str]] = Counter()
    for e in entries:
        request = e["request"]
        assert request["url"].startswith(base + "/")
        text = request.get("postData", {}).get("text")
        body = json.loads(text) if text is not None else None
        line = request["method"] + " " + request["url"][len(base) :]
        sent[(line, json.dumps(body, sort_keys=True))] += 1
    assert sent == received
    assert f"har: {har} ({len(entries)} entries, HAR 1.2)" in out
