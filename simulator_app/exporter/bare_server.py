"""A bare Nitrox receiver for benchmarks and exporter tests: one ASGI callable, no checks.

It answers identify with the nitro_id from its path (what the real API does)
and every other request with ``ok``, so that the cost measured is Locust's
and the journey engine's, not the receiver's. With ``--record FILE`` it also
appends each request (method, path, body) to FILE as JSON lines, which the
parity tests compare with what the engine planned.

Run it as ``python -m simulator_app.exporter.bare_server --port 8799``; it
binds 127.0.0.1 only and prints ``listening on http://127.0.0.1:PORT`` once
it accepts connections.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, TextIO

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def identify_answer(path: str) -> bytes | None:
    """The nitro_id an identify request should get back, or None for other paths."""
    parts = path.split("/")
    # /jsv1/identify/<org>/<roaming>/<nitro>/<payload>
    if len(parts) >= 6 and parts[1] == "jsv1" and parts[2] == "identify":
        return parts[5].encode("latin-1")
    return None


class BareApp:
    """The ASGI app: the smallest answer that satisfies the contract's success rules."""

    def __init__(self, record: TextIO | None = None) -> None:
        self.record = record

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = bool(message.get("more_body"))
        path: str = scope.get("raw_path", b"").decode("latin-1") or scope["path"]
        query: bytes = scope.get("query_string", b"")
        target = f"{path}?{query.decode('latin-1')}" if query else path
        if self.record is not None:
            line = {"method": scope["method"], "path": target, "body": body.decode("utf-8") or None}
            self.record.write(json.dumps(line, ensure_ascii=False) + "\n")
            self.record.flush()
        answer = identify_answer(path) or b"ok"
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/plain"),
                    (b"content-length", str(len(answer)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": answer})


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes] | None, timeout: float = 15.0) -> None:
    """Return once 127.0.0.1:``port`` accepts connections; fail if ``proc`` dies first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited with status {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:g} s")


def start_bare_server(
    port: int, record: str | None = None, prefix: tuple[str, ...] = ()
) -> subprocess.Popen[bytes]:
    """Start the bare server as a subprocess (``prefix``: e.g. ``taskset -c 0``); wait for it."""
    cmd = [*prefix, sys.executable, "-m", "simulator_app.exporter.bare_server", "--port", str(port)]
    if record:
        cmd += ["--record", record]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc)
    except BaseException:
        stop_process(proc)
        raise
    return proc


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """End a subprocess: terminate, then kill if it has not gone after ``timeout``."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
    if proc.stderr is not None:
        proc.stderr.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--record", metavar="FILE", help="append every request to FILE as JSON lines"
    )
    args = parser.parse_args(argv)
    import uvicorn

    record = open(args.record, "a", encoding="utf-8") if args.record else None  # noqa: SIM115
    try:
        config = uvicorn.Config(
            BareApp(record),
            host="127.0.0.1",
            port=args.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        server = uvicorn.Server(config)
        server.run()
    finally:
        if record is not None:
            record.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
