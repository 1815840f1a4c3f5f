"""Locust runs for the bench: the stats read back, and the CPU probe loaded beside the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator_app.bench.bare_server import BareServer
from simulator_app.bench.locust_runs import CPU_MARK, minimal_locustfile, parse_stats, run_locust

STATS = [
    {"num_requests": 300, "num_failures": 0, "start_time": 100.0, "last_request_timestamp": 103.0}
]


def test_the_probe_line_gives_cpu_per_request_and_its_absence_none() -> None:
    stdout = json.dumps(STATS)
    probed = parse_stats(stdout, f"some log line\n{CPU_MARK} 0.06 300\n")
    assert probed.rps == pytest.approx(100.0)
    assert probed.cpu_us_per_request == pytest.approx(200.0)
    assert parse_stats(stdout, "no probe here\n").cpu_us_per_request is None
    assert parse_stats(stdout, f"{CPU_MARK} 0.06 0\n").cpu_us_per_request is None
    assert parse_stats(stdout, f"{CPU_MARK} lots\n").cpu_us_per_request is None


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_locust_run_reports_its_cpu_per_request(tmp_path: Path) -> None:
    path = tmp_path / "minimal.py"
    path.write_text(minimal_locustfile("FastHttpUser"), encoding="utf-8")
    with BareServer() as server:
        result = run_locust(path, server.url, 1.0, 2)
    assert result.requests > 0 and result.failures == 0
    assert result.cpu_us_per_request is not None
    assert 1.0 < result.cpu_us_per_request < 1_000_000.0
