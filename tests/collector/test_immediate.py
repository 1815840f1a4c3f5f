"""Tracking requests answered where the wire reads them, against the same through ASGI.

Two collectors get the same bytes in the same order: one answers GET and POST
to ``/jsv1/...`` in the parser's callbacks (the default), the other sends every
request through ASGI (``immediate=False``). Each answer must be the same to
the byte, and each collector must file the same rows: the two ways in share
one judge, and this holds them to it on good requests and on every refusal
the tracking endpoints make.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from simulator_app.collector import EmbeddedCollector
from simulator_app.collector.app import DEFAULT_MAX_BODY
from simulator_app.core.contract import VisitorIds
from simulator_app.core.journey import JourneyEngine
from simulator_app.core.scenario_file import load_scenario

from .conftest import ORG
from .test_wire import read_all

DEMO = "scenarios/demo_mix.yaml"
IDS = VisitorIds(
    ORG, "biscuit_5e0c6a52-63a4-4e0a-9bb8-2d4c1f0e9a11", "7d1f0c1e-2b7a-4d8e-9f00-5a1b2c3d4e5f"
)
EVENT = f"/jsv1/{ORG}/{IDS.roaming_id}/{IDS.nitro_id}/null/event"
JSON = b"Content-Type: application/json\r\n"


def post(path: str, body: bytes, headers: bytes = JSON, version: bytes = b"1.1") -> bytes:
    return (
        b"POST "
        + path.encode()
        + b" HTTP/"
        + version
        + b"\r\nHost: 127.0.0.1\r\n"
        + headers
        + b"Content-Length: %d\r\n\r\n" % len(body)
        + body
    )


def get(target: str, version: bytes = b"1.1") -> bytes:
    return b"GET " + target.encode() + b" HTTP/" + version + b"\r\nHost: 127.0.0.1\r\n\r\n"


def chunked(path: str, body: bytes, size: int = 4096) -> bytes:
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return (
        b"POST "
        + path.encode()
        + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + JSON
        + b"Transfer-Encoding: chunked\r\n\r\n"
        + b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces)
        + b"0\r\n\r\n"
    )


def journey() -> list[bytes]:
    """A real visitor's requests, as the sender would send them."""
    engine = JourneyEngine(load_scenario(DEMO), seed=20261203)
    index = next(i for i in range(500) if len(list(engine.plan(i))) >= 6)
    out = []
    for planned in engine.plan(index):
        spec = planned.spec
        head = b"".join(b"%s: %s\r\n" % (k.encode(), v.encode()) for k, v in spec.headers)
        target = spec.target(1700000000000)
        if spec.method == "GET":
            out.append(get(target)[:-2] + head + b"\r\n")
        else:
            out.append(post(target, (spec.body or "").encode(), head))
    return out


# Every refusal the tracking endpoints make, and answers that differ only by a header.
REFUSED = [
    post(f"{EVENT}/view", b'{"page": "https://shop.example.com/"}'),
    get(f"{EVENT}/view?page=https%3A%2F%2Fshop.example.com%2F&_=1"),
    get(f"{EVENT}/view?page=%FF"),  # the query is not UTF-8
    post(f"{EVENT}/productview", b'{"product_id": 1, "price": NaN}'),
    post(f"{EVENT}/productview", b"[1, 2]"),
    post(f"{EVENT}/productview", b""),
    post(f"{EVENT}/productview", b'{"name": "caf\xe9"}'),  # not UTF-8
    post(f"{EVENT}/productview", b'{"page": 1}', b"Content-Type: text/plain\r\n"),
    post(f"{EVENT}/productview", b'{"page": 1}', b""),  # no Content-Type
    post(f"{EVENT}/teleport", b"{}"),
    post(f"{EVENT}/vi%FFew", b"{}"),
    get(f"{EVENT}/checkout"),  # 405, with Allow
    post(f"/jsv1/{ORG}/{IDS.roaming_id}/{IDS.nitro_id}/null/not-event/view", b"{}"),
    post(f"/jsv1/{ORG}/%FF/{IDS.nitro_id}/null/event/view", b"{}"),
    post(f"/jsv1/{ORG}/r%2Fs/{IDS.nitro_id}/null/event/view", b'{"page": "x"}'),
    get(f"/jsv1/identify/{ORG}/{IDS.roaming_id}/{IDS.nitro_id}/bm90IGpzb24"),
    post(f"/jsv1/identify/{ORG}/{IDS.roaming_id}/{IDS.nitro_id}/e30", b"{}"),
    post(f"{EVENT}/view", b'{"page": "https://shop.example.com/"}', version=b"1.0"),
    get(f"{EVENT}/view?page=https%3A%2F%2Fshop.example.com%2F", version=b"1.0"),
    chunked(f"{EVENT}/view", b'{"page": "https://shop.example.com/", "x": "' + b"y" * 5000 + b'"}'),
    # larger than the limit: one said so by its Content-Length, one that only grows
    post(f"{EVENT}/view", b'{"page": "' + b"y" * DEFAULT_MAX_BODY + b'"}'),
    chunked(f"{EVENT}/view", b'{"page": "' + b"y" * DEFAULT_MAX_BODY + b'"}'),
]


