"""Hostile answers, from raw sockets on 127.0.0.1: each is one failure with a plain cause.

No exception escapes the sender, nothing waits past the request's timeout,
and nothing the target sends makes it keep more than 64 KiB of an answer.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Iterator

import pytest

from simulator_app.core.journey import JourneyEngine, PlannedRequest
from simulator_app.core.model import Scenario
from simulator_app.core.record import RequestRecord
from simulator_app.sender import send_one
from simulator_app.sender.exchange import CUT_NOTE, MAX_BODY_CHARS
from tests.sender.raw_server import Piece, RawServer, hang_up

TIMEOUT = 1.0
MAY_HAVE = "the target may have received it"


def forever(*pieces: Piece) -> Iterator[Piece]:
    return itertools.chain.from_iterable(itertools.repeat(pieces))


def pause() -> None:
    time.sleep(0.05)


HOSTILE: dict[str, tuple[Iterable[Piece], str]] = {
    "5000-digit Content-Length": (
        [b"HTTP/1.1 200 OK\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\nok"],
        "broken answer: Content-Length is not a number",
    ),
    "5000-digit status": (
        [b"HTTP/1.1 " + b"2" * 5000 + b" OK\r\nContent-Length: 2\r\n\r\nok"],
        "broken answer: the status is not a 3-digit number",
    ),
    "3000 interim answers": (
        [b"HTTP/1.1 100 Continue\r\n\r\n" * 3000, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"],
        "broken answer: more than 8 interim answers",
    ),
    "garbage for a status line": ([b"SMTP ready\r\n\r\n"], "broken answer: no HTTP status line"),
    "a header block that never ends": (
        itertools.chain([b"HTTP/1.1 200 OK\r\n"], forever(b"X-Again: " + b"a" * 1000 + b"\r\n")),
        "broken answer: headers longer than 64 KiB",
    ),
    "a header block that never ends, slowly": (
        itertools.chain([b"HTTP/1.1 200 OK\r\n"], forever(pause, b"X-Again: a\r\n")),
        f"timed out; {MAY_HAVE}",
    ),
    "chunked trailers that never end": (
        itertools.chain(
            [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n"],
            forever(b"X-Trailer: " + b"t" * 1000 + b"\r\n"),
        ),
        "broken answer: over 1 MiB of framing without its end",
    ),
    "a chunk size past any number": (
        [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"f" * 100 + b"\r\n"],
        "broken answer: a chunk size is not a number",
    ),
    "two Content-Lengths": (
        [b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok"],
        "broken answer: two Content-Length headers",
    ),
    "a switch to another protocol": (
        [b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n"],
        "broken answer: the target switched protocols",
    ),
    "a body shorter than its Content-Length, then a close": (
        [b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok", hang_up],
        "connection closed in the middle of the answer",
    ),
}


@pytest.fixture
def view(scenario: Scenario) -> PlannedRequest:
    return next(iter(JourneyEngine(scenario).plan(0)))


def send_to(pieces: Iterable[Piece], planned: PlannedRequest) -> tuple[RequestRecord, float]:
    def respond(_: int, __: bytes) -> Iterable[Piece]:
        return pieces

    with RawServer(respond) as server:
        started = time.monotonic()
        record = send_one(server.url, planned, timeout=TIMEOUT)
        took = time.monotonic() - started
    return record, took


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_a_hostile_answer_is_one_failure_with_a_plain_cause(
    case: str, view: PlannedRequest
) -> None:
    pieces, cause = HOSTILE[case]
    record, took = send_to(pieces, view)
    assert (record.status, record.error) == (None, cause)
    assert took < TIMEOUT + 1.0


def test_an_endless_body_is_cut_at_64_kib_and_an_event_still_succeeds(
    view: PlannedRequest,
) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 300000000\r\n\r\n"
    record, took = send_to(itertools.chain([head], forever(b"x" * 65536)), view)
    assert record.ok and record.status == 200
    assert record.response_body == "x" * MAX_BODY_CHARS + CUT_NOTE
    assert "answer cut at 64 KiB; connection closed" in record.response_body
    assert took < TIMEOUT


def test_a_huge_identify_answer_is_a_failure(scenario: Scenario) -> None:
    identify = next(p for p in JourneyEngine(scenario).plan(0) if p.spec.step == "identify")
    nitro = (identify.spec.expect or "").encode()
    # The nitro_id, then endless more: not the nitro_id.
    pieces = itertools.chain([b"HTTP/1.1 200 OK\r\n\r\n" + nitro], forever(b"y" * 65536))
    record, _ = send_to(pieces, identify)
    assert record.status == 200 and not record.ok
    assert (record.error or "").startswith("identify answered")
    assert record.response_body.endswith(CUT_NOTE)
