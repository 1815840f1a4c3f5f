"""The bare receiver: the common target of every benchmark, and the exporter tests' recorder.

One raw ASGI callable under uvicorn (httptools, uvloop, no access log, no
checks): it answers identify with the nitro_id from its path (what the real
API does) and every other request with ``ok``, so what a benchmark measures is
the sender's cost, not the receiver's. With ``--record FILE`` it also appends
each request (method, path with query, body, headers) to FILE as JSON lines, which the
exporter's parity tests compare with what the engine planned.

Run it as ``python -m simulator_app.bench.bare_server [--port 8799]``; it binds
127.0.0.1 only (port 0, the default, picks a free one) and prints
``bare server listening on http://127.0.0.1:PORT`` once it listens.
:class:`BareServer` runs it as a subprocess and waits for that line.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any, TextIO

from simulator_app.bench.processes import Pin, ServerProcess, raise_fd_limit
from simulator_app.sender.loop import fewer_collections

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MODULE = "simulator_app.bench.bare_server"  # also right when this file runs as __main__
IDENTIFY_PREFIX = "/jsv1/identify/"
OK_HEADERS = [(b"content-type", b"text/plain"), (b"content-length", b"2")]
MAX_CONNECTIONS = 20_000  # open at once (the sender's c5000 figure needs 5000)
BACKLOG = 4096  # connections waiting to be accepted: thousands arrive at once
# Seconds an idle kept-alive connection stays open (uvicorn's default is 5, nginx's
# 75). The bench's sender runs take turns and each sits idle for several seconds
# between its turns: with 5 s the server closed them all, so every turn began by
# reconnecting (10,000 connects in one round at concurrency 5000, against 70 at
# concurrency 10), and the server's closing of thousands fell in the others' turns.
KEEP_ALIVE = 600
# uvicorn's X-Forwarded-For handling is off: the sender's visitors each carry their own
# IP in that header, and uvicorn keeps the trust verdicts of 4096 addresses (an LRU
# cache). At concurrency 5000 the visitors in flight cycle through more addresses than
# that, every lookup missed and parsed its address with ipaddress: the server's cost per
# request doubled (40 to 80 us, py-spy) against concurrency 10's ten addresses, and the
# sender's c5000 figure measured that cache, not the sender. No figure needs the header
# read: the bare server answers every request alike.
PROXY_HEADERS = False


def identify_answer(path: str) -> bytes | None:
    """The nitro_id an identify request should get back, or None for other paths."""
    if not path.startswith(IDENTIFY_PREFIX):
        return None
    parts = path.split("/")
    # /jsv1/identify/<org>/<roaming>/<nitro>/<payload>
    return parts[5].encode("latin-1") if len(parts) >= 6 else None


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
        path: str = scope["raw_path"].decode("latin-1") if scope.get("raw_path") else scope["path"]
        if self.record is not None:
            query: bytes = scope.get("query_string", b"")
            target = f"{path}?{query.decode('latin-1')}" if query else path
            line = {
                "method": scope["method"],
                "path": target,
                "body": body.decode("utf-8") or None,
                "headers": {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]},
            }
            self.record.write(json.dumps(line, ensure_ascii=False) + "\n")
            self.record.flush()
        answer = identify_answer(path)
        if answer is None:
            await send({"type": "http.response.start", "status": 200, "headers": OK_HEADERS})
            await send({"type": "http.response.body", "body": b"ok"})
            return
        headers = [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(answer))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer})


class BareServer(ServerProcess):
    """:class:`BareApp` in a subprocess on 127.0.0.1; a context manager with ``url``.

    ``pin`` is a command prefix such as ``("taskset", "-c", "0")``; ``record``
    a file to append every request to.
    """

    def __init__(self, record: str | Path | None = None, pin: Pin = (), port: int = 0) -> None:
        command = [*pin, sys.executable, "-m", MODULE, "--port", str(port)]
        if record is not None:
            command += ["--record", str(record)]
        super().__init__(command)


def serve(port: int, record: TextIO | None = None) -> None:
    """Serve :class:`BareApp` on 127.0.0.1:``port`` until interrupted; print the URL first."""
    import uvicorn

    raise_fd_limit(MAX_CONNECTIONS)  # the bench opens thousands of connections to it
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as exc:
        sock.close()
        raise SystemExit(
            f"bare server: cannot listen on 127.0.0.1:{port}: {exc.strerror}"
        ) from None
    sock.listen(BACKLOG)
    config = uvicorn.Config(
        BareApp(record),
        http="httptools",
        loop="auto",
        ws="none",
        lifespan="off",
        access_log=False,
        log_level="warning",
        server_header=False,
        date_header=False,
        timeout_keep_alive=KEEP_ALIVE,
        proxy_headers=PROXY_HEADERS,
    )
    print(f"bare server listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    try:
        # The sender's own garbage-collector settings, for the same reason: with 5000
        # requests in flight every young collection promoted their objects and the
        # older ones walked the whole heap, 20 to 30 us of the server's 70 us a request
        # at concurrency 5000 (gc disabled for comparison: 45 us), against none at 10.
        # Sized for the most connections it takes: with the sender's 50,000 the server
        # still collected every fraction of a second at concurrency 5000 and answered
        # 10-25% fewer of the sender's requests (15,500-17,400 req/s against
        # 18,100-22,300, four rounds each). It makes next to no cycles (9 collected in
        # 20 collections at concurrency 5000).
        with fewer_collections(MAX_CONNECTIONS):
            uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0, help="default 0: any free port")
    parser.add_argument(
        "--record", metavar="FILE", help="append every request to FILE as JSON lines"
    )
    args = parser.parse_args(argv)
    if args.record:
        with open(args.record, "a", encoding="utf-8") as record:
            serve(args.port, record)
    else:
        serve(args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
