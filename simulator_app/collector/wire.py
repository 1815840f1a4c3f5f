"""The collector's HTTP/1.1 connections: uvicorn's httptools protocol, with the limits it lacks.

uvicorn's httptools path bounds neither a request's head (its h11 path does,
with ``h11_max_incomplete_event_size``) nor the time a client may take to
send it, so one client could send a 100 MB header, or hold connections
half-open (slowloris) until file descriptors run out. The protocol made by
:func:`protocol_class` adds both:

- the request line and headers together may hold ``max_head`` bytes; beyond,
  the answer is ``431 Request Header Fields Too Large`` and the connection
  is closed (checked exactly once the head is complete, and on the bytes
  received while it is not, so a head that never ends is cut off too);
- a request's head must arrive within ``timeout`` seconds of the connection
  opening (or of its first byte, on a kept-alive connection), and its body
  within ``timeout`` seconds of its head; otherwise ``408 Request Timeout``
  (or, mid-body, just the close) and the connection is closed.

These requests never reach the application, so they are not stored. A timer
is armed only when a read ends with a request incomplete: a request that
arrives in one read, as nearly all do, costs none.

A tracking GET or POST (``/jsv1/...``) is answered where it is read: once
its body is complete, the parser's callback hands it to the application's
:meth:`Immediate.answer_now` and writes the answer, with no ASGI scope, task
or request cycle (those cost more than the collector's checks and its store
together: 47k req/s against uvicorn's 22k for the same canned answer, wrk on
one CPU). Everything else goes through ASGI as before: the inspection API,
preflights, ``Expect: 100-continue``, a path that is not ASCII, a request
pipelined behind one still being answered, one that arrives while the
client is not reading its answers (uvicorn then stops reading until it
does) or after the connection was closed, and every request while faults
are injected (they wait, drop connections and answer through ASGI). The
answer bytes are the same either way (``tests/collector/test_immediate.py``).

It also sends a small answer in one write instead of two: uvicorn writes an
answer's head and its body separately, each a system call on an idle
connection; the head is held (:class:`OneWrite`) until the body joins it
(every answer but HEAD's writes a body, if only an empty one; closing sends
what is held).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

from simulator_app.collector.asgi import Headers
from simulator_app.collector.bodies import stated_too_large

DEFAULT_MAX_HEAD = 32 * 1024  # bytes of request line and headers
DEFAULT_TIMEOUT = 10.0  # seconds to receive a request's head, and then its body
MAX_HELD = 1024  # answers of one connection waiting for the store (about one read of them)
LOG = logging.getLogger("simulator_app.collector")


class Immediate(Protocol):
    """What the wire needs of an application to answer tracking requests where they are read."""

    max_body: int

    def answers_now(self) -> bool:
        """False while every request must go through ASGI (faults)."""
        ...

    def answer_now(
        self, method: str, path: str, query: bytes, headers: Headers, body: bytes
    ) -> tuple[int, bytes, Headers]:
        """Status, body and headers (with Content-Length) for a request read whole."""
        ...

    def when_stored(self, done: Callable[[bool], None]) -> None:
        """``done(True)`` once the requests answered so far are stored, else ``done(False)``."""
        ...

    @property
    def unstorable(self) -> tuple[int, bytes, Headers]:
        """The answer instead of one whose request could not be stored (a 503)."""
        ...


class Held:
    """An answer made where its request was read, waiting for the store to keep the request.

    It stands as the connection's request cycle meanwhile (uvicorn reads
    ``response_complete``, ``keep_alive``, ``disconnected``, ``message_event``),
    so a request pipelined behind it waits in uvicorn's pipeline, and its
    answer follows this one.
    """

    __slots__ = (
        "data",
        "disconnected",
        "keep_alive",
        "message_event",
        "more_body",
        "protocol",
        "refused",
        "response_complete",
    )

    def __init__(self, protocol: Any, data: bytes, refused: bytes, keep_alive: bool) -> None:
        self.protocol = protocol
        self.data = data  # the answer, sent once the request is stored
        self.refused = refused  # the 503 sent instead when it is not
        self.keep_alive = keep_alive
        self.response_complete = False
        self.disconnected = False
        self.more_body = False
        self.message_event = _NO_EVENT

    def release(self, stored: bool) -> None:
        """Send the answer (or, not ``stored``, the 503) and let the connection go on."""
        self.response_complete = True
        protocol = self.protocol
        transport = protocol.transport
        if self.disconnected or transport.is_closing():
            return
        transport.write(self.data if stored else self.refused)
        if not self.keep_alive or protocol._closing:
            transport.close()
        elif protocol._last_held is self:  # the last one held: the connection goes on
            protocol._last_held, protocol._held = None, 0
            protocol.on_response_complete()  # counts it, resumes reading, starts a pipelined one
        else:  # one held answer of several: the later ones follow in the same turn, in order
            protocol.server_state.total_requests += 1


class _NoEvent:
    """What uvicorn sets on a lost connection's cycle; a held answer waits on nothing."""

    def set(self) -> None:
        pass


