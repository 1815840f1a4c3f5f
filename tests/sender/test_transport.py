"""Connection against raw local socket servers: framing, keep-alive, reconnects, errors."""

from __future__ import annotations

import asyncio
import select
import socket
import threading
from collections.abc import Awaitable, Callable

import pytest

from simulator_app.sender.loop import new_event_loop
from simulator_app.sender.transport import Answer, Connection, NotSent, SendError

Reply = Callable[[int, bytes], Awaitable[list[bytes] | None]]


async def serve(reply: Reply) -> tuple[asyncio.Server, str, list[int]]:
    """A server answering each request with ``reply(connection_no, head)``'s byte pieces.

    None closes the connection without answering.
    """
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(len(connections))
        number = len(connections)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                pieces = await reply(number, head)
                if pieces is None:
                    break
                for piece in pieces:
                    writer.write(piece)
                    await writer.drain()
                    await asyncio.sleep(0.001)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}", connections


def connection(url: str) -> Connection:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return Connection(("http", host, int(port)))


async def fetch(conn: Connection, limit: float = 5.0, path: str = "/jsv1/x") -> Answer:
    payload = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\n".encode() + b'{"a":1}'
    return await conn.exchange(payload, limit)


def headers(answer: Answer) -> dict[bytes, bytes]:
    return {name.lower(): value for name, value in answer.headers}


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"


def test_keep_alive_reuses_one_connection() -> None:
    async def main() -> None:
        async def reply(_: int, head: bytes) -> list[bytes]:
            assert head.startswith(b"POST /jsv1/x HTTP/1.1\r\n")
            return [OK[:20], OK[20:]]  # the answer arrives in pieces

        server, url, connections = await serve(reply)
        transport = connection(url)
        bodies = [(await fetch(transport)).body for _ in range(3)]
        transport.close()
        server.close()
        assert bodies == [b"hello"] * 3
        assert len(connections) == 1

    asyncio.run(main())


def test_chunked_body_is_assembled() -> None:
    async def main() -> None:
        async def reply(_: int, __: bytes) -> list[bytes]:
            return [
                b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n",
                b"5\r\nNitr",
                b"o\r\n2;ext=1\r\nx!\r\n",
                b"0\r\n\r\n",
            ]

        server, url, _ = await serve(reply)
        transport = connection(url)
        first = await fetch(transport)
        second = await fetch(transport)
        transport.close()
        server.close()
        assert (first.status, first.body, headers(first)[b"x-a"]) == (201, b"Nitrox!", b"b")
        assert second.body == b"Nitrox!"

    asyncio.run(main())


def test_connection_close_and_idle_close_reconnect() -> None:
    async def main() -> None:
        async def reply(number: int, _: bytes) -> list[bytes] | None:
            if number == 1:
                return [b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"]
            return [OK]

        server, url, connections = await serve(reply)
        transport = connection(url)
        first = await fetch(transport)
        second = await fetch(transport)
        transport.close()
        server.close()
        assert (first.body, second.body) == (b"ok", b"hello")
        assert len(connections) == 2

    asyncio.run(main())


def test_every_dropped_request_is_a_failure_and_reaches_the_server_once() -> None:
    async def main() -> None:
        seen: list[bytes] = []

        async def reply(_: int, head: bytes) -> list[bytes] | None:
            seen.append(head.split(b" ")[1])
            if len(seen) % 3 == 0:
                return None  # every third request: read, then the connection is dropped
            return [OK]

        server, url, connections = await serve(reply)
        transport = connection(url)
        outcomes: list[str] = []
        for n in range(12):
            try:
                answer = await fetch(transport, path=f"/jsv1/{n}")
            except SendError as exc:
                outcomes.append(str(exc))
            else:
                outcomes.append(answer.body.decode())
        transport.close()
        server.close()
        dropped = "connection closed without an answer; the target may have received it"
        assert outcomes == ["hello", "hello", dropped] * 4
        # A tracker event sent twice counts twice: a dropped request is not sent again.
        assert seen == [f"/jsv1/{n}".encode() for n in range(12)]
        assert len(connections) == 4

    asyncio.run(main())


class AnswerOnceServer:
    """A blocking server in a thread: each connection gets one answer, then is closed.

    As a server closes a kept-alive connection after its idle timeout, but at
    once; ``closed`` is set after the first close. ``requests`` are the
    request lines it read.
    """

    def __init__(self, connections: int) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(10)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.requests: list[bytes] = []
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._serve, args=(connections,))
        self.thread.start()

    def _serve(self, connections: int) -> None:
        with self.listener:
            for _ in range(connections):
                conn, _ = self.listener.accept()
                with conn:
                    conn.settimeout(10)
                    data = b""
                    while b"\r\n\r\n" not in data:
                        data += conn.recv(4096)
                    head, _, body = data.partition(b"\r\n\r\n")
                    length = next(
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    )
                    while len(body) < length:
                        body += conn.recv(4096)
                    self.requests.append(head.split(b"\r\n")[0])
                    conn.sendall(OK)
                self.closed.set()


@pytest.mark.parametrize(
    "loop_factory", [asyncio.new_event_loop, new_event_loop], ids=["asyncio", "uvloop"]
)
def test_a_kept_alive_connection_the_server_closed_while_idle_is_replaced(
    loop_factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    server = AnswerOnceServer(connections=2)

    async def main() -> list[str]:
        transport = connection(server.url)
        first = await fetch(transport)
        # The loop is blocked on purpose until the server's close has reached the
        # socket: the loop has not read it, as when the next request is due at once.
        assert server.closed.wait(60)
        assert transport._protocol is not None and transport._protocol.transport is not None
        sock = transport._protocol.transport.get_extra_info("socket")
        assert select.select([sock], [], [], 10)[0]
        second = await fetch(transport)
        transport.close()
        return [first.body.decode(), second.body.decode()]

    try:
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            texts = runner.run(main())
    finally:
        server.thread.join(20)
    assert texts == ["hello", "hello"]  # no failure: a new connection took over
    assert server.requests == [b"POST /jsv1/x HTTP/1.1"] * 2  # each request sent once


def test_refused_connection_is_a_connect_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there

    async def main() -> None:
        transport = connection(f"http://127.0.0.1:{port}")
        with pytest.raises(NotSent, match="connection refused: nothing listens"):
            await fetch(transport)

    asyncio.run(main())


def test_a_silent_server_is_a_read_timeout() -> None:
    async def main() -> None:
        async def reply(_: int, __: bytes) -> list[bytes]:
            await asyncio.sleep(5)
            return [OK]

        server, url, _ = await serve(reply)
        transport = connection(url)
        with pytest.raises(SendError, match=r"^timed out; the target may have received it$"):
            await fetch(transport, limit=0.2)
        transport.close()
        server.close()

    asyncio.run(main())


def test_a_garbled_answer_is_a_protocol_error() -> None:
    async def main() -> None:
        async def reply(_: int, __: bytes) -> list[bytes]:
            return [b"SMTP ready\r\n\r\n"]

        server, url, _ = await serve(reply)
        transport = connection(url)
        with pytest.raises(SendError, match=r"^broken answer: no HTTP status line$"):
            await fetch(transport)
        transport.close()
        server.close()

    asyncio.run(main())
