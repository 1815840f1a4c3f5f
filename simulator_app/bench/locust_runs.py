"""Locust as a subprocess: minimal locustfiles, one headless run, its ``--json`` read back.

This module writes and runs locustfiles; it never imports locust (gevent
monkey-patches the standard library at import time).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator_app.bench.processes import Pin
from simulator_app.bench.traffic import BARE_HEADERS, VIEW_BODY, VIEW_PATH

USER_CLASSES = ("HttpUser", "FastHttpUser")
CPU_PROBE = "nitrox_bench_cpu.py"  # written beside the locustfile, loaded with it (-f A,B)
CPU_MARK = "nitrox-bench-cpu:"  # its stderr line: CPU seconds and requests of the test
# Locust's CPU from the test's start to its stop: the imports, the journey engine's
# tables and the other start-up work of a file are not in it, so it is the cost of the
# requests alone, which a busy machine does not change the way it changes req/s.
CPU_PROBE_TEXT = f"""\
\"\"\"Written by nitrox-sim bench: the process's CPU time over the test, on stderr.\"\"\"
import sys
import time

from locust import events

_started = []


@events.test_start.add_listener
def _start(environment, **_kwargs):
    _started.append(time.process_time())


@events.test_stop.add_listener
def _stop(environment, **_kwargs):
    if _started:
        cpu = time.process_time() - _started[0]
        requests = environment.stats.total.num_requests
        print("{CPU_MARK}", round(cpu, 4), requests, file=sys.stderr, flush=True)
"""
STOP_TIMEOUT = 2  # seconds locust gives users to finish a task at the end of -t

MINIMAL_TEMPLATE = """\
\"\"\"Written by nitrox-sim bench: one fixed view event, as fast as {base} can send it.\"\"\"
from locust import {base}, constant, task

PATH = {path!r}
BODY = {body!r}
HEADERS = {headers!r}


class MinimalView({base}):
    wait_time = constant(0)

    @task
    def view(self):
        self.client.post(PATH, data=BODY, headers=HEADERS, name="event/view")
"""


def minimal_locustfile(user_class: str) -> str:
    """A locustfile whose one user posts the fixed view event, no wait."""
    if user_class not in USER_CLASSES:
        raise ValueError(f"user_class must be one of {', '.join(USER_CLASSES)}")
    return MINIMAL_TEMPLATE.format(
        base=user_class,
        path=VIEW_PATH,
        body=VIEW_BODY.encode(),
        headers=BARE_HEADERS,
    )


@dataclass(frozen=True)
class LocustResult:
    """What one headless locust run measured."""

    requests: int
    failures: int
    rps: float  # requests over locust's own span from first start to last request
    exit_code: int
    cpu_us_per_request: float | None = None  # Locust's CPU over the test / its requests


def locust_executable() -> str:
    """The locust script beside this interpreter (the venv's), else whatever is on PATH."""
    beside = Path(sys.executable).with_name("locust")
    return str(beside) if beside.exists() else "locust"


def locust_command(
    locustfile: Path,
    host: str,
    seconds: float,
    users: int,
    pin: Pin = (),
    extra: tuple[str, ...] = (),
) -> list[str]:
    """The command line of one bounded headless run with JSON stats on stdout."""
    return [
        *pin,
        locust_executable(),
        *("-f", str(locustfile), "--headless", "--host", host),
        *("-u", str(users), "-r", str(users), "-t", f"{max(1, round(seconds))}s"),
        *("--stop-timeout", str(STOP_TIMEOUT), "--json", "--only-summary"),
        *("--loglevel", "WARNING"),
        *extra,
    ]


def parse_stats(stdout: str, stderr: str = "", exit_code: int = 0) -> LocustResult:
    """Read locust's ``--json`` output (a list of per-endpoint stats) into one result."""
    try:
        entries: list[dict[str, Any]] = json.loads(stdout)
    except json.JSONDecodeError:
        tail = stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"locust printed no stats (exit {exit_code}): {tail[0]}") from None
    requests = sum(int(e["num_requests"]) for e in entries)
    failures = sum(int(e["num_failures"]) for e in entries)
    start = min((float(e["start_time"]) for e in entries), default=0.0)
    end = max((float(e["last_request_timestamp"] or 0) for e in entries), default=0.0)
    elapsed = end - start
    return LocustResult(
        requests=requests,
        failures=failures,
        rps=requests / elapsed if elapsed > 0 and requests > 1 else 0.0,
        exit_code=exit_code,
        cpu_us_per_request=_cpu_per_request(stderr),
    )


def _cpu_per_request(stderr: str) -> float | None:
    """The CPU probe's microseconds per request, None without its line."""
    for line in reversed(stderr.splitlines()):
        if line.startswith(CPU_MARK):
            try:
                cpu, requests = (float(word) for word in line.split()[1:3])
            except ValueError:
                return None
            return round(1e6 * cpu / requests, 1) if requests > 0 else None
    return None


def run_locust(
    locustfile: Path,
    host: str,
    seconds: float,
    users: int,
    pin: Pin = (),
    extra: tuple[str, ...] = (),
) -> LocustResult:
    """Run ``locustfile`` headless for ``seconds`` against ``host``; bounded, leaves nothing.

    The CPU probe (:data:`CPU_PROBE_TEXT`) is loaded with it, for the result's
    ``cpu_us_per_request``.
    """
    probe = locustfile.with_name(CPU_PROBE)
    probe.write_text(CPU_PROBE_TEXT, encoding="utf-8")
    done = subprocess.run(
        locust_command(Path(f"{locustfile},{probe}"), host, seconds, users, pin, extra),
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        cwd=locustfile.parent,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        check=False,
    )
    return parse_stats(done.stdout, done.stderr, done.returncode)
