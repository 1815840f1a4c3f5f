"""One request's round trip: a planned request in, exactly one :class:`RequestRecord` out.

:func:`send_planned` is the sender's one send path: the load runner awaits it
for every request, and the desktop app's click-through mode runs the same
coroutine on a small loop of its own (:class:`SingleSender`, :func:`send_one`),
so both write the same bytes and judge answers the same way, with
``contract.judge_response``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

from simulator_app.core.contract import judge_response, read_verdict
from simulator_app.core.journey import PlannedRequest
from simulator_app.core.record import CANCELLED, RequestRecord
from simulator_app.net.throttle import THROTTLED as THROTTLED_WORD
from simulator_app.net.throttle import header_value, is_throttled, throttled_error
from simulator_app.sender.loop import new_event_loop
from simulator_app.sender.network import NetworkSettings, default_network
from simulator_app.sender.transport import MAX_BODY, Answer, SendError
from simulator_app.sender.wire import WireTarget

MAX_BODY_CHARS = MAX_BODY  # a log line stays readable even if a server answers a page
CUT_NOTE = f"\n[answer cut at {MAX_BODY // 1024} KiB; connection closed]"

# What kind of failure a record is (see failure_kind).
ANSWERED = "answered"  # the target answered, with an HTTP error or a wrong identify
UNANSWERED = "unanswered"  # sent, then no (readable) answer: the target may have received it
UNREACHED = "unreached"  # never sent: the target surely did not receive it
THROTTLED = THROTTLED_WORD  # answered 429, or 503 with Retry-After: the target asks to slow down
NOT_SENT_PREFIXES = ("connection error", "connect timeout", "not sent")

# What became of one request, the parts of its record: planned, url, sent at,
# latency in ms, the answer (None when there was none) and why it failed. The
# record itself (decoding, judging) is made from it by record_of, when the
# caller wants it: a load run does it in batches, off the request's path.
Outcome = tuple[PlannedRequest, str, float, float, Answer | None, str | None]
Sink = Callable[[Outcome], None]


class Exchanger(Protocol):
    """What a request is sent on: a :class:`~.transport.Connection`, or a test's stand-in."""

    async def exchange(self, payload: bytes, limit: float) -> Answer: ...

    def close(self) -> None: ...


def failure_kind(status: int | None, error: str | None) -> str | None:
    """None for a success, else which kind of failure a record with these is.

    A cancelled request counts as :data:`CANCELLED`: it was in flight when the
    run stopped (the target may have received it too).
    """
    if error is None:
        return None
    if status is not None:
        return THROTTLED if error.startswith(THROTTLED) else ANSWERED
    if error == CANCELLED:
        return CANCELLED
    if error.startswith(NOT_SENT_PREFIXES):
        return UNREACHED
    return UNANSWERED


async def send_planned(
    planned: PlannedRequest,
    wire: WireTarget,
    connection: Exchanger,
    limit: float,
    sink: Sink,
) -> None:
    """Send ``planned`` on ``connection`` and hand its one :data:`Outcome` to ``sink``.

    ``limit`` bounds the whole exchange in seconds, connecting included.

    Never raises for anything the target or the network does; a cancel is
    recorded as :data:`CANCELLED` and then goes on up.
    """
    sent_at = time.time()
    try:
        url, payload = wire.request(planned.spec, int(sent_at * 1000))
    except SendError as exc:
        sink((planned, wire.base + planned.spec.path, sent_at, 0.0, None, str(exc)))
        return
    started = time.perf_counter()
    try:
        answer = await connection.exchange(payload, limit)
    except asyncio.CancelledError:
        latency = (time.perf_counter() - started) * 1000
        sink((planned, url, sent_at, latency, None, CANCELLED))
        raise
    except SendError as exc:
        latency = (time.perf_counter() - started) * 1000
        sink((planned, url, sent_at, latency, None, str(exc)))
        return
    latency = (time.perf_counter() - started) * 1000
    sink((planned, url, sent_at, latency, answer, None))