_NO_EVENT = _NoEvent()


class _Refused(Exception):
    """Raised in a parser callback to stop parsing a request that gets refused."""


class OneWrite:
    """One answer's transport as its request cycle sees it: the head waits for the body.

    The first write (the head) is held and sent with the second (the first
    piece of the body), in one system call; every later write goes straight
    through. Closing sends what is held first. One per request, so pipelined
    answers never share what is held.
    """

    __slots__ = ("held", "passing", "transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self.held: bytes | None = None
        self.passing = False  # the head has left: write straight through

    def write(self, data: bytes) -> None:
        if self.passing:
            self.transport.write(data)
        elif self.held is None:
            self.held = data
        else:
            held, self.held, self.passing = self.held, None, True
            self.transport.write(held + data)

    def flush(self) -> None:
        held = self.held
        if held is not None:
            self.held, self.passing = None, True
            self.transport.write(held)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def __getattr__(self, name: str) -> Any:  # is_closing, abort, get_extra_info...
        return getattr(self.transport, name)


def protocol_class(
    max_head: int = DEFAULT_MAX_HEAD,
    timeout: float = DEFAULT_TIMEOUT,
    immediate: Immediate | None = None,
) -> Any:
    """A subclass of uvicorn's ``HttpToolsProtocol`` with these limits (``Config(http=...)``).

    With ``immediate``, tracking requests are answered by it where they are
    read (see the module's text); without, every request goes through ASGI.
    """
    import httptools
    from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

    base = HttpToolsProtocol
    # the last answer head made, reused while answers share their headers (good ones do)
    last_head: list[Any] = [None, 0, False, b""]  # headers, status, keep-alive, bytes

    def make_head(status: int, headers: Headers, keep_alive: bool) -> bytes:
        lines = [STATUS_LINE[status]]  # as uvicorn writes a head (its default headers are off)
        for name, value in headers:
            lines += (name, b": ", value, b"\r\n")
        if not keep_alive:
            lines.append(b"connection: close\r\n")
        lines.append(b"\r\n")
        return b"".join(lines)

    def answer_bytes(status: int, headers: Headers, body: bytes, keep_alive: bool) -> bytes:
        if headers is last_head[0] and status == last_head[1] and keep_alive == last_head[2]:
            head: bytes = last_head[3]
        else:
            head = make_head(status, headers, keep_alive)
            last_head[:] = headers, status, keep_alive, head
        return head + body

    # the 503 sent instead of an answer whose request the store could not keep
    refused_answer = {False: b"", True: b""}
    if immediate is not None:
        refused_status, refused_body, refused_headers = immediate.unstorable
        for alive in (False, True):
            refused_answer[alive] = make_head(refused_status, refused_headers, alive) + refused_body

    max_body_now = immediate.max_body if immediate is not None else 0

    class CollectorProtocol(HttpToolsProtocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._in_head = False  # a request's head has begun and is not complete
            self._head_seen = 0  # bytes read while in the head, but for its first read
            self._read = 0  # bytes in the read being parsed
            self._refusal: tuple[int, bytes] | None = None
            self._timer: asyncio.TimerHandle | None = None
            self._timing_body = False  # the timer waits for a body (else a head or a request)
            self._now: tuple[str, bool] | None = None  # answered here: method, keep-alive
            self._now_body: list[bytes] = []  # its body's pieces, kept up to past max_body
            self._now_size = 0
            self._closing = False  # shut down once the request being read is answered
            self._last_held: Held | None = None  # answers held for the store: the latest
            self._held = 0  # answers held, of which that is the latest

        # -- the connection --------------------------------------------------------

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()  # the first request must come in time too

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            # uvicorn's data_received, with the refusals added
            self._unset_keepalive_if_required()
            self._read = len(data)
            if self._in_head:
                self._head_seen += self._read
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserUpgrade:
                if self._should_upgrade():
                    self.handle_websocket_upgrade()
                else:
                    self._unsupported_upgrade_warning()
            except httptools.HttpParserError as exc:
                cause = exc.__context__
                if (
                    self._refusal is None
                    and cause is not None
                    and not isinstance(cause, httptools.HttpParserError)
                ):
                    # not the request's fault: a callback (ours or uvicorn's) raised
                    LOG.error("reading a request failed: %r", cause, exc_info=cause)
                status, reason = self._refusal or (400, b"Invalid HTTP request received.")
                self._refuse(status, reason)
                return
            if self._in_head:
                if self._head_seen > max_head:
                    self._refuse(431, _too_large(max_head))
                elif self._timer is None:
                    self._arm()
            elif self._body_open():
                if self._timer is None:
                    self._arm(body=True)
            elif self._timing_body:  # that body is complete (a timer for a first request stays)
                self._disarm()

        # -- the parser's callbacks --------------------------------------------------

        # (the base class is called by name: cheaper than super() on every request)
        def on_message_begin(self) -> None:
            base.on_message_begin(self)
            self._in_head = True
            self._head_seen = 0  # this read's share of the head is unknown: checked below

        def on_headers_complete(self) -> None:
            self._in_head = False
            if self._timer is not None:
                self._disarm()
            if self._head_seen + self._read > max_head and self._head_size() > max_head:
                self._refusal = (431, _too_large(max_head))
                raise _Refused
            if immediate is not None and self._takes_now():
                return  # answered in on_message_complete
            base.on_headers_complete(self)
            # Hold an answer's head for its body, but for "100 Continue" (it must leave at
            # once) and HEAD (its answer has no body to wait for).
            cycle = self.cycle
            if (
                cycle is not None
                and not self.expect_100_continue
                and self.scope["method"] != "HEAD"
            ):
                cycle.transport = OneWrite(self.transport)  # type: ignore[assignment]  # duck-typed

        def on_body(self, body: bytes) -> None:
            if self._now is None:
                base.on_body(self, body)
            elif self._now_size <= max_body_now:  # beyond, it is refused whatever follows
                self._now_body.append(body)
                self._now_size += len(body)

        def on_message_complete(self) -> None:
            now = self._now
            if now is None:
                base.on_message_complete(self)
                return
            assert immediate is not None
            self._now = None
            method, keep_alive = now
            keep_alive = keep_alive and not self._closing  # as uvicorn answers in a shutdown
            pieces, self._now_body, self._now_size = self._now_body, [], 0
            body = pieces[0] if len(pieces) == 1 else b"".join(pieces)
            url = httptools.parse_url(self.url)
            status, answer, headers = immediate.answer_now(
                method, url.path.decode("latin-1"), url.query or b"", self.headers, body
            )
            # the answer leaves once the store holds the request (a 503 if it cannot)
            held = Held(
                self,
                answer_bytes(status, headers, answer, keep_alive),
                refused_answer[keep_alive],
                keep_alive,
            )
            self.cycle = self._last_held = held  # type: ignore[assignment]  # duck-typed: see Held
            self._held += 1
            immediate.when_stored(held.release)

        def _takes_now(self) -> bool:
            """Is this request answered here? (see the module's text for those that are not)"""
            assert immediate is not None
            url = self.url
            if not url.startswith(b"/jsv1/") or self.expect_100_continue or not url.isascii():
                return False
            parser = self.parser
            method = parser.get_method()
            if method == b"POST":
                for name, value in self.headers:
                    if name == b"content-length" and stated_too_large(value, max_body_now):
                        return False  # ASGI refuses it before the body comes (413)
            elif method != b"GET":
                return False
            cycle = self.cycle
            held = self._last_held
            if cycle is not None and not cycle.response_complete:
                if held is None or cycle is not held:  # type: ignore[comparison-overlap]
                    return False  # the answer to an earlier request is still being made
                if self._held >= MAX_HELD:  # answers wait to be written: let ASGI pipeline it,
                    return False  # which stops reading (uvicorn's flow), as unread answers do
            if self.pipeline:
                return False
            if self.flow.write_paused or self.transport.is_closing():
                return False  # answers wait for the client to read them (uvicorn's flow)
            if parser.should_upgrade() or not immediate.answers_now():
                return False
            keep_alive = parser.get_http_version() != "1.0" and parser.should_keep_alive()
            self._now = (method.decode("ascii"), keep_alive)
            # An earlier request's cycle is done with (and an answer before its body ended
            # leaves it "open", which would arm the body timer on an idle connection).
            self.cycle = None  # type: ignore[assignment]  # uvicorn's own initial value
            return True

        def shutdown(self) -> None:
            if self._now is not None:
                self._closing = True  # answer the request being read, then close
            else:
                base.shutdown(self)

        def _body_open(self) -> bool:
            if self._now is not None:
                return True
            # uvicorn's request cycle knows whether the body is complete (and when it was
            # answered early, a 413, its body counts as open: it must still come in time)
            cycle = self.cycle
            return cycle is not None and bool(cycle.more_body)

        # -- limits ----------------------------------------------------------------

        def _head_size(self) -> int:
            size = len(self.url) + 12  # method, version, spaces, CRLF
            for name, value in self.headers:
                size += len(name) + len(value) + 4
            return int(size)

        def _flush_answer(self) -> None:
            held = getattr(self.cycle, "transport", None)
            if isinstance(held, OneWrite):
                held.flush()

        def _arm(self, body: bool = False) -> None:
            self._timer = self.loop.call_later(timeout, self._expired)
            self._timing_body = body

        def _disarm(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._timing_body = False

        def _expired(self) -> None:
            self._timer = None
            if self.transport.is_closing():
                return
            if self._in_head:
                self._refuse(408, b"the request's headers did not arrive in time")
            else:  # idle before a first request, or mid-body: the app sees a disconnect
                self._flush_answer()
                self.transport.close()

        def _refuse(self, status: int, reason: bytes) -> None:
            LOG.debug("refused a request: %d %s", status, reason.decode())
            self._disarm()
            if self.transport.is_closing():
                return
            self._flush_answer()  # an answer before this one goes first
            self.transport.write(
                b"".join(
                    (
                        STATUS_LINE[status],
                        b"content-type: text/plain; charset=utf-8\r\n",
                        b"content-length: %d\r\n" % len(reason),
                        b"connection: close\r\n\r\n",
                        reason,
                    )
                )
            )
            self.transport.close()

    return CollectorProtocol


def _too_large(limit: int) -> bytes:
    return b"the request line and headers are larger than the %d-byte limit" % limit
