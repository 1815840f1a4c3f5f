"""The reference sink: the cheapest receiver that answers the contract's success rules.

An asyncio protocol on uvloop with httptools' parser and nothing else: no
ASGI, no scope, no task per request. Identify gets the nitro_id from its path,
every other request ``ok``, on kept-alive and pipelined connections. It is the
target of every sender, Locust and wrk figure, so that the client is the busy
side; the uvicorn bare server stays the collector's reference (same stack).

Run it as ``python -m simulator_app.bench.sink [--port 0]``: it binds 127.0.0.1
only and prints ``sink listening on http://127.0.0.1:PORT`` once it listens.
With ``--cert FILE --key FILE`` it serves HTTPS (:class:`Sink` with
``tls_dir`` makes them with the collector's local CA, whose ``ca.pem`` a client
then trusts): the reference for what TLS costs a client.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import ssl
import sys
from pathlib import Path
from typing import cast

import httptools

from simulator_app.bench.bare_server import BACKLOG, MAX_CONNECTIONS, identify_answer
from simulator_app.bench.processes import Pin, ServerProcess, raise_fd_limit

MODULE = "simulator_app.bench.sink"
OK = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok"
BAD = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


def answer_for(path: bytes) -> bytes:
    """The whole HTTP answer to a request for ``path`` (query included)."""
    nitro = identify_answer(path.partition(b"?")[0].decode("latin-1"))
    if nitro is None:
        return OK
    head = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: %d\r\n\r\n"
    return head % len(nitro) + nitro


class SinkProtocol(asyncio.Protocol):
    """One connection: parse with httptools, answer each request as it completes."""

    __slots__ = ("_keep", "_parser", "_path", "_transport")

    def __init__(self) -> None:
        self._parser = httptools.HttpRequestParser(self)
        self._path = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError:
            if self._transport is not None:
                self._transport.write(BAD)
                self._transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None

    # httptools' callbacks
    def on_url(self, url: bytes) -> None:
        self._path += url

    def on_message_complete(self) -> None:
        path, self._path = self._path, b""
        if self._transport is not None:
            self._transport.write(answer_for(path))
            if not self._parser.should_keep_alive():
                self._transport.close()


async def _serve(sock: socket.socket, tls: ssl.SSLContext | None) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(SinkProtocol, sock=sock, backlog=BACKLOG, ssl=tls)
    scheme = "https" if tls is not None else "http"
    print(f"sink listening on {scheme}://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


def serve(port: int, cert: str | None = None, key: str | None = None) -> None:
    """Serve on 127.0.0.1:``port`` until interrupted or terminated (HTTPS with a cert)."""
    import signal

    import uvloop

    raise_fd_limit(MAX_CONNECTIONS)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as exc:
        sock.close()
        raise SystemExit(f"sink: cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
    sock.listen(BACKLOG)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tls = None
    if cert is not None and key is not None:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert, key)
    try:
        uvloop.run(_serve(sock, tls))
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()


class Sink(ServerProcess):
    """The sink in a subprocess on 127.0.0.1; a context manager with ``url`` and ``pid``."""

    def __init__(self, pin: Pin = (), port: int = 0, tls_dir: Path | None = None) -> None:
        command = [*pin, sys.executable, "-m", MODULE, "--port", str(port)]
        self.ca: str | None = None  # with tls_dir: the CA a client trusts
        if tls_dir is not None:
            from simulator_app.collector.tls import local_certificate

            certificate = local_certificate(tls_dir)
            command += ["--cert", certificate.cert, "--key", certificate.key]
            self.ca = certificate.ca
        super().__init__(command)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0, help="default 0: any free port")
    parser.add_argument("--cert", help="serve HTTPS with this PEM certificate (and --key)")
    parser.add_argument("--key", help="the certificate's private key (PEM)")
    args = parser.parse_args(argv)
    if (args.cert is None) != (args.key is None):
        parser.error("--cert and --key go together")
    serve(args.port, args.cert, args.key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
