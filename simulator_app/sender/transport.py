"""The sender's one way onto the network: a keep-alive HTTP/1.1 connection, one request at a time.

Every request the sender makes (a load run's, a click-through step's) is
bytes written on a :class:`Connection` by :func:`~.exchange.send_planned`;
the answer is read with llhttp (Node.js's HTTP parser, through httptools),
not by hand. httpx's default pool shared one connection pool between the
coroutines of a client, and its locking made it slower as concurrency grew;
here each worker coroutine owns its connection, so there is nothing to
contend for.

What an answer may cost is bounded, whatever the target sends: a status line
and headers of at most :data:`MAX_HEAD` bytes, at most :data:`MAX_INTERIM`
interim (1xx) answers, and a body kept up to :data:`MAX_BODY` bytes; past
that the answer is cut and the connection closed (it cannot be reused in the
middle of a body). The whole exchange, connecting included, ends by its
deadline. A failure is a :class:`SendError` whose text says what happened in
plain words, and whether the target may have received the request.

A request is written at most once: a tracker event sent twice would count
twice. So a kept-alive connection is checked before it is reused (as
httpcore does), and once a request's bytes were written any failure is
reported, never retried.
"""

from __future__ import annotations

import asyncio
import select
import ssl
from typing import cast

import httptools

from simulator_app.net.failures import ProxyError, describe
from simulator_app.net.proxies import Proxy
from simulator_app.net.trust import Trust

MAX_HEAD = 64 * 1024  # bytes of status line and headers (interim answers included)
MAX_INTERIM = 8  # 1xx answers before the real one (a server sends one 100 Continue at most)
MAX_BODY = 64 * 1024  # bytes of body kept: what the log shows, and enough to judge any answer
# Bytes read for one answer before it must be complete or cut: headers and body
# fit many times over; only trailers or chunk framing without end reach it.
MAX_READ = 1024 * 1024

MAY_HAVE_ARRIVED = "the target may have received it"
CONNECTION_ERROR = "connection error"  # how every failure to connect starts (never sent)
MAX_PROXY_HEAD = 16 * 1024  # bytes of a proxy's answer to CONNECT

Origin = tuple[str, str, int]  # scheme, host, port


class SendError(Exception):
    """A request that got no usable answer; ``str()`` says why, as the record's ``error``.

    ``reached`` is False only when the request surely never reached the
    target (it could not connect); a request that was written and then timed
    out, or whose connection broke, may have been received.
    """

    reached = True


class NotSent(SendError):
    """The request was never written: no connection could be made."""

    reached = False


class Answer:
    """One HTTP/1.1 answer as read off the wire: at most :data:`MAX_BODY` bytes of its body.

    ``cut`` is True when the body went on past that (the rest was not read and
    the connection was closed); ``close`` when the connection cannot carry
    another request.
    """

    __slots__ = ("body", "close", "cut", "headers", "status")

    def __init__(self) -> None:
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = b""
        self.cut = False
        self.close = False


# llhttp's words for what it refused, as a user reads them (the rest pass as they are).
_PLAIN = {
    "Content-Length overflow": "Content-Length is not a number",
    "Invalid character in Content-Length": "Content-Length is not a number",
    "Duplicate Content-Length": "two Content-Length headers",
    "Invalid response status": "the status is not a 3-digit number",
    "Expected HTTP/": "no HTTP status line",
    "Pause on CONNECT/Upgrade": "the target switched protocols",
    "Chunk size overflow": "a chunk size is not a number",
    "Invalid character in chunk size": "a chunk size is not a number",
}


def _broken(reason: str) -> SendError:
    for known, plain in _PLAIN.items():
        if reason.startswith(known):
            reason = plain
            break
    else:
        reason = reason[:1].lower() + reason[1:]  # "Invalid header token" in a sentence
    return SendError(f"broken answer: {reason}")


