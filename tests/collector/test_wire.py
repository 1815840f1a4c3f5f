"""On raw sockets: a request's head is bounded in size (431 beyond)
and in time (a head that never ends is closed after the timeout, set short here), and
many such connections exhaust nothing: each is closed, and the collector keeps serving.

No test here measures time: each waits (with a generous socket timeout) for what the
collector must do, and fails only if it never does it."""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from simulator_app.collector import EmbeddedCollector
from simulator_app.collector.wire import DEFAULT_MAX_HEAD

from .conftest import URL, event, new_ids, send

TIMEOUT = 0.3  # the collector's header timeout in these tests
WAIT = 15.0  # how long a test waits for the collector to act before failing


@pytest.fixture(scope="module")
def collector() -> Iterator[EmbeddedCollector]:
    with EmbeddedCollector(header_timeout=TIMEOUT) as running:
        yield running


def connect(collector: EmbeddedCollector) -> socket.socket:
    host, port = collector.url.removeprefix("http://").rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=WAIT)
    return sock


def read_all(sock: socket.socket) -> bytes:
    """Everything until the collector closes the connection (or WAIT runs out: a failure)."""
    out = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return out
        except TimeoutError:
            pytest.fail(f"the collector did not close the connection; got {out[:200]!r}")
        if not chunk:
            return out
        out += chunk


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize(
    "head",
    [
        b"GET /_collector/all HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 40_000 + b"\r\n\r\n",
        b"GET /_collector/all HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-A: b\r\n" * 6000 + b"\r\n",
        b"GET /jsv1/" + b"a" * 40_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    ],
)
def test_an_oversized_head_gets_431_and_a_close(collector: EmbeddedCollector, head: bytes) -> None:
    with connect(collector) as sock:
        sock.sendall(head)
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert str(DEFAULT_MAX_HEAD).encode() in answer


def test_a_head_that_never_ends_is_cut_off_at_the_limit(collector: EmbeddedCollector) -> None:
    with connect(collector) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Endless: ")
        sent = 0
        try:
            while sent < 20 * DEFAULT_MAX_HEAD:  # far more than the limit, never a CRLF
                sock.sendall(b"a" * 4096)
                sent += 4096
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed while sending: what the limit is for
        answer = read_all(sock)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 431 ")
    assert sent < 20 * DEFAULT_MAX_HEAD or answer.startswith(b"HTTP/1.1 431 ")


