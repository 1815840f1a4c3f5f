"""Fuzzing the sender's wire: raw sockets on 127.0.0.1 answer with random and hostile bytes.

Hypothesis builds answers from HTTP's pieces (status lines, headers, bodies,
chunked framing), breaks them (huge numbers, garbage, many interim answers,
answers cut short or sent twice) and splits them at random points; the real
transport reads them. Whatever arrives: no exception escapes, every request
ends in exactly one record, no record keeps more than 64 KiB of an answer,
memory stays bounded and nothing waits past the request's timeout.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator_app.core.contract import RequestSpec
from simulator_app.core.journey import PlannedRequest
from simulator_app.core.record import RequestRecord
from simulator_app.core.scenario_file import load_scenario
from simulator_app.sender import LoadRun, RunSettings, SingleSender
from simulator_app.sender.exchange import CUT_NOTE, MAX_BODY_CHARS
from tests.sender.conftest import write_scenario
from tests.sender.raw_server import Piece, RawServer, hang_up

TIMEOUT = 0.25  # seconds per request: an answer that never completes costs this
SLACK = 0.75  # what a request may take past its timeout on a busy machine
MEMORY = 4 * 1024**2  # bytes one exchange may allocate at its peak

numbers = st.one_of(
    st.integers(0, 10**6).map(lambda n: str(n).encode()),
    st.integers(1, 6000).map(lambda n: b"9" * n),
    st.sampled_from([b"-1", b"1e3", b"0x10", b" 5", b"", b"18446744073709551616"]),
)
status_lines = st.one_of(
    st.sampled_from(
        [
            b"HTTP/1.1 200 OK",
            b"HTTP/1.1 204 No Content",
            b"HTTP/1.1 304 Not Modified",
            b"HTTP/1.0 200 OK",
            b"HTTP/1.1 100 Continue",
            b"HTTP/1.1 101 Switching Protocols",
            b"HTTP/1.1 503 Busy",
            b"HTTP/2 200",
            b"ICE/1.0 200 OK",
        ]
    ),
    numbers.map(lambda n: b"HTTP/1.1 " + n + b" X"),
    st.binary(max_size=40),
)
headers = st.lists(
    st.one_of(
        st.tuples(
            st.sampled_from(
                [b"Content-Length", b"content-length", b"Transfer-Encoding", b"Connection", b"X-A"]
            ),
            st.one_of(
                numbers, st.sampled_from([b"chunked", b"close", b"keep-alive", b"gzip, chunked"])
            ),
        ),
        st.tuples(st.binary(max_size=16), st.binary(max_size=24)),
    ),
    max_size=5,
)
chunks = st.lists(
    st.tuples(
        st.one_of(st.integers(0, 300).map(lambda n: b"%x" % n), numbers), st.binary(max_size=300)
    ),
    max_size=4,
).map(lambda parts: b"".join(size + b"\r\n" + data + b"\r\n" for size, data in parts))
bodies = st.one_of(
    st.binary(max_size=300),
    chunks,
    chunks.map(lambda framing: framing + b"0\r\n\r\n"),
    st.sampled_from([b"x" * 70_000, b"0\r\n" + b"T: t\r\n" * 2000]),
)


@st.composite
def answers(draw: st.DrawFn) -> bytes:
    """An answer from HTTP's pieces, each of which may be broken."""
    head = draw(status_lines) + b"\r\n"
    head += b"".join(name + b": " + value + b"\r\n" for name, value in draw(headers))
    return head + draw(st.sampled_from([b"\r\n", b"", b"\n"])) + draw(bodies)


@st.composite
def framed_answers(draw: st.DrawFn) -> bytes:
    """A well-formed answer (so the stream gets past the head), maybe lying about its length."""
    status = draw(st.sampled_from([b"200 OK", b"201 Created", b"404 Not Found", b"100 Continue"]))
    body = draw(st.binary(max_size=300))
    if draw(st.booleans()):
        length = len(body) + draw(st.sampled_from([0, 0, 0, 1, -1, 1000]))
        framing = b"Content-Length: %d\r\n" % max(0, length)
        payload = body
    else:
        framing = b"Transfer-Encoding: chunked\r\n"
        payload = (b"%x\r\n" % len(body) + body + b"\r\n" if body else b"") + b"0\r\n\r\n"
    extra = draw(st.sampled_from([b"", b"Connection: close\r\n", b"X-A: b\r\n"]))
    return b"HTTP/1.1 " + status + b"\r\n" + framing + extra + b"\r\n" + payload


