"""A run is bounded whatever the scenario or the target does: in time, and in memory."""

from __future__ import annotations

import dataclasses
import itertools
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from simulator_app.core.model import Scenario
from simulator_app.core.record import RequestRecord
from simulator_app.sender import LoadRun, RunSettings
from simulator_app.sender.exchange import CUT_NOTE, MAX_BODY_CHARS
from tests.sender.conftest import REQUESTS_PER_VISITOR
from tests.sender.raw_server import Piece, RawServer

ROOT = Path(__file__).resolve().parents[2]

# A visitor whose one step repeats a hundred million times with no think time,
# sent to a stand-in connection that answers at once (so nothing ever makes the
# worker wait), ended by a one-second time limit, or by stop() from another
# thread after half a second ("stop"). It prints what the run did.
ENDLESS_VISITOR = """
import dataclasses, json, resource, sys, threading, time
import httpx
from simulator_app.core.scenario_file import load_scenario
from simulator_app.sender import LoadRun, RunSettings
from tests.sender.mock_wire import mock_connections

def peak_rss_mb():
    # This process's own peak (VmHWM, reset by exec): ru_maxrss is kept across the
    # fork and exec, so under a long pytest session it was the parent's size.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

scenario = load_scenario(sys.argv[1])
journey = scenario.journeys[0]
step = journey.steps[0]
huge = dataclasses.replace(step, repeat=type(step.repeat)(10**8, 10**8))
scenario = dataclasses.replace(
    scenario,
    journeys=(dataclasses.replace(journey, steps=(huge,)),),
    schedule=dataclasses.replace(scenario.schedule, visitors=2),
)
by_stop = sys.argv[2] == "stop"
run_settings = dict(
    scenario=scenario,
    settings=RunSettings(
        target="http://127.0.0.1:9",
        think_scale=0,
        time_limit=600 if by_stop else 1.0,
        concurrency=2,
    ),
    connect=mock_connections(lambda request: httpx.Response(200)),
)
run = LoadRun(**run_settings)
run.prepare()  # the data sets' tables load first; the limit is the run's
if by_stop:
    threading.Timer(0.5, run.stop).start()
started = time.monotonic()
result = run.run()
print(json.dumps({
    "seconds": time.monotonic() - started,
    "requests": result.requests,
    "time_limit_hit": result.time_limit_hit,
    "stopped": result.stopped,
    "max_rss_mb": peak_rss_mb(),
}))
"""


def limit_memory() -> None:
    import resource

    two_gb = 2 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (two_gb, two_gb))


@pytest.mark.parametrize("ended_by", ["time limit", "stop"])
def test_an_endless_visitor_stops_in_time_in_bounded_memory(
    ended_by: str, scenario_file: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", ENDLESS_VISITOR, str(scenario_file), ended_by.replace(" ", "")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit_memory,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout)
    assert figures["stopped"] and figures["requests"] > 100  # far past any plan made ahead
    assert figures["time_limit_hit"] == (ended_by == "time limit")
    assert figures["seconds"] < 10  # the limit and the stop's grace, with room for a busy machine
    assert figures["max_rss_mb"] < 400


def test_endless_answers_at_concurrency_10_stay_in_bounded_memory(scenario: Scenario) -> None:
    scenario = dataclasses.replace(
        scenario, schedule=dataclasses.replace(scenario.schedule, visitors=10)
    )
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 300000000\r\n\r\n"
    block = b"x" * 65536

    def respond(_: int, __: bytes) -> itertools.chain[Piece]:
        return itertools.chain([head], itertools.repeat(block, 300_000_000 // 65536))

    records: list[RequestRecord] = []
    with RawServer(respond) as server:
        run = LoadRun(
            scenario,
            RunSettings(target=server.url, concurrency=10, think_scale=0.0, timeout=30),
            on_records=records.extend,
        )
        run.prepare()  # the data sets' tables, loaded once per process, are not the run's
        tracemalloc.start()
        try:
            result = run.run()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert result.requests == len(records) == 10 * REQUESTS_PER_VISITOR
    # Each answer is cut at 64 KiB and its connection closed: a handful of MB in
    # all (the records' bodies included), not 300 MB an answer.
    assert peak < 24 * 1024**2, f"{peak / 1024**2:.1f} MB"
    assert all(r.response_body == "x" * MAX_BODY_CHARS + CUT_NOTE for r in records)
    events = [r for r in records if r.step != "identify"]
    assert all(r.ok for r in events)  # any 2xx is a success for events
    assert not any(r.ok for r in records if r.step == "identify")  # not the nitro_id
    assert server.connections == len(records)  # no connection is reused mid-body
