"""A stand-in connection for the runner's tests: the request's real bytes in, a handler's answer out.

As httpx's MockTransport: the runner writes the same bytes as on a socket
(read back here with h11, the server half of httpx's own parser) and the
handler answers with an ``httpx.Response`` or raises the sender's
``SendError``. Nothing else differs from a run on the network.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

import h11
import httpx

from simulator_app.sender.runner import ConnectionFactory
from simulator_app.sender.transport import MAY_HAVE_ARRIVED, Answer, Origin, SendError

Handler = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]


def parse_request(payload: bytes, origin: Origin) -> httpx.Request:
    """The request ``payload`` holds, as a server reads it."""
    server = h11.Connection(h11.SERVER)
    server.receive_data(payload)
    head = server.next_event()
    assert isinstance(head, h11.Request), head
    body = b""
    while True:
        event = server.next_event()
        if isinstance(event, h11.Data):
            body += event.data
        else:
            assert isinstance(event, h11.EndOfMessage), event
            break
    scheme, host, port = origin
    url = f"{scheme}://{host}:{port}{head.target.decode('ascii')}"
    return httpx.Request(head.method.decode("ascii"), url, headers=head.headers, content=body)


class MockConnection:
    """Answers each request with ``handler(request)``; counts the requests it saw."""

    def __init__(self, origin: Origin, handler: Handler) -> None:
        self.origin = origin
        self.handler = handler
        self.closed = False

    async def exchange(self, payload: bytes, limit: float) -> Answer:
        request = parse_request(payload, self.origin)
        try:
            async with asyncio.timeout(limit):
                result = self.handler(request)
                response = await result if inspect.isawaitable(result) else result
        except TimeoutError:
            raise SendError(f"timed out; {MAY_HAVE_ARRIVED}") from None
        answer = Answer()
        answer.status = response.status_code
        answer.headers = list(response.headers.raw)
        answer.body = response.content
        return answer

    def close(self) -> None:
        self.closed = True


def mock_connections(handler: Handler) -> ConnectionFactory:
    """A ``LoadRun(connect=...)`` whose every worker answers with ``handler``."""
    return lambda origin: MockConnection(origin, handler)
