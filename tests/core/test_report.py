"""The run report: bounded per-second series, counts from records, escaped offline HTML."""

from __future__ import annotations

import dataclasses
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

from simulator_app.core.funnel import MeasuredFunnel
from simulator_app.core.record import RequestRecord
from simulator_app.core.report import MAX_REASONS, OTHER, RunAggregate, write_report
from simulator_app.core.scenario_file import load_scenario
from simulator_app.core.stats import StatsTable, TimeSeries

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@dataclasses.dataclass
class Result:
    """A run's outcome as the report reads it (``RunResult`` has these fields)."""

    stats: StatsTable
    funnel: MeasuredFunnel
    visitors_done: int = 0
    journeys_completed: int = 0
    requests: int = 0
    failures: int = 0
    cancelled: int = 0
    elapsed: float = 2.0
    stopped: bool = False
    time_limit_hit: bool = False
    answered_failures: int = 0
    unanswered: int = 0
    unreached: int = 0
    seed: int = 42
    contract_failures: int = 0


def record(at: float, step: str = "view", error: str | None = None, **kw: object) -> RequestRecord:
    fields: dict[str, object] = {
        "time": at,
        "visitor": 0,
        "journey": "j",
        "step": step,
        "name": f"event/{step}",
        "method": "POST",
        "url": "http://127.0.0.1:9/x",
        "status": None if error and error.startswith("connection") else 200,
        "latency_ms": 10.0,
        "request_headers": (),
        "request_body": None,
        "response_body": "",
        "error": error,
        "verdict": None,
    }
    fields.update(kw)
    return RequestRecord(**fields)  # type: ignore[arg-type]


