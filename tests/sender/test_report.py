"""The run summary's collector verdict reads like a sentence, not a Python dict."""

from __future__ import annotations

from simulator_app.sender.report import collector_lines


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