def test_a_head_that_never_completes_is_closed_after_the_timeout(
    collector: EmbeddedCollector,
) -> None:
    with connect(collector) as sock:
        sock.sendall(b"POST /jsv1/x HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # no blank line, ever
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 408 ")


def test_a_connection_that_sends_nothing_is_closed_after_the_timeout(
    collector: EmbeddedCollector,
) -> None:
    with connect(collector) as sock:
        assert read_all(sock) == b""


def test_a_body_that_never_completes_is_closed_and_not_stored(
    collector: EmbeddedCollector,
) -> None:
    before = collector.summary()["total"]
    with connect(collector) as sock:
        sock.sendall(
            b"POST " + event(new_ids(), "view", {}).path.encode() + b" HTTP/1.1\r\n"
            b"Host: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        )
        assert read_all(sock) == b""
    assert collector.summary()["total"] == before


def test_a_kept_alive_connection_is_timed_per_request(collector: EmbeddedCollector) -> None:
    request = b"GET /_collector/all HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with connect(collector) as sock:
        sock.sendall(request)
        first = sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200 ")
        sock.sendall(request[:20])  # the second request starts, and stalls
        assert read_all(sock).startswith(b"HTTP/1.1 408 ")


def test_many_stalled_connections_exhaust_nothing(collector: EmbeddedCollector) -> None:
    fds = open_fds()
    socks = [connect(collector) for _ in range(200)]
    try:
        for i, sock in enumerate(socks):
            sock.sendall(b"GET /_collector/all HTTP/1.1\r\nHost: 127.0.0.1\r\nX-" + b"%d" % i)
        # meanwhile the collector answers as usual
        with httpx.Client(base_url=collector.url, timeout=WAIT) as client:
            assert send(client, event(new_ids(), "view", {"page": f"{URL}/"})).status_code == 200
        for sock in socks:
            assert read_all(sock).startswith(b"HTTP/1.1 408 ")
    finally:
        for sock in socks:
            sock.close()
    # the collector's side of every connection is closed too: no descriptor left over
    with httpx.Client(base_url=collector.url, timeout=WAIT) as client:
        assert client.get("/_collector/all").status_code == 200
    assert open_fds() <= fds + 5
    assert len(collector._server.server_state.connections) <= 1


class Recorder:
    """A transport that records its writes."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


def test_an_answer_leaves_in_one_write() -> None:
    from simulator_app.collector.wire import OneWrite

    transport = Recorder()
    writer = OneWrite(transport)  # type: ignore[arg-type]
    writer.write(b"HTTP/1.1 200 OK\r\n\r\n")
    assert transport.writes == []  # the head waits for its body
    writer.write(b"[1")
    assert transport.writes == [b"HTTP/1.1 200 OK\r\n\r\n[1"]
    writer.write(b",2")  # a streamed answer's later pieces go straight through
    writer.write(b"]")
    assert transport.writes[1:] == [b",2", b"]"]
    alone = OneWrite(transport)  # type: ignore[arg-type]
    alone.write(b"HTTP/1.1 500 head only")
    alone.close()  # what is held leaves before the close
    assert transport.writes[-1] == b"HTTP/1.1 500 head only"
    assert transport.closed and alone.is_closing()


@pytest.mark.parametrize(
    ("request_", "status"),
    [
        (b"HEAD /_collector/all HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", 405),
        (
            b"OPTIONS /jsv1/a/b/c/null/event/view HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            204,
        ),
        (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", 307),
    ],
)
def test_answers_without_a_body_still_leave(
    collector: EmbeddedCollector, request_: bytes, status: int
) -> None:
    with connect(collector) as sock:
        sock.sendall(request_)
        assert read_all(sock).startswith(b"HTTP/1.1 %d " % status)


def test_pipelined_answers_come_whole_and_in_order(collector: EmbeddedCollector) -> None:
    one = b"GET /_collector/faults HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    last = b"GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    with connect(collector) as sock:
        sock.sendall(one * 3 + last)
        answer = read_all(sock)
    assert re.findall(rb"HTTP/1\.1 (\d{3}) ", answer) == [b"200", b"200", b"200", b"404"]


def test_expect_100_continue_is_answered_before_the_body(collector: EmbeddedCollector) -> None:
    body = b'{"page": "https://shop.example.com/"}'
    path = event(new_ids(), "view", {}).path.encode()
    with connect(collector) as sock:
        sock.sendall(
            b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Expect: 100-continue\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body)
        )
        assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue")  # before any body is sent
        sock.sendall(body)
        assert read_all(sock).startswith(b"HTTP/1.1 200 ")


def test_a_body_answered_early_must_still_come_in_time(collector: EmbeddedCollector) -> None:
    """413 goes out at once; the rest of that body may not trickle in forever."""
    path = event(new_ids(), "view", {}).path.encode()
    with connect(collector) as sock:
        sock.sendall(
            b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
        )
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 413 ")


@pytest.mark.parametrize("start", [b"\r\n", b"\r", b"\r\n\r\n"])
def test_bytes_before_a_request_do_not_stop_the_clock(
    collector: EmbeddedCollector, start: bytes
) -> None:
    """Found by the fuzz suite: blank lines (skipped by the parser) before any request."""
    with connect(collector) as sock:
        sock.sendall(start)
        assert read_all(sock) == b""  # closed within the timeout (else read_all fails)


def test_a_connection_kept_alive_after_a_body_is_not_cut_off_later(
    collector: EmbeddedCollector,
) -> None:
    """A body in two reads arms a timer; once the body is in, it must not fire."""
    path = event(new_ids(), "view", {}).path.encode()
    body = b'{"page": "https://shop.example.com/"}'
    head = (
        b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    with connect(collector) as sock:
        sock.sendall(head + body[:5])
        sock.sendall(body[5:])
        assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
        for _ in range(3):  # kept alive, request after request, past the timeout
            sock.sendall(b"GET /_collector/faults HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
            threading.Event().wait(TIMEOUT / 2)


def test_a_bug_in_reading_a_request_is_logged_not_just_refused(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A parser callback that raises is answered 400 like a malformed request (never a 5xx),
    # and, unlike one, it is logged with its traceback: it is a bug to find, not the client's.
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    def broken(self: HttpToolsProtocol) -> None:
        raise LookupError("a bug in reading the head")

    monkeypatch.setattr(HttpToolsProtocol, "on_headers_complete", broken)
    with EmbeddedCollector() as running, connect(running) as sock:
        sock.sendall(b"GET /_collector/all HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 400 ")
    (record,) = [r for r in caplog.records if r.name == "simulator_app.collector"]
    assert record.levelname == "ERROR" and "a bug in reading the head" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is LookupError