class Tags(HTMLParser):
    """The tag and attribute names of a document."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.add(tag)
        self.attributes.update(name for name, _ in attrs)


def test_the_series_counts_each_second_and_stays_bounded() -> None:
    series = TimeSeries(start=100.0, max_slots=8)
    for i in range(10):
        series.record(100.0 + i * 0.1, 5.0 + i, ok=True)  # second 0: 10 requests
    series.record(101.5, 50.0, ok=False)
    first, second = series.points()
    assert (first.ok, first.failures, second.ok, second.failures) == (10, 0, 0, 1)
    assert first.p50 == 9.0 and first.p99 == 14.0  # 5..14 ms, bucketed
    assert second.p50 == 0.0  # a failure's latency is not the target's speed
    for i in range(1000):  # 1000 s later: slots merge, never more than max_slots
        series.record(102.0 + i, 1.0, ok=True)
    points = series.points()
    assert len(points) <= 8 and series.width >= 128
    assert sum(p.ok for p in points) == 1010 and sum(p.failures for p in points) == 1
    assert series.succeeded().count == 1010 and series.succeeded().max_ms == 14.0
    assert points[0].ok_per_second == points[0].ok / series.width


def test_the_aggregate_counts_failures_verdicts_and_orders() -> None:
    buy = json.dumps({"order_id": "1", "items": [{"price": 12.5}, {"price": 7.25}]})
    aggregate = RunAggregate()
    aggregate.add(
        [
            record(0.0, "buy", request_body=buy, verdict="good"),
            record(0.1, "buy", request_body=buy, verdict="bad",
                   verdict_messages=({"fieldPath": "order_id", "description": "repeated"},)),
            record(0.2, "buy", "HTTP 503", request_body=buy, status=503),
            record(0.3, "view", "connection error: cannot connect to 127.0.0.1:9: Refused"),
            record(1.2, "view"),
        ]
    )  # fmt: skip
    assert (aggregate.requests, aggregate.failures) == (5, 2)
    # only the order that went through and was not judged bad counts
    assert (aggregate.orders, aggregate.order_lines, aggregate.revenue_cents) == (1, 2, 1975)
    assert aggregate.reasons == {"HTTP 503": 1, "refused (127.0.0.1:9)": 1}
    assert aggregate.verdicts == {"good": 1, "bad": 1, "not judged": 2, "no answer": 1}
    (group,) = aggregate.tally.ranked()  # by reason code (none given here) and field
    assert (group.code, dict(group.fields), group.requests) == ("UNCODED", {"order_id": 1}, 1)
    assert [p.ok for p in aggregate.series.chart_points(2.0, bins=2)] == [2, 1]


def test_distinct_failure_reasons_are_bounded() -> None:
    aggregate = RunAggregate()
    aggregate.add(record(0.0, error=f"HTTP 5{i:02d}") for i in range(MAX_REASONS + 30))
    assert len(aggregate.reasons) == MAX_REASONS + 1 and aggregate.reasons[OTHER] == 30


def test_the_report_escapes_scenario_texts_and_fetches_nothing(tmp_path: Path) -> None:
    source = (Path(__file__).parents[2] / "scenarios" / "buyer.yaml").read_text("utf-8")
    hostile_file = tmp_path / "hostile.yaml"
    hostile_file.write_text(
        re.sub(r"^name: .*$", "name: " + json.dumps(HOSTILE), source, count=1, flags=re.M),
        encoding="utf-8",
    )
    scenario = load_scenario(hostile_file)
    assert scenario.name == HOSTILE
    stats = StatsTable()
    stats.record(HOSTILE, 12.0, ok=False)
    records = [
        record(0.0, error=HOSTILE),
        record(0.5, verdict="bad", verdict_messages=({"fieldPath": HOSTILE, "description": "x"},)),
    ]
    out = tmp_path / "report.html"
    settings = {"target": "http://127.0.0.1:9/" + HOSTILE, "concurrency": 5, "timeout": 10.0}
    result = Result(stats, MeasuredFunnel(), visitors_done=1, requests=2, failures=1)
    write_report(out, scenario, settings, records, result)
    html = out.read_text("utf-8")
    assert "<script" not in html
    assert "<img" not in html  # its attributes are left as harmless text
    assert html.count("&lt;script&gt;") >= 5  # title, heading, settings, endpoint, reason, message
    tags = Tags()
    tags.feed(html)
    # Nothing to fetch or run: no script, link, image or frame, no src/href, no handler.
    assert not tags.names & {"script", "link", "img", "iframe", "object", "embed", "image"}
    assert not {a for a in tags.attributes if a in ("src", "href") or a.startswith("on")}
    assert "@import" not in html and "url(" not in html
    assert tags.names >= {"svg", "table", "style"}


def test_an_aggregate_fed_while_running_gives_the_same_report(tmp_path: Path) -> None:
    scenario = load_scenario(Path(__file__).parents[2] / "scenarios" / "buyer.yaml")
    records = [record(i * 0.3, error="HTTP 503" if i % 4 == 0 else None) for i in range(20)]
    result = Result(StatsTable(), MeasuredFunnel(), requests=20, failures=5)
    live = RunAggregate()
    for i in range(0, 20, 3):  # in batches, as a runner hands them on
        live(records[i : i + 3])
    write_report(tmp_path / "a.html", scenario, {"target": "t"}, records, result)
    write_report(tmp_path / "b.html", scenario, {"target": "t"}, live, result)
    strip = re.compile(r"Report written [^.]*\.")  # the clock
    a, b = ((tmp_path / n).read_text("utf-8") for n in ("a.html", "b.html"))
    assert strip.sub("", a) == strip.sub("", b)
    assert "15 of 20" in a and "5 succeeded" not in a


def test_a_run_that_sent_nothing_has_a_report_too(tmp_path: Path) -> None:
    scenario = load_scenario(Path(__file__).parents[2] / "scenarios" / "buyer.yaml")
    out = tmp_path / "empty.html"
    old = os.umask(0o022)
    try:
        write_report(out, scenario, {"target": "t"}, [], Result(StatsTable(), MeasuredFunnel()))
    finally:
        os.umask(old)
    html = out.read_text("utf-8")
    assert "No request was sent." in html and "Not measured: no request succeeded" in html
    assert out.stat().st_mode & 0o777 == 0o644  # as a new file is, not private as a temporary
