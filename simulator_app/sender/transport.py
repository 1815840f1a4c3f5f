"""A lean HTTP/1.1 transport for httpx: one keep-alive connection, no pool.

httpx's default async transport shares one httpcore pool between every
coroutine of a client; on this project's 2-core machine its locking made a
shared client fall from 1.5k req/s at concurrency 4 to 0.5k at 100. The
sender instead gives each worker coroutine its own :class:`LeanTransport`:
one connection, used by one request at a time, so there is nothing to
contend for and throughput does not fall as workers are added.

httpx stays the API (``httpx.Request`` in, ``httpx.Response`` out, httpx's
exceptions on failure); only the bytes on the wire are handled here, behind
``AsyncBaseTransport.handle_async_request``, the seam httpx itself offers.

A request is written at most once: a tracker event sent twice would count
twice. So a kept-alive connection is checked before it is reused (as
httpcore does), and once a request's bytes were written any failure is
reported, never retried.
"""

from __future__ import annotations

import asyncio
import select
import ssl
from typing import Any, cast

import httpx

_MAX_HEAD = 64 * 1024
_DEFAULT_TIMEOUT = 10.0


class RawResponse:
    """One HTTP/1.1 response as read off the wire (and its incremental parse state)."""

    __slots__ = (
        "body",
        "chunk_left",
        "chunked",
        "close",
        "head_done",
        "headers",
        "length",
        "reason",
        "status",
    )

    def __init__(self) -> None:
        self.head_done = False
        self.status = 0
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.length: int | None = None
        self.chunked = False
        self.chunk_left = -1  # chunked: bytes left in the current chunk; -1 = expect a size line
        self.body = bytearray()
        self.close = False


