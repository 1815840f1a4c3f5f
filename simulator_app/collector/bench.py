"""Is the collector fast enough? It against a bare "hello" app on the same stack, under wrk.

Both servers run as their own process with one uvicorn worker (httptools,
uvloop when installed, no access log); wrk posts the same valid ``view``
event to each for the same time, one after the other, over loopback. The
collector runs with its checks and a SQLite file store on. The goal (issue 3):
the collector sustains at least half the bare app's requests per second.

Run it: ``python -m simulator_app.collector.bench [SECONDS]``; ``nitrox-sim
bench`` calls :func:`measure_collector`. Without ``wrk`` installed the
measurement is skipped (``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ORG = "34a3f9a2-5057-431b-bd3f-aa9fdf9ff733"
ROAMING = "biscuit_4c6e224d-96f6-430c-bfc4-d41ec31e38a4"
NITRO = "de8daa44-ac2e-4ba2-8e1c-987a06817353"
EVENT_PATH = f"/jsv1/{ORG}/{ROAMING}/{NITRO}/null/event/view"
EVENT_BODY = {"page": "https://shop.example.com/new-arrivals"}
CONNECTIONS = 50
MAX_SECONDS = 60.0  # per server: the measurement always stops by itself


def _lua_script() -> str:
    # json.dumps yields a valid Lua string literal for this ASCII body.
    body = json.dumps(json.dumps(EVENT_BODY))
    return (
        'wrk.method = "POST"\n'
        f"wrk.body = {body}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        'wrk.headers["Accept"] = "application/json"\n'
        f'wrk.headers["X-Nitro-Id"] = "{NITRO}"\n'
        f'wrk.headers["X-Organisation"] = "{ORG}"\n'
    )


def wrk_command(url: str, seconds: float, script: str) -> list[str]:
    """The wrk command line used for one server."""
    return [
        "wrk",
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{max(1, round(seconds))}s",
        "-s",
        script,
        url + EVENT_PATH,
    ]


def _serve_command(kind: str, db: str) -> list[str]:
    if kind == "collector":
        return [sys.executable, "-m", "simulator_app", "collector", "--port", "0", "--db", db]
    return [sys.executable, "-m", "simulator_app.collector.bench", "--serve-bare"]


def _start(cmd: list[str]) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=os.environ.copy()
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        found = re.search(r"http://[\w.\[\]:]+", line)
        if found:
            return proc, found.group(0)
    _stop(proc)
    raise RuntimeError(f"server did not start: {' '.join(cmd)}")


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


def _rps(output: str) -> float:
    found = re.search(r"Requests/sec:\s*([\d.]+)", output)
    if not found:
        raise RuntimeError(f"wrk printed no Requests/sec: {output.strip()[:200]}")
    return float(found.group(1))


def _load(kind: str, seconds: float, script: str, db: str) -> tuple[float, str, str]:
    proc, url = _start(_serve_command(kind, db))
    try:
        cmd = wrk_command(url, seconds, script)
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=seconds + 30, check=False
        )
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
        note = f"{errors.group(1)} non-2xx answers" if errors else ""
        return _rps(done.stdout), " ".join(cmd), note
    finally:
        _stop(proc)


def measure_collector(seconds: float = 5.0) -> dict[str, Any] | None:
    """Requests per second of a bare hello app and of the collector, side by side.

    Returns ``{"bare_server_rps", "collector_rps", "ratio", "seconds", "commands"}``,
    or None when ``wrk`` is not installed. Each server is loaded for
    ``seconds`` (capped at 60), so the whole measurement takes about twice that.
    """
    if shutil.which("wrk") is None:
        return None
    seconds = min(max(seconds, 1.0), MAX_SECONDS)
    with tempfile.TemporaryDirectory(prefix="nitrox-bench-") as tmp:
        script = Path(tmp, "post.lua")
        script.write_text(_lua_script(), encoding="utf-8")
        db = str(Path(tmp, "collector.sqlite"))
        bare, bare_cmd, _ = _load("bare", seconds, str(script), db)
        collector, collector_cmd, note = _load("collector", seconds, str(script), db)
    result: dict[str, Any] = {
        "bare_server_rps": round(bare, 1),
        "collector_rps": round(collector, 1),
        "ratio": round(collector / bare, 3) if bare else 0.0,
        "seconds": seconds,
        "commands": {"bare_server": bare_cmd, "collector": collector_cmd},
    }
    if note:
        result["note"] = f"collector: {note}"
    return result


def _serve_bare() -> None:
    """The baseline: a one-route Starlette app answering "hello", same uvicorn settings."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse("hello")

    app = Starlette(routes=[Route("/{rest:path}", hello, methods=["GET", "POST"])])
    from simulator_app.collector.server import base_url, bind_socket

    sock = bind_socket("127.0.0.1", 0)
    print(f"bare app listening on {base_url(sock)}", flush=True)
    config = uvicorn.Config(
        app,
        http="httptools",
        loop="auto",
        ws="none",
        lifespan="off",
        access_log=False,
        log_level="warning",
        server_header=False,
        date_header=False,
    )
    uvicorn.Server(config).run(sockets=[sock])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("seconds", nargs="?", type=float, default=5.0)
    parser.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_bare:
        _serve_bare()
        return 0
    result = measure_collector(args.seconds)
    if result is None:
        print("skipped: wrk is not installed (apt-get install wrk)")
        return 0
    print(f"bare uvicorn+Starlette hello: {result['bare_server_rps']:>10.1f} req/s")
    print(f"collector (checks + SQLite): {result['collector_rps']:>10.1f} req/s")
    print(f"ratio: {result['ratio']:.2f} (goal: at least 0.50)")
    for name, cmd in result["commands"].items():
        print(f"  {name}: {cmd}")
    if "note" in result:
        print(f"  note: {result['note']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
