"""A TCP server on 127.0.0.1 that keeps every request's raw bytes: the wire, as sent.

It answers as the bare server does (identify with the nitro_id of its path,
anything else ``ok``), on kept-alive connections. Tests use it where the
exact bytes matter: header order, Host, Content-Length, nothing added.
"""

from __future__ import annotations

import socketserver
import threading
from types import TracebackType

from simulator_app.bench.bare_server import identify_answer


class _Handler(socketserver.StreamRequestHandler):
    server: RawServer

    def handle(self) -> None:
        while True:
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                line = self.rfile.readline(65536)
                if not line:
                    return
                head += line
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            raw = head + self.rfile.read(length)
            path = head.split(b" ", 2)[1].decode("latin-1")
            self.server.record(raw)
            api = path.find("/jsv1/")  # after the --host's path, if it has one
            answer = identify_answer(path[api:]) if api >= 0 else None
            body = answer if answer is not None else b"ok"
            self.wfile.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s"
                % (len(body), body)
            )


class RawServer(socketserver.ThreadingTCPServer):
    """Records the raw requests it gets, in arrival order (``requests``)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[bytes] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, name="raw-server")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def record(self, raw: bytes) -> None:
        with self._lock:
            self.requests.append(raw)

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(10)
