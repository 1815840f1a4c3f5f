"""Throughput benchmark: the live sender against Locust, on the same bare local server.

The functions here are what ``nitrox-sim bench`` calls; run this module to
print a comparison (``python -m simulator_app.sender.bench``). Everything is
bounded in time, targets 127.0.0.1 only, and leaves no process behind.

- :func:`start_bare_server`: a one-route ASGI app under uvicorn in a
  subprocess, pinned to CPU 0 with ``taskset`` when available, access log off.
- :func:`measure_sender`: the real :class:`LoadRun` (journey engine, records,
  stats, funnel) sending view events with no think time, in req/s.
- :func:`measure_locust`: Locust's ``HttpUser`` or ``FastHttpUser`` posting one
  fixed view event with ``wait_time = constant(0)``, as a subprocess (this
  package never imports locust), in req/s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

import httpx

from simulator_app.core.model import Scenario, scenario_from_dict
from simulator_app.sender.runner import LoadRun, RunSettings

WARMUP = 1.0  # seconds of each sender measurement that are not counted
BENCH_ORG = "34a3f9a2-5057-431b-bd3f-aa9fdf9ff733"
VIEW_PATH = f"/jsv1/{BENCH_ORG}/biscuit_4c6e224d-96f6-430c-bfc4-d41ec31e38a4/de8daa44-ac2e-4ba2-8e1c-987a06817353/null/event/view"
VIEW_BODY = '{"page":"https://shop.example.com/"}'

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]


async def bare_app(
    scope: Scope,
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    """The one-route server: reads any request and answers ``ok``."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = bool((await receive()).get("more_body", False))
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain"), (b"content-length", b"2")],
        }
    )
    await send({"type": "http.response.body", "body": b"ok"})


@contextlib.contextmanager
def start_bare_server(ready_timeout: float = 15.0) -> Iterator[str]:
    """Run :func:`bare_app` under uvicorn in a subprocess; yields its base URL."""
    # uvicorn --fd would treat an inherited TCP socket as a Unix one and skip
    # TCP_NODELAY (40 ms delayed-ACK stalls), so the child binds a free port itself.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "simulator_app.sender.bench:bare_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--backlog",
        "1024",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    if shutil.which("taskset"):
        command = ["taskset", "-c", "0", *command]
    process = subprocess.Popen(command)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process, ready_timeout)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(url: str, process: subprocess.Popen[bytes], limit: float) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the bench server exited with status {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/", timeout=1.0).status_code == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"the bench server did not answer within {limit:.0f} s")


def bench_scenario(views_per_visitor: int = 50) -> Scenario:
    """Visitors that only send view events, with no think time, all at once."""
    return scenario_from_dict(
        {
            "name": "bench",
            "store": {"base_url": "https://shop.example.com", "pages": ["/"]},
            "identities": {"locales": ["en_US"], "seed": 1},
            "ids": {"org_id": BENCH_ORG},
            "schedule": {"visitors": 1_000_000, "duration": 0, "pattern": "burst"},
            "journeys": [
                {
                    "name": "views",
                    "weight": 1,
                    "steps": [
                        {"type": "view", "page": "/", "repeat": views_per_visitor, "think": 0}
                    ],
                }
            ],
        }
    )


def measure_sender(url: str, concurrency: int, seconds: float) -> float:
    """Requests per second the live sender reaches at ``concurrency`` (after a warm-up)."""
    run = LoadRun(
        bench_scenario(),
        RunSettings(
            target=url,
            concurrency=concurrency,
            think_scale=0.0,
            time_limit=seconds + WARMUP + 30,
        ),
    )
    thread = threading.Thread(target=run.run, name="bench-sender", daemon=True)
    thread.start()
    try:
        time.sleep(WARMUP)
        first = run.progress()
        time.sleep(seconds)
        last = run.progress()
    finally:
        run.stop()
        thread.join(timeout=30)
    if last.failures > first.failures:
        raise RuntimeError(f"{last.failures - first.failures} requests failed during the bench")
    return (last.requests - first.requests) / (last.elapsed - first.elapsed)


LOCUSTFILE = '''\
"""Generated by simulator_app.sender.bench: one fixed view event, no wait."""
from locust import {base}, constant, task

BODY = {body!r}
HEADERS = {{"Content-Type": "application/json"}}


class BenchUser({base}):
    wait_time = constant(0)

    @task
    def view(self):
        self.client.post({path!r}, data=BODY, headers=HEADERS)
'''


def measure_locust(url: str, user_class: str, seconds: float, users: int) -> float:
    """Requests per second Locust reaches with ``users`` users of ``user_class``.

    ``user_class`` is ``"HttpUser"`` or ``"FastHttpUser"``. Locust runs as a
    subprocess; the figure is its request count over its own measured span.
    """
    if user_class not in ("HttpUser", "FastHttpUser"):
        raise ValueError("user_class must be HttpUser or FastHttpUser")
    base = "FastHttpUser" if user_class == "FastHttpUser" else "HttpUser"
    text = LOCUSTFILE.format(base=base, body=VIEW_BODY, path=VIEW_PATH)
    locust = Path(sys.executable).with_name("locust")
    with tempfile.TemporaryDirectory(prefix="nitrox-bench-") as tmp:
        file = Path(tmp) / "bench_locustfile.py"
        file.write_text(text, encoding="utf-8")
        command = [
            str(locust) if locust.exists() else "locust",
            "-f",
            str(file),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{max(1, round(seconds))}s",
            "--host",
            url,
            "--json",
            "--only-summary",
            "--loglevel",
            "WARNING",
        ]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            cwd=tmp,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
            check=False,
        )
    try:
        entries: list[dict[str, Any]] = json.loads(done.stdout)
    except json.JSONDecodeError:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"locust printed no JSON stats: {tail[0]}") from None
    requests = sum(int(e["num_requests"]) for e in entries)
    failures = sum(int(e["num_failures"]) for e in entries)
    if not entries or failures:
        raise RuntimeError(f"locust: {requests} requests, {failures} failures")
    start = min(float(e["start_time"]) for e in entries)
    end = max(float(e["last_request_timestamp"]) for e in entries)
    return requests / max(end - start, 1e-9)


def compare(seconds: float = 5.0, concurrencies: tuple[int, ...] = (10, 200)) -> dict[str, float]:
    """Every figure of the comparison on one bare server, in req/s."""
    figures: dict[str, float] = {}
    with start_bare_server() as url:
        figures["locust HttpUser u10"] = measure_locust(url, "HttpUser", seconds, 10)
        for c in concurrencies:
            figures[f"sender c{c}"] = measure_sender(url, c, seconds)
        figures["locust FastHttpUser u10"] = measure_locust(url, "FastHttpUser", seconds, 10)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each measurement")
    args = parser.parse_args(argv)
    figures = compare(args.seconds)
    for name, value in figures.items():
        print(f"{name:<26} {value:>9,.0f} req/s")
    low, high = figures["sender c10"], figures["sender c200"]
    print(f"{'sender c200 / c10':<26} {high / low:>9.2f}")
    print(f"{'sender c10 / HttpUser':<26} {low / figures['locust HttpUser u10']:>9.2f}")
    print(f"{'sender c200 / HttpUser':<26} {high / figures['locust HttpUser u10']:>9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