def record_of(
    planned: PlannedRequest,
    url: str,
    sent_at: float,
    latency_ms: float,
    answer: Answer | None,
    error: str | None = None,
) -> RequestRecord:
    """The record of one exchange; an answer is judged by the contract."""
    spec = planned.spec
    status: int | None = None
    text = ""
    response_headers: tuple[tuple[str, str], ...] = ()
    if answer is not None:
        status = answer.status
        content = answer.body
        text = content.decode("utf-8", "replace")
        error = judge_response(spec, status, text)
        if status in (429, 503):
            asked = header_value(answer.headers, "retry-after")
            if is_throttled(status, asked):
                error = throttled_error(status, asked)
        if answer.cut:
            text += CUT_NOTE
            response_headers = header_items(answer.headers, b"")
        else:
            response_headers = header_items(answer.headers, content)
        verdict, messages = read_verdict(response_headers)
    else:
        verdict, messages = None, ()
    # Positional (the order of RequestRecord's fields): a record per request.
    return RequestRecord(
        sent_at,
        spec.visitor,
        planned.journey,
        spec.step,
        spec.name,
        spec.method,
        url,
        status,
        latency_ms,
        spec.headers,
        spec.body,
        text,
        error,
        response_headers,
        verdict,
        messages,
    )


_HEADER_CACHE: dict[tuple[object, ...], tuple[tuple[str, str], ...]] = {}
_HEADER_CACHE_SIZE = 256  # a target answers with a few header sets, over and over


def header_items(raw: list[tuple[bytes, bytes]], body: bytes) -> tuple[tuple[str, str], ...]:
    """A response's headers as ``httpx.Response(headers=raw, content=body).headers.items()``.

    Names lower-cased, repeated names joined with ", ", decoded as ASCII, else
    UTF-8, else Latin-1 (one encoding for all); a Content-Length added when the
    body is not empty and the server sent none (a chunked answer), as httpx does.
    """
    key = (*raw, len(body) if body else 0)
    found = _HEADER_CACHE.get(key)
    if found is not None:
        return found
    if body and not any(name.lower() == b"content-length" for name, _ in raw):
        raw = [*raw, (b"Content-Length", str(len(body)).encode("ascii"))]
    encoding = "iso-8859-1"
    for candidate in ("ascii", "utf-8"):
        try:
            for name, value in raw:
                name.decode(candidate)
                value.decode(candidate)
        except UnicodeDecodeError:
            continue
        encoding = candidate
        break
    items: dict[str, str] = {}
    for name, value in raw:
        name_text, text = name.lower().decode(encoding), value.decode(encoding)
        items[name_text] = f"{items[name_text]}, {text}" if name_text in items else text
    result = tuple(items.items())
    if len(_HEADER_CACHE) >= _HEADER_CACHE_SIZE:
        _HEADER_CACHE.clear()
    _HEADER_CACHE[key] = result
    return result


class SingleSender:
    """Sends one planned request at a time, synchronously, for click-through mode.

    The same :func:`send_planned` as a load run, on a small event loop of its
    own; the connection is kept alive between requests. Call it from one
    thread at a time (the app uses a one-thread executor) and :meth:`close` it
    at the end.
    """

    def __init__(
        self, target: str, timeout: float = 10.0, network: NetworkSettings | None = None
    ) -> None:
        self.target = target
        self.wire = WireTarget(target)
        self.timeout = timeout
        self._connection = (network or default_network()).connector()(self.wire.origin)
        self._loop: asyncio.AbstractEventLoop | None = None

    def send(self, planned: PlannedRequest) -> RequestRecord:
        """Send ``planned`` and return its record (never raises for what the target does)."""
        if self._loop is None:
            self._loop = new_event_loop()
        outcomes: list[Outcome] = []
        self._loop.run_until_complete(
            send_planned(planned, self.wire, self._connection, self.timeout, outcomes.append)
        )
        return record_of(*outcomes[0])

    def close(self) -> None:
        """Close the connection and the loop."""
        loop, self._loop = self._loop, None
        self._connection.close()
        if loop is not None:
            loop.run_until_complete(asyncio.sleep(0))  # the transport's close callbacks
            loop.close()


def send_one(
    target: str,
    planned: PlannedRequest,
    timeout: float = 10.0,
    network: NetworkSettings | None = None,
) -> RequestRecord:
    """Send one planned request synchronously on a connection of its own; its record."""
    sender = SingleSender(target, timeout, network)
    try:
        return sender.send(planned)
    finally:
        sender.close()