@pytest.fixture
def pair() -> Iterator[tuple[EmbeddedCollector, EmbeddedCollector]]:
    with EmbeddedCollector() as now, EmbeddedCollector(immediate=False) as through_asgi:
        yield now, through_asgi


def exchange(collector: EmbeddedCollector, request: bytes, half_close: bool = True) -> bytes:
    """Send ``request`` on a connection of its own; everything until the collector closes it.

    ``half_close`` says no more will come (the collector closes once it has
    answered); else the last request must ask to close.
    """
    host, port = collector.url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        return read_all(sock)


def filed(collector: EmbeddedCollector) -> list[dict[str, Any]]:
    """Every stored row, oldest first, without its time."""
    collector.app.store.flush()
    rows = collector.app.store.rows(10**12, 0)
    return [{k: v for k, v in row.items() if k != "time"} for row in reversed(rows)]


def test_the_same_requests_get_the_same_answers_and_rows_both_ways(
    pair: tuple[EmbeddedCollector, EmbeddedCollector],
) -> None:
    now, through_asgi = pair
    answered_now = []
    answer_now = now.app.answer_now

    def counted(*args: Any) -> Any:
        answered_now.append(args[1])
        return answer_now(*args)

    now.app.answer_now = counted  # type: ignore[method-assign, assignment]
    requests = journey() + REFUSED
    for request in requests:
        first, second = exchange(now, request), exchange(through_asgi, request)
        assert first == second, request[:120]
        assert first.startswith(b"HTTP/1."), request[:120]
    rows = filed(now)
    assert rows == filed(through_asgi)
    assert len(rows) == len(requests)
    assert {row["status"] for row in rows} >= {200, 400, 404, 405, 413, 415}  # refusals made
    assert sum(row["good"] for row in rows) >= len(journey())  # and the journey was good
    # all but the one whose Content-Length says it is too large were answered where read
    assert len(answered_now) == len(requests) - 1


def test_pipelined_requests_are_answered_in_order_both_ways(
    pair: tuple[EmbeddedCollector, EmbeddedCollector],
) -> None:
    """Answered here, behind an answer through ASGI (a preflight), and in front of one."""
    now, through_asgi = pair
    preflight = (
        f"OPTIONS {EVENT}/view HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://shop.example.com"
        "\r\n\r\n"
    ).encode()
    last = REFUSED[0].replace(b"Host: ", b"Connection: close\r\nHost: ")
    stream = b"".join([*REFUSED[:3], preflight, *REFUSED[3:6], get("/_collector/all"), last])
    # (no half-close: uvicorn drops what it has not answered when the client's side ends)
    first = exchange(now, stream, half_close=False)
    second = exchange(through_asgi, stream, half_close=False)
    # the summary's own figures are the same too: both filed the same requests so far
    assert first == second
    statuses = [int(s) for s in re.findall(rb"HTTP/1\.1 (\d{3}) ", first)]
    assert statuses == [200, 200, 400, 204, 400, 400, 400, 200, 200]


def test_faults_send_every_request_through_asgi() -> None:
    """A dropped connection has no answer: only the ASGI way in can drop one."""
    from simulator_app.collector.faults import DROP, FaultSettings

    with EmbeddedCollector(faults=FaultSettings(drop_rate=1.0)) as collector:
        assert exchange(collector, REFUSED[0]) == b""
        assert collector.app.fault_counts[DROP] == 1