class _Protocol(asyncio.Protocol):
    """One connection's bytes, fed to llhttp; completes the answer being awaited.

    It is also llhttp's callback object (``on_*``): httptools calls only the
    callbacks an object has, so there are just the ones an answer needs.
    """

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[Answer] | None = None
        self.answer = Answer()
        self.parts: list[bytes] = []
        self.kept = 0  # body bytes in parts
        self.seen = 0  # bytes read for this answer (all of them head bytes while in_head)
        self.in_head = True  # the final answer's headers are not complete yet
        self.interim = 0  # 1xx answers so far
        self.interim_now = False  # the message being parsed is a 1xx answer
        self.closed = False
        self.unasked = False  # bytes arrived that no request asked for
        self.poller: select.poll | None = None

    # -- the connection ---------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it
        self.transport = cast(asyncio.Transport, transport)
        sock = transport.get_extra_info("socket")
        # Without poll() (Windows) a close is seen only once the loop has read it.
        if sock is not None and hasattr(select, "poll"):
            self.poller = select.poll()
            self.poller.register(sock.fileno(), select.POLLIN)

    def reusable(self) -> bool:
        """True when this idle connection can carry another request.

        Not when the server has closed it or sent something unasked (an idle
        timeout's 408, say). The socket itself is asked too: the loop may not
        have read the server's close yet when the next request is due.
        """
        if self.closed or self.unasked:
            return False
        return self.poller is None or not self.poller.poll(0)

    def expect(self, waiter: asyncio.Future[Answer]) -> None:
        """Get ready for the answer to a request about to be written."""
        self.waiter = waiter
        self.answer = Answer()
        self.parts = []
        self.kept = self.seen = self.interim = 0
        self.in_head = True
        self.interim_now = False

    def data_received(self, data: bytes) -> None:
        waiter = self.waiter
        if waiter is None or waiter.done():
            self.unasked = True  # the connection is not reused after this
            return
        self.seen += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(SendError("broken answer: the target switched protocols"))
        except httptools.HttpParserError as exc:
            self._fail(_broken(str(exc)))
        if waiter.done():
            return
        if self.in_head and self.seen > MAX_HEAD:
            self._fail(SendError(f"broken answer: headers longer than {MAX_HEAD // 1024} KiB"))
        elif self.seen > MAX_READ:
            self._fail(SendError("broken answer: over 1 MiB of framing without its end"))

    def eof_received(self) -> bool | None:
        return None  # close the transport: connection_lost finishes the answer

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        if not self.in_head and not _framed(self.answer.headers):
            self.answer.close = True
            self._finish()  # a body delimited by the connection's end is complete now
            return
        if self.seen:
            waiter.set_exception(SendError("connection closed in the middle of the answer"))
        elif exc is None:
            waiter.set_exception(
                SendError(f"connection closed without an answer; {MAY_HAVE_ARRIVED}")
            )
        else:
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            reason = reason[:1].lower() + reason[1:] if reason[1:2].islower() else reason
            waiter.set_exception(SendError(f"connection lost: {reason}; {MAY_HAVE_ARRIVED}"))

    def _fail(self, error: SendError) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)

    def _finish(self) -> None:
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        answer = self.answer
        parts = self.parts
        answer.body = parts[0] if len(parts) == 1 else b"".join(parts)
        waiter.set_result(answer)

    # -- llhttp's callbacks -----------------------------------------------------

    def on_message_begin(self) -> None:
        waiter = self.waiter
        if waiter is None or waiter.done():
            self.unasked = True  # a second answer, after the one that was asked for

    def on_header(self, name: bytes, value: bytes) -> None:
        if self.in_head:
            self.answer.headers.append((name, value))

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if status < 200:  # an interim answer: the real one follows
            self.interim += 1
            self.interim_now = True
            self.answer.headers = []
            if self.interim > MAX_INTERIM:
                self._fail(SendError(f"broken answer: more than {MAX_INTERIM} interim answers"))
            return
        self.in_head = False
        self.answer.status = status

    def on_body(self, chunk: bytes) -> None:
        answer = self.answer
        if answer.cut:
            return
        room = MAX_BODY - self.kept
        if len(chunk) <= room:
            self.parts.append(chunk)
            self.kept += len(chunk)
            return
        self.parts.append(chunk[:room])
        self.kept = MAX_BODY
        answer.cut = answer.close = True
        self._finish()

    def on_message_complete(self) -> None:
        if self.interim_now:
            self.interim_now = False
            return
        self.answer.close = not self.parser.should_keep_alive()
        self._finish()


def _framed(headers: list[tuple[bytes, bytes]]) -> bool:
    """True when the answer says where its body ends (so the connection's end is not it)."""
    for name, value in headers:
        lower = name.lower()
        if lower == b"content-length" or (
            lower == b"transfer-encoding" and b"chunked" in value.lower()
        ):
            return True
    return False


