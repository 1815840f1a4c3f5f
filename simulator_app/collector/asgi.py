"""The few ASGI pieces the collector needs: types, answers with a length, header lookup."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]

DISCONNECTED = "http.disconnect"
CORS: Headers = [(b"access-control-allow-origin", b"*")]
# The inspection API's answers: no CORS, so another site's script cannot read them.
JSON: Headers = [(b"content-type", b"application/json")]
HTML: Headers = [(b"content-type", b"text/html; charset=utf-8")]
# The tracking endpoints' answers: CORS, since the real tracker runs on a storefront's page.
TRACKER_JSON: Headers = [*JSON, *CORS]
TRACKER_TEXT: Headers = [(b"content-type", b"text/plain; charset=utf-8"), *CORS]


def with_length(headers: Headers, body: bytes) -> Headers:
    """``headers`` and the Content-Length of ``body``, last."""
    return [*headers, (b"content-length", b"%d" % len(body))]


async def reply(send: Send, status: int, body: bytes, headers: Headers) -> None:
    """A whole answer; with Content-Length, so uvicorn need not chunk it."""
    await send(
        {"type": "http.response.start", "status": status, "headers": with_length(headers, body)}
    )
    await send({"type": "http.response.body", "body": body})


async def reply_json(send: Send, status: int, data: Any, headers: Headers = JSON) -> None:
    """A JSON answer with ``headers`` (the inspection API's by default: no CORS)."""
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    await reply(send, status, body, headers)


def header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of header ``name`` (lower-case bytes), or None."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None
