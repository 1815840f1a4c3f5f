"""A raw TCP server on 127.0.0.1 for the wire tests: any bytes back, hostile ones included.

Each connection runs in a thread of its own: it reads one request at a time
(the head, then a Content-Length body) and sends what ``respond`` returns for
it, piece by piece; ``respond`` returning None closes the connection without
an answer. A piece that is a callable is called instead of sent (to wait, for
instance; :func:`hang_up` closes the connection). Pieces may go on forever: sending stops once the client has closed
the connection or the server is stopped. Used as a context manager, it stops
and joins every thread it started.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable
from types import TracebackType

Piece = bytes | Callable[[], None]
Respond = Callable[[int, bytes], Iterable[Piece] | None]  # (connection number, request head)

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


class _HangUp(Exception):
    pass


def hang_up() -> None:
    """A piece that closes the connection where it stands."""
    raise _HangUp


def read_request(conn: socket.socket, buffer: bytearray) -> bytes | None:
    """One request's head off ``conn`` (its body read and dropped); None once it closed."""
    while b"\r\n\r\n" not in buffer:
        data = conn.recv(65536)
        if not data:
            return None
        buffer += data
    end = buffer.index(b"\r\n\r\n") + 4
    head = bytes(buffer[:end])
    del buffer[:end]
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(buffer) < length:
        data = conn.recv(65536)
        if not data:
            return None
        buffer += data
    del buffer[:length]
    return head


class RawServer:
    """See the module docstring; ``requests`` counts the requests read, ``sent`` the bytes sent."""

    def __init__(self, respond: Respond) -> None:
        self.respond = respond
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.listener.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.stopping = threading.Event()
        self.requests = 0
        self.connections = 0
        self.sent = 0
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, name="raw-server")

    def __enter__(self) -> RawServer:
        self._acceptor.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stopping.set()
        self._acceptor.join(10)
        for thread in self._threads:
            thread.join(10)
        self.listener.close()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            with self._lock:
                self.connections += 1
                number = self.connections
            thread = threading.Thread(target=self._serve, args=(conn, number), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket, number: int) -> None:
        buffer = bytearray()
        conn.settimeout(0.05)
        with conn:
            try:
                while not self.stopping.is_set():
                    try:
                        head = read_request(conn, buffer)
                    except TimeoutError:
                        continue
                    if head is None:
                        return
                    with self._lock:
                        self.requests += 1
                    pieces = self.respond(number, head)
                    if pieces is None:
                        return
                    for piece in pieces:
                        if self.stopping.is_set():
                            return
                        if callable(piece):
                            piece()
                            continue
                        self._send(conn, piece)
            except (OSError, _HangUp):
                return  # the client closed the connection (it read all it wanted), or hang_up

    def _send(self, conn: socket.socket, piece: bytes) -> None:
        view = memoryview(piece)
        while view:
            try:
                n = conn.send(view)
            except TimeoutError:
                if self.stopping.is_set():
                    raise
                continue
            with self._lock:
                self.sent += n
            view = view[n:]