class Connection:
    """One keep-alive HTTP/1.1 connection to ``origin``, for one request at a time.

    Owned by one coroutine. It connects on first use and again when the
    server has closed it (checked before the request is written); a request
    that was written and got no full answer is an error, never sent again.
    """

    def __init__(
        self,
        origin: Origin,
        ssl_context: ssl.SSLContext | None = None,
        proxy: Proxy | None = None,
    ) -> None:
        self.origin = origin
        self._ssl = ssl_context
        self.proxy = proxy
        self.opened = 0  # connections made (each a TLS handshake on an https:// origin)
        self._protocol: _Protocol | None = None
        self._busy = False
        # One timer per connection, moved on lazily: a request's deadline is a
        # number it sets, and the timer, when it fires, fails the request or
        # waits for the new deadline. A timer armed and cancelled per request
        # costs more than the request's own parsing.
        self._deadline = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._waiter: asyncio.Future[Answer] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop of the first request

    async def exchange(self, payload: bytes, limit: float) -> Answer:
        """Write one whole request (``payload``) and read its answer, within ``limit`` seconds.

        Raises :class:`SendError` (:class:`NotSent` when it could not connect);
        nothing else escapes for anything the network or the target does.
        """
        if self._busy:
            raise RuntimeError("a Connection carries one request at a time")
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        self._busy = True
        deadline = loop.time() + limit
        try:
            protocol = self._protocol
            if protocol is None or not protocol.reusable():
                self.close()
                protocol = self._protocol = await self._connect(loop, deadline)
            waiter: asyncio.Future[Answer] = loop.create_future()
            protocol.expect(waiter)
            transport = protocol.transport
            assert transport is not None  # set once connected
            transport.write(payload)
            self._waiter = waiter
            self._deadline = deadline
            timer = self._timer
            if timer is None or timer.when() > deadline:
                if timer is not None:
                    timer.cancel()
                self._timer = loop.call_at(deadline, self._on_timer)
            try:
                answer = await waiter
            except BaseException:
                # The request may have reached the server: sending it again could
                # count it twice. The stream is unusable after a failure or a cancel.
                self._waiter = protocol.waiter = None
                self.close()
                raise
            self._waiter = protocol.waiter = None
            if answer.close:
                self.close()
            return answer
        finally:
            self._busy = False

    async def _connect(self, loop: asyncio.AbstractEventLoop, deadline: float) -> _Protocol:
        scheme, host, port = self.origin
        context: ssl.SSLContext | None = None
        if scheme == "https":
            context = self._ssl or Trust().context(host)
        proxy = self.proxy
        try:
            async with asyncio.timeout_at(deadline):
                if proxy is None:
                    _, protocol = await loop.create_connection(_Protocol, host, port, ssl=context)
                else:
                    protocol = await _through_tunnel(loop, proxy, host, port, context)
        except TimeoutError:
            raise NotSent(self._failure(TimeoutError())) from None
        except (OSError, ValueError, UnicodeError) as exc:
            raise NotSent(self._failure(exc)) from None
        self.opened += 1
        return protocol

    def _failure(self, error: BaseException) -> str:
        """What went wrong connecting, in :func:`~simulator_app.net.failures.describe`'s words."""
        _, host, port = self.origin
        proxy = self.proxy.address if self.proxy is not None else None
        if isinstance(error, ValueError | UnicodeError) and not isinstance(error, OSError):
            return f"{CONNECTION_ERROR}: cannot connect to {host}:{port}: {error}"
        return f"{CONNECTION_ERROR}: {describe(error, host, port, None, proxy)}"

    def _on_timer(self) -> None:
        self._timer = None
        waiter = self._waiter
        if waiter is None or waiter.done():
            return  # idle: the next request arms a timer for its own deadline
        loop = waiter.get_loop()
        if loop.time() >= self._deadline:
            waiter.set_exception(SendError(f"timed out; {MAY_HAVE_ARRIVED}"))
        else:
            self._timer = loop.call_at(self._deadline, self._on_timer)

    def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        protocol, self._protocol = self._protocol, None
        if protocol is not None and protocol.transport is not None:
            if self.origin[0] == "https":
                # A TLS close waits for the server's close_notify, up to 30 s, and keeps
                # the run's loop from closing meanwhile; every answer asked for is read.
                protocol.transport.abort()
            else:
                protocol.transport.close()
        if self._timer is not None and self._waiter is None:
            self._timer.cancel()
            self._timer = None


class _TunnelOpener(asyncio.Protocol):
    """Reads a proxy's answer to ``CONNECT``: its status, once the head is complete."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.head = b""
        self.done: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self.done.done():
            return
        self.head += data
        end = self.head.find(b"\r\n\r\n")
        if end < 0:
            if len(self.head) > MAX_PROXY_HEAD:
                self.done.set_exception(OSError("the proxy's answer is too long"))
            return
        line = self.head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit() or not parts[0].startswith("HTTP/"):
            self.done.set_exception(OSError(f"the proxy's answer is not HTTP ({line[:60]!r})"))
            return
        self.reason = parts[2] if len(parts) > 2 else ""
        if parts[1] == "200" and end + 4 != len(self.head):
            # Bytes past an open tunnel's head before anything was sent through it.
            self.done.set_exception(OSError("the proxy sent more than an answer to CONNECT"))
            return
        self.done.set_result(int(parts[1]))  # a refusal's body is not read

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_exception(exc or OSError("the proxy closed the connection"))


async def _through_tunnel(
    loop: asyncio.AbstractEventLoop,
    proxy: Proxy,
    host: str,
    port: int,
    context: ssl.SSLContext | None,
) -> _Protocol:
    """A connection to ``host:port`` in a ``CONNECT`` tunnel through ``proxy`` (TLS inside it
    when ``context`` is given, made with the target itself)."""
    transport, opener = await loop.create_connection(_TunnelOpener, proxy.host, proxy.port)
    try:
        transport.write(proxy.connect_request(host.strip("[]"), port))
        status = await opener.done
        if status != 200:
            raise ProxyError(proxy.address, status, getattr(opener, "reason", ""))
        protocol = _Protocol()
        transport.set_protocol(protocol)
        if context is None:
            protocol.connection_made(transport)
            return protocol
        tls = await loop.start_tls(transport, protocol, context, server_hostname=host.strip("[]"))
        if tls is None:  # pragma: no cover - only when the loop is closing
            raise OSError("the connection closed during the TLS handshake")
        protocol.connection_made(tls)
        return protocol
    except BaseException:
        transport.close()
        raise