def test_requests_pipelined_after_a_close_are_not_answered_nor_logged_as_errors(
    pair: tuple[EmbeddedCollector, EmbeddedCollector], caplog: pytest.LogCaptureFixture
) -> None:
    now, through_asgi = pair
    closing = REFUSED[0].replace(b"Host: ", b"Connection: close\r\nHost: ")
    stream = closing + REFUSED[1] + REFUSED[3]
    with caplog.at_level(logging.ERROR):
        first = exchange(now, stream, half_close=False)
        second = exchange(through_asgi, stream, half_close=False)
    assert first == second
    assert first.count(b"HTTP/1.1 ") == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_client_that_does_not_read_its_answers_gets_them_all_in_order() -> None:
    """Thousands pipelined, unread: the answers back up, and the collector must stop
    reading (uvicorn's flow control) rather than buffer them all; none is lost."""
    count = 60_000  # the kernel holds the answers to some 20,000 before writes back up
    requests = [
        get(f"{EVENT}/view?page=https%3A%2F%2Fshop.example.com%2F&_={i}") for i in range(count)
    ]
    requests[-1] = requests[-1].replace(b"Host: ", b"Connection: close\r\nHost: ")
    with EmbeddedCollector() as collector:
        host, port = collector.url.removeprefix("http://").rsplit(":", 1)
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window
            sock.settimeout(30)
            sock.connect((host, int(port)))
            sender = threading.Thread(target=sock.sendall, args=(b"".join(requests),))
            sender.start()
            # nothing is read until the collector's writes have backed up
            deadline = time.monotonic() + 30
            while not _writes_paused(collector) and time.monotonic() < deadline:
                time.sleep(0.01)
            paused = _writes_paused(collector)
            held = []  # what the collector holds unsent, while the client still reads nothing
            for _ in range(50):
                held.append(_unsent(collector))
                time.sleep(0.01)
            out = read_all(sock)
            sender.join(timeout=30)
        assert paused, "the collector's writes never backed up: the test proves nothing"
        # about uvicorn's 64 KiB high-water mark and the answers to one read: not 40,000
        assert max(held) < 1 << 20, max(held)
        assert out.count(b"HTTP/1.1 200 OK") == count
        rows = filed(collector)
    assert [row["path"].rsplit("=", 1)[1] for row in rows] == [str(i) for i in range(count)]


def _unsent(collector: EmbeddedCollector) -> int:
    server = collector._server
    return sum(c.transport.get_write_buffer_size() for c in server.server_state.connections)


def _writes_paused(collector: EmbeddedCollector) -> bool:
    server = collector._server  # the uvicorn Server: its connections' flow control
    return any(c.flow.write_paused for c in server.server_state.connections)


@pytest.mark.parametrize("immediate", [True, False])
def test_ids_that_do_not_decode_are_refused_before_the_body_is_read(immediate: bool) -> None:
    """As before the two ways in: a broken id wins over the body's type, size or text."""
    path = f"/jsv1/{ORG}/%FF/{IDS.nitro_id}/null/event/view"
    bodies = [
        post(path, b'{"page": 1}', b"Content-Type: text/plain\r\n"),
        post(path, b'{"page": "caf\xe9"}'),
    ]
    with EmbeddedCollector(immediate=immediate) as collector:
        for request in bodies:
            answer = exchange(collector, request)
            assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
            assert b"roaming_id is not UTF-8" in answer


def test_an_idle_connection_after_an_early_refusal_waits_for_keep_alive_not_a_body() -> None:
    """A 413 answered before its body ended, then a request answered where read: the
    connection is idle, not waiting for a body, so the header timeout must not close it."""
    timeout = 0.3
    path = f"{EVENT}/view".encode()
    head = (
        b"POST "
        + path
        + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + JSON
        + b"Content-Length: %d\r\n\r\n" % (DEFAULT_MAX_BODY + 1000)
    )
    with EmbeddedCollector(header_timeout=timeout) as collector:
        host, port = collector.url.removeprefix("http://").rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(head + b"{")
            assert sock.recv(65536).startswith(b"HTTP/1.1 413 ")
            sock.sendall(b" " * (DEFAULT_MAX_BODY + 999))  # the rest of that body
            sock.sendall(REFUSED[1])  # a GET answered where it is read
            assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
            # idle now: ten header timeouts later the connection is still open (uvicorn's
            # keep-alive is 5 s); a read that times out says so, a closed one returns b""
            sock.settimeout(timeout * 10)
            with pytest.raises(TimeoutError):
                sock.recv(1)


def test_an_answer_made_during_a_graceful_stop_says_it_closes() -> None:
    """As uvicorn's own: a request still arriving when the collector stops is answered,
    with ``connection: close``, and then the connection is closed."""
    request = REFUSED[0]
    with EmbeddedCollector() as collector:
        host, port = collector.url.removeprefix("http://").rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(request[:-5])
            connections = collector._server.server_state.connections
            deadline = time.monotonic() + 60
            while not connections and time.monotonic() < deadline:
                time.sleep(0.01)
            (connection,) = connections
            stopping = threading.Thread(target=collector.stop)
            stopping.start()
            while not connection._closing and time.monotonic() < deadline:
                time.sleep(0.01)
            assert connection._closing, "the collector never began to stop"
            sock.sendall(request[-5:])
            answer = read_all(sock)
            stopping.join(timeout=60)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert b"\r\nconnection: close\r\n" in answer