class _Protocol(asyncio.Protocol):
    """Feeds bytes into the response being awaited; one response at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.response: RawResponse | None = None
        self.waiter: asyncio.Future[RawResponse] | None = None
        self.closed = False
        self.received_any = False
        self.poller: select.poll | None = None

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
        if self.closed or self.buffer:
            return False
        return self.poller is None or not self.poller.poll(0)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            response = self.response
            # A body delimited by the connection's end is complete now.
            if (
                response is not None
                and response.head_done
                and response.length is None
                and not response.chunked
            ):
                waiter.set_result(response)
                return
            if self.received_any:
                error: httpx.TransportError = httpx.RemoteProtocolError(
                    "server closed the connection in the middle of its answer"
                )
            elif exc is None:
                error = httpx.RemoteProtocolError("server closed the connection without an answer")
            else:
                error = httpx.ReadError(getattr(exc, "strerror", None) or str(exc))
            waiter.set_exception(error)

    def data_received(self, data: bytes) -> None:
        self.received_any = True
        self.buffer += data
        if self.waiter is None or self.waiter.done() or self.response is None:
            return
        try:
            done = _parse(self.response, self.buffer)
        except httpx.RemoteProtocolError as exc:
            self.waiter.set_exception(exc)
            return
        if done:
            self.waiter.set_result(self.response)


def _parse(r: RawResponse, buf: bytearray) -> bool:
    """Consume what ``buf`` holds of response ``r``; True once it is complete."""
    if not r.head_done:
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            if len(buf) > _MAX_HEAD:
                raise httpx.RemoteProtocolError("response head too large")
            return False
        lines = bytes(buf[:end]).split(b"\r\n")
        del buf[: end + 4]
        parts = lines[0].split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
            raise httpx.RemoteProtocolError(f"bad status line {lines[0][:80]!r}")
        r.status = int(parts[1])
        r.reason = parts[2] if len(parts) > 2 else b""
        if parts[0] == b"HTTP/1.0":
            r.close = True
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep:
                raise httpx.RemoteProtocolError(f"bad header line {line[:80]!r}")
            value = value.strip()
            r.headers.append((name, value))
            lname = name.lower()
            if lname == b"content-length":
                if not value.isdigit():
                    raise httpx.RemoteProtocolError("bad Content-Length")
                r.length = int(value)
            elif lname == b"transfer-encoding" and b"chunked" in value.lower():
                r.chunked = True
            elif lname == b"connection":
                low = value.lower()
                if b"close" in low:
                    r.close = True
                elif b"keep-alive" in low:
                    r.close = False
        r.head_done = True
        if r.status < 200 or r.status in (204, 304):
            if 100 <= r.status < 200:  # an interim response: the real one follows
                r.head_done, r.headers, r.length, r.chunked = False, [], None, False
                return _parse(r, buf)
            r.length = 0
        if r.chunked:
            r.length = None
        elif r.length is None:
            r.close = True  # the body runs to the connection's end
    if r.chunked:
        return _parse_chunks(r, buf)
    if r.length is None:
        r.body += buf
        buf.clear()
        return False
    need = r.length - len(r.body)
    r.body += buf[:need]
    del buf[:need]
    return len(r.body) >= r.length


def _parse_chunks(r: RawResponse, buf: bytearray) -> bool:
    while True:
        if r.chunk_left < 0:
            end = buf.find(b"\r\n")
            if end < 0:
                return False
            size = bytes(buf[:end]).split(b";", 1)[0].strip()
            try:
                r.chunk_left = int(size, 16)
            except ValueError:
                raise httpx.RemoteProtocolError("bad chunk size") from None
            del buf[: end + 2]
            if r.chunk_left == 0:
                r.chunk_left = -2  # trailers follow, up to an empty line
        if r.chunk_left == -2:
            end = buf.find(b"\r\n")
            if end < 0:
                return False
            del buf[: end + 2]
            if end == 0:
                return True
            continue
        take = min(r.chunk_left, len(buf))
        r.body += buf[:take]
        del buf[:take]
        r.chunk_left -= take
        if r.chunk_left:
            return False
        if len(buf) < 2:
            r.chunk_left = 0
            return False
        if buf[:2] != b"\r\n":
            raise httpx.RemoteProtocolError("chunk not followed by CRLF")
        del buf[:2]
        r.chunk_left = -1


def _timeouts(request: httpx.Request) -> tuple[float | None, float | None]:
    timeout: dict[str, Any] = request.extensions.get("timeout", {})
    return timeout.get("connect", _DEFAULT_TIMEOUT), timeout.get("read", _DEFAULT_TIMEOUT)


def _within(
    limit: float | None, deadline: float | None, loop: asyncio.AbstractEventLoop
) -> float | None:
    """``limit``, cut to what is left before ``deadline`` (a loop time)."""
    if deadline is None:
        return limit
    left = max(0.0, deadline - loop.time())
    return left if limit is None else min(limit, left)


def _expire(waiter: asyncio.Future[RawResponse]) -> None:
    if not waiter.done():
        waiter.set_exception(httpx.ReadTimeout("no complete response in time"))


class LeanTransport(httpx.AsyncBaseTransport):
    """One keep-alive HTTP/1.1 connection for one request at a time.

    Meant to be owned by one worker coroutine (``asyncio.Lock`` keeps a
    second caller waiting rather than corrupting the stream). A new
    connection replaces one the server has closed, checked before the request
    is written; a request that was written and got no full answer is an
    error, never sent again.
    """

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl = ssl_context
        self._protocol: _Protocol | None = None
        self._origin: tuple[str, str, int] | None = None  # (scheme, host, port)
        self._lock = asyncio.Lock()

    async def _connect(self, scheme: str, host: str, port: int, limit: float | None) -> _Protocol:
        loop = asyncio.get_running_loop()
        context: ssl.SSLContext | None = None
        if scheme == "https":
            context = self._ssl or ssl.create_default_context()
        try:
            async with asyncio.timeout(limit):
                _, protocol = await loop.create_connection(_Protocol, host, port, ssl=context)
        except TimeoutError:
            raise httpx.ConnectTimeout(f"connect to {host}:{port} timed out") from None
        except OSError as exc:
            reason = exc.strerror or str(exc)  # "Connection refused", not "[Errno 111] ..."
            raise httpx.ConnectError(f"cannot connect to {host}:{port}: {reason}") from None
        return protocol

    def _close(self) -> None:
        if self._protocol is not None and self._protocol.transport is not None:
            self._protocol.transport.close()
        self._protocol = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        scheme = url.scheme
        port = url.port or (443 if scheme == "https" else 80)
        head = [
            f"{request.method} {url.raw_path.decode('ascii')} HTTP/1.1\r\n".encode("ascii"),
        ]
        for name, value in request.headers.raw:
            head.append(name + b": " + value + b"\r\n")
        head.append(b"\r\n")
        body = request.content  # the sender always builds requests with bytes content
        connect_timeout, read_timeout = _timeouts(request)
        response = await self.send_bytes(
            (scheme, url.host, port), b"".join(head) + body, connect_timeout, read_timeout
        )
        return httpx.Response(
            response.status,
            headers=response.headers,
            content=bytes(response.body),
            request=request,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": response.reason},
        )

    async def send_bytes(
        self,
        origin: tuple[str, str, int],
        payload: bytes,
        connect_timeout: float | None,
        read_timeout: float | None,
        total: float | None = None,
    ) -> RawResponse:
        """Send one whole request (``payload``) to ``origin`` (scheme, host, port); its answer.

        The same connection handling as :meth:`handle_async_request`, for a
        caller that wrote the request's bytes itself (see ``exchange.WireTarget``).
        ``total`` bounds the whole call, connecting included. Raises httpx's
        exceptions; the request is written once at most.
        """
        scheme, host, port = origin
        loop = asyncio.get_running_loop()
        deadline = None if total is None else loop.time() + total
        async with self._lock:
            protocol = self._protocol
            if protocol is None or self._origin != origin or not protocol.reusable():
                self._close()
                protocol = self._protocol = await self._connect(
                    scheme, host, port, _within(connect_timeout, deadline, loop)
                )
                self._origin = origin
            try:
                limit = _within(read_timeout, deadline, loop)
                response = await self._exchange(protocol, payload, limit)
            except BaseException:
                # The request may have reached the server: sending it again could
                # count it twice. The stream is unusable after a failure or a cancel.
                self._close()
                raise
            if response.close:
                self._close()
            return response

    async def _exchange(
        self, protocol: _Protocol, payload: bytes, limit: float | None
    ) -> RawResponse:
        loop = asyncio.get_running_loop()
        protocol.received_any = False
        protocol.response = RawResponse()
        waiter: asyncio.Future[RawResponse] = loop.create_future()
        protocol.waiter = waiter
        if protocol.buffer:  # bytes that arrived unasked belong to no request
            protocol.buffer.clear()
        assert protocol.transport is not None
        protocol.transport.write(payload)
        # One timer that fails the waiter, rather than asyncio.timeout(), whose
        # task-cancelling machinery was a quarter of the sender's time at
        # concurrency 200 (py-spy); the caller sees the same ReadTimeout.
        expiry = loop.call_later(limit, _expire, waiter) if limit is not None else None
        try:
            return await waiter
        finally:
            if expiry is not None:
                expiry.cancel()
            protocol.waiter = None
            protocol.response = None

    async def aclose(self) -> None:
        self._close()
