"""Per-endpoint statistics, the request record's JSONL line, and where traffic may go."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator_app.core.record import RequestRecord
from simulator_app.core.safety import is_loopback, needs_confirmation, target_problem
from simulator_app.core.stats import StatsTable, bucket


@pytest.mark.parametrize(
    ("latency", "expected"),
    [
        (0, 0.0),
        (-1, 0.0),
        (3.14159, 3.1),
        (42.4, 42.0),
        (147, 150.0),
        (1234, 1200.0),
        (99.6, 100.0),
    ],
)
def test_latencies_fall_in_two_digit_buckets(latency: float, expected: float) -> None:
    assert bucket(latency) == expected


@given(st.lists(st.floats(0.01, 60_000), min_size=1, max_size=300))
def test_percentiles_are_within_a_bucket_of_the_exact_ones(latencies: list[float]) -> None:
    table = StatsTable()
    for i, ms in enumerate(latencies):
        table.record("event/view", ms, ok=i % 7 != 0)
    [row, total] = table.rows()
    assert (row.name, total.name) == ("event/view", "Total")
    assert row.count == total.count == len(latencies)
    assert row.failures == table.failures == len(range(0, len(latencies), 7))
    ordered = sorted(latencies)
    for q, got in ((0.5, row.p50), (0.95, row.p95), (0.99, row.p99)):
        # nearest rank; buckets only round, so the bucket of the exact percentile
        exact = ordered[max(1, math.ceil(q * len(ordered))) - 1]
        assert got == bucket(exact)
    assert row.max == max(latencies)
    assert row.mean == pytest.approx(sum(latencies) / len(latencies))


@given(text=st.text(max_size=30), status=st.none() | st.integers(100, 599))
def test_a_record_reads_back_from_its_jsonl_line(text: str, status: int | None) -> None:
    record = RequestRecord(
        time=1_700_000_000.25,
        visitor=7,
        journey="buyer",
        step="identify",
        name="identify",
        method="GET",
        url="http://127.0.0.1:8787/jsv1/identify/" + text,
        status=status,
        latency_ms=12.5,
        request_headers=(("X-Nitro-Id", text),),
        request_body=None,
        response_body=text,
        error=None if status == 200 else "HTTP error " + text,
        response_headers=(("content-type", "text/plain"),),
    )
    line = record.to_jsonl()
    assert line.endswith("\n") and "\n" not in line[:-1]
    assert RequestRecord.from_json(json.loads(line)) == record
    assert record.ok is (record.error is None)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://127.0.0.1:8787", None),
        ("https://[::1]:8443/x", None),
        ("ftp://127.0.0.1", "'ftp://127.0.0.1' is not an http:// or https:// URL"),
        ("127.0.0.1:8787", "'127.0.0.1:8787' is not an http:// or https:// URL"),
        ("http://", "'http://' has no host"),
        ("http://localhost:0", "'http://localhost:0' has port 0"),
        (
            "http://localhost:99999",
            "'http://localhost:99999' is not a valid URL (Port out of range 0-65535)",
        ),
    ],
)
def test_target_problems(url: str, problem: str | None) -> None:
    assert target_problem(url) == problem


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8787", True),
        ("http://127.9.9.9", True),
        ("http://[::1]:80", True),
        ("http://LOCALHOST", True),
        ("https://t.makehook.ws/", False),
        ("http://10.0.0.1", False),
        ("http://127.0.0.1.example.com", False),
        ("http://0.0.0.0", False),
    ],
)
def test_only_this_machine_is_loopback(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback
    assert needs_confirmation(url, rate=100.0) is not loopback
    assert needs_confirmation(url, rate=None) is not loopback
    assert needs_confirmation(url, rate=1.0) is False
