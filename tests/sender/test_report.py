"""The run summary reads like sentences: the collector's verdict, the failures' causes."""

from __future__ import annotations

import dataclasses

import pytest

from simulator_app.core.funnel import Funnel, MeasuredFunnel
from simulator_app.core.stats import StatsTable
from simulator_app.sender.report import (
    collector_lines,
    country_lines,
    error_counts,
    failure_reason,
    progress_line,
    summary_text,
)
from simulator_app.sender.runner import Progress, RunResult


def test_collector_lines_show_field_paths_and_descriptions() -> None:
    summary = {
        "total": 3,
        "good": 2,
        "bad": 1,
        "by_type": {"view": 3, "buy": 0},
        "bad_by_type": {"view": 1, "buy": 0},
    }
    bad = [
        {
            "type": "view",
            "path": "/jsv1/o/r/n/null/event/view",
            "messages": [
                {
                    "fieldPath": "body.page",
                    "description": "page is missing",
                    "code": "VALUE_REQUIRED",
                }
            ],
        }
    ]
    lines = collector_lines(summary, bad)
    assert lines[0] == "collector: 3 received, 2 good, 1 bad"
    assert any(line.split() == ["view", "2", "good", "1", "bad"] for line in lines)
    assert lines[-1] == "  bad view /jsv1/o/r/n/null/event/view: body.page: page is missing"
    assert not any("buy" in line for line in lines)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            "connection error: cannot connect to 127.0.0.1:9: Connection refused",
            "connection refused (127.0.0.1:9)",
        ),
        (
            "connection error: cannot connect to shop.test:443: [Errno -2] Name or service not known",
            "name or service not known (shop.test:443)",
        ),
        (
            "connection error: All connection attempts failed",
            "cannot connect: all connection attempts failed",
        ),
        ("connect timeout: connect to 10.0.0.1:80 timed out", "connect timed out (10.0.0.1:80)"),
        (
            "timed out; the target may have received it",
            "timed out; the target may have received it",
        ),
        (
            "connection lost: connection reset by peer; the target may have received it",
            "connection lost: connection reset by peer; the target may have received it",
        ),
        (
            "broken answer: Content-Length is not a number",
            "broken answer: Content-Length is not a number",
        ),
        ("HTTP 503", "HTTP 503"),
        ("cancelled", "cancelled"),
    ],
)
def test_failure_reasons_say_the_cause_in_plain_words(error: str, reason: str) -> None:
    assert failure_reason(error) == reason


def test_failure_counts_add_up_errors_with_the_same_cause() -> None:
    errors = {
        "connection error: cannot connect to 127.0.0.1:9: Connection refused": 2,
        "connection error: cannot connect to 127.0.0.1:9: [Errno 111] Connection refused": 1,
        "HTTP 503": 4,
        "x" * 300: 1,
    }
    assert error_counts(errors) == [
        "       4 x HTTP 503",
        "       3 x connection refused (127.0.0.1:9)",
        "       1 x " + "x" * 97 + "...",
    ]


def result_with(**counts: int) -> RunResult:
    failures = sum(counts.values())
    return RunResult(
        stats=StatsTable(),
        funnel=MeasuredFunnel(),
        visitors_done=1,
        journeys_completed=1,
        requests=10,
        failures=failures,
        cancelled=counts.pop("cancelled", 0),
        elapsed=1.0,
        stopped=False,
        **counts,
    )


def test_the_summary_tells_failures_the_target_may_have_received_from_the_others() -> None:
    result = result_with(answered_failures=3, unanswered=2, unreached=1)
    text = summary_text(result, Funnel({}), {"HTTP 503": 3})
    assert text.splitlines()[1] == (
        "failed: 3 answered with an error, 2 sent and unanswered (the target may have "
        "received them), 1 never reached the target"
    )
    assert "failed:" not in summary_text(result_with(), Funnel({}), {})


def test_the_progress_line_counts_the_unanswered() -> None:
    progress = Progress(10, 5, 2, 40, 3, 2.0, 3.0, False, unanswered=2)
    assert "failures 3 (2 unanswered)  20 req/s" in progress_line(progress)
    assert "unanswered" not in progress_line(dataclasses.replace(progress, unanswered=0))


def test_the_summary_shows_visitors_by_country_from_the_collector() -> None:
    countries = {
        "header": "X-Forwarded-For",
        "header_share": 0.995,
        "visitors": 10,
        "by_country": {"US": {"visitors": 3, "requests": 9}, "IN": {"visitors": 7, "requests": 20}},
    }
    (line,) = country_lines(countries)
    assert (
        line == "  visitors by country: IN 7 (70%), US 3 (30%); X-Forwarded-For on 100% of requests"
    )
    many = {**countries, "by_country": {f"C{i}": {"visitors": 1, "requests": 1} for i in range(10)}}
    assert country_lines(many, shown=3)[0].count("(") == 3 and "7 more" in country_lines(many, 3)[0]
    assert country_lines({**countries, "visitors": 0}) == [] and country_lines(None) == []
