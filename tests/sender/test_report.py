"""The run summary reads like sentences: the collector's verdict, the failures' causes."""

from __future__ import annotations

import pytest

from simulator_app.sender.report import collector_lines, error_counts, failure_reason


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
        ("timeout: no response in time", "no answer within the timeout"),
        (
            "RemoteProtocolError: server closed the connection without an answer",
            "connection closed without an answer",
        ),
        (
            "RemoteProtocolError: server closed the connection in the middle of its answer",
            "connection closed in the middle of the answer",
        ),
        ("RemoteProtocolError: bad status line b'SMTP'", "broken answer: bad status line b'SMTP'"),
        ("ReadError: Connection reset by peer", "connection lost: connection reset by peer"),
        ("HTTP 503", "HTTP 503"),
        ("cancelled", "cancelled"),
    ],
)
def test_failure_reasons_say_the_cause_in_plain_words(error: str, reason: str) -> None:
    assert failure_reason(error) == reason


def test_failure_counts_add_up_errors_with_the_same_cause() -> None:
    errors = {
        "timeout: no response in time": 2,
        "timeout: something else": 1,
        "HTTP 503": 4,
        "x" * 300: 1,
    }
    assert error_counts(errors) == [
        "       4 x HTTP 503",
        "       3 x no answer within the timeout",
        "       1 x " + "x" * 97 + "...",
    ]