streams = st.one_of(
    st.lists(answers(), min_size=1, max_size=3).map(b"".join),
    st.lists(st.one_of(framed_answers(), answers()), min_size=1, max_size=3).map(b"".join),
    st.lists(framed_answers(), min_size=1, max_size=3).map(b"".join),
    st.binary(max_size=2000),
    st.sampled_from(
        [
            b"HTTP/1.1 100 Continue\r\n\r\n" * 3000,
            b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 20_000,
            b"HTTP/1.1 200 OK\r\nContent-Length: 300000000\r\n\r\n" + b"z" * 200_000,
        ]
    ),
)


@st.composite
def deliveries(draw: st.DrawFn) -> list[Piece]:
    """The stream, cut at random points, then the connection closed or left open."""
    stream = draw(streams)
    cuts = sorted(draw(st.lists(st.integers(0, len(stream)), max_size=4)))
    pieces: list[Piece] = [
        stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)
    ]
    if draw(st.booleans()):
        pieces.append(hang_up)
    return pieces


class FuzzServer(RawServer):
    """A raw server that answers each request with the current example's pieces."""

    def __init__(self) -> None:
        self.pieces: list[Piece] = []
        super().__init__(lambda _, __: list(self.pieces))


VIEW = PlannedRequest(
    RequestSpec(
        "POST",
        "/jsv1/o/r/n/null/event/view",
        (("Content-Type", "application/json"),),
        '{"page":"https://shop.example.com/"}',
        "event/view",
        "view",
        0,
    ),
    0.0,
    "fuzz",
)


@pytest.fixture(scope="module")
def server() -> Iterator[FuzzServer]:
    with FuzzServer() as running:
        yield running


def check_record(record: RequestRecord) -> None:
    assert len(record.response_body) <= MAX_BODY_CHARS + len(CUT_NOTE)
    if record.status is None:
        assert record.error, "a request without an answer says why"
    assert "\n" not in (record.error or "") and len(record.error or "") < 200


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(pieces=deliveries())
def test_any_answer_ends_in_one_record_in_time_and_bounded_memory(
    server: FuzzServer, pieces: list[Piece]
) -> None:
    server.pieces = pieces
    sender = SingleSender(server.url, timeout=TIMEOUT)
    tracemalloc.start()
    try:
        started = time.monotonic()
        record = sender.send(VIEW)  # raises nothing, whatever arrives
        took = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        sender.close()
    check_record(record)
    assert took < TIMEOUT + SLACK
    assert peak < MEMORY, f"{peak / 1024**2:.1f} MB"


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(kinds=st.lists(deliveries(), min_size=1, max_size=6))
def test_a_run_against_a_hostile_target_accounts_for_every_request(
    server: FuzzServer, kinds: list[list[Piece]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Every answer of the run is one of ``kinds``, in turn; 6 visitors of 6 requests.
    turn = iter(range(10**6))
    lock = threading.Lock()

    def pick() -> list[Piece]:
        with lock:
            return list(kinds[next(turn) % len(kinds)])

    server.respond = lambda _, __: pick()
    folder: Path = tmp_path_factory.mktemp("fuzz")
    scenario = load_scenario(write_scenario(folder))
    scenario = dataclasses.replace(scenario, schedule=dataclasses.replace(scenario.schedule))
    records: list[RequestRecord] = []
    run = LoadRun(
        scenario,
        RunSettings(target=server.url, concurrency=3, think_scale=0.0, timeout=TIMEOUT),
        on_records=records.extend,
    )
    started = time.monotonic()
    result = run.run()
    assert time.monotonic() - started < 36 * TIMEOUT / 3 + 5
    assert result.requests == len(records) == 36
    for record in records:
        check_record(record)
    failures = sum(not r.ok for r in records)
    assert result.failures == failures
    assert (
        result.answered_failures + result.unanswered + result.unreached + result.cancelled
        == failures
    )
