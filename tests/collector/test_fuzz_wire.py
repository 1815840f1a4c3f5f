"""The collector fuzzed on the wire: any bytes, and HTTP/1.1 of every malformed
shape, on raw sockets to a running collector. Whatever is sent: no answer is a 5xx, no
error is logged (no traceback), every connection ends (the header timeout is short
here), and afterwards no connection or file descriptor is left and the collector serves.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator_app.collector import EmbeddedCollector
from tests.factory import NITRO, ORG, ROAMING

WAIT = 15.0  # seconds a connection may stay open before the test fails
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class Errors(logging.Handler):
    """Every record at ERROR or above, from the collector or uvicorn."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def wired() -> Iterator[tuple[EmbeddedCollector, Errors]]:
    errors = Errors()
    loggers = [logging.getLogger(name) for name in ("uvicorn", "simulator_app", "asyncio")]
    for logger in loggers:
        logger.addHandler(errors)
    fds = len(os.listdir("/proc/self/fd"))
    try:
        with EmbeddedCollector(header_timeout=0.1) as collector:
            # a request without Connection: close is kept alive: 5 s by default, too long here
            collector._server.config.timeout_keep_alive = 0.1
            yield collector, errors
            with httpx.Client(base_url=collector.url, timeout=WAIT) as client:
                assert client.get("/_collector/all").status_code == 200  # still serving
            assert len(collector._server.server_state.connections) <= 1
    finally:
        for logger in loggers:
            logger.removeHandler(errors)
    assert len(os.listdir("/proc/self/fd")) <= fds + 5
    assert [r.getMessage() for r in errors.records] == []


def exchange(collector: EmbeddedCollector, data: bytes) -> bytes:
    """Send ``data``, then read until the collector closes the connection."""
    host, port = collector.url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=WAIT) as sock:
        # refused while sending is fine: the answer (if any) is read below
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
        out = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                return out
            except TimeoutError:
                pytest.fail(f"the connection stayed open; sent {data[:200]!r}")
            if not chunk:
                return out
            out += chunk


def statuses(answer: bytes) -> list[int]:
    """The status of every response in ``answer`` (pipelined ones included)."""
    # (an answer's body need not end its line: the next status line may follow it at once)
    return [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3}) ", answer)]


def check(answer: bytes) -> None:
    codes = statuses(answer)
    assert all(code < 500 for code in codes), answer[:500]
    assert answer == b"" or codes, answer[:200]  # whatever came back is HTTP


TARGETS = [
    f"/jsv1/{ORG}/{ROAMING}/{NITRO}/null/event/view",
    f"/jsv1/{ORG}/{ROAMING}/{NITRO}/null/event/updatecart?_=1",
    f"/jsv1/identify/{ORG}/{ROAMING}/{NITRO}/eyJuYW1lIjoiYSJ9",
    "/_collector/all",
    "/_collector/faults",
    "/_collector/reset",
    "/_collector/good?limit=3",
    "/",
    "*",
    "/jsv1/%FF%FE/../../x",
    "http://127.0.0.1/jsv1/x",
]
methods = st.sampled_from(["GET", "POST", "PUT", "OPTIONS", "HEAD", "DELETE", "CONNECT", "PRI"])
NAMES = ["Host", "Content-Type", "Content-Length", "Transfer-Encoding", "Expect", "Connection"]
NAMES += ["Upgrade", "Origin", "Sec-Fetch-Site", "X-Nitro-Id", "X-Forwarded-For"]
VALUES = ["application/json", "text/plain", "chunked", "100-continue", "close", "keep-alive"]
VALUES += ["0", "5", "-1", "9" * 30, "12, 12", "websocket", "h2c", "http://evil.example"]
VALUES += ["127.0.0.1", "evil.example", "cross-site", ""]
BODIES = [b"", b'{"page": "https://shop.example.com/"}', b'{"page": NaN}', b"[" * 500]
BODIES += [b'{"error_rate": 0}', b"0\r\n\r\n", b"5\r\nhello\r\n0\r\n\r\n", b"zz\r\n"]
header_names = st.sampled_from(NAMES) | st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=12
)
header_values = st.sampled_from(VALUES) | st.binary(max_size=20).map(lambda b: b.decode("latin-1"))
bodies = st.sampled_from(BODIES) | st.binary(max_size=200)


@st.composite
def requests(draw: st.DrawFn) -> bytes:
    """One HTTP/1.1-shaped request, often malformed; usually asking for the close."""
    method = draw(methods | st.text(max_size=6))
    target = draw(st.sampled_from(TARGETS) | st.text(max_size=40))
    version = draw(st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.1x", ""]))
    headers = draw(st.lists(st.tuples(header_names, header_values), max_size=8))
    body = draw(bodies)
    if draw(st.booleans()):
        headers.append(("Content-Length", str(len(body))))
    if draw(st.integers(0, 9)):
        headers.append(("Connection", "close"))
    if draw(st.integers(0, 9)):
        headers.insert(0, ("Host", "127.0.0.1"))
    head = f"{method} {target} {version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
    return head.encode("utf-8", "surrogatepass") + b"\r\n" + body


@FUZZ
@given(data=st.binary(max_size=600))
def test_any_bytes(wired: tuple[EmbeddedCollector, Errors], data: bytes) -> None:
    check(exchange(wired[0], data))


@FUZZ
@given(data=requests())
def test_any_request_shape(wired: tuple[EmbeddedCollector, Errors], data: bytes) -> None:
    check(exchange(wired[0], data))


@settings(FUZZ, max_examples=100)
@given(data=st.lists(requests(), min_size=2, max_size=4).map(b"".join))
def test_pipelined_requests(wired: tuple[EmbeddedCollector, Errors], data: bytes) -> None:
    check(exchange(wired[0], data))
