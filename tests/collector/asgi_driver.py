"""Calling the collector's ASGI app directly, without a server: fast enough for fuzzing.

The app is driven on one event loop owned by the :class:`Driver`; its store
is in memory and flushed by the queries themselves, so no thread runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from simulator_app.collector.app import CollectorApp
from simulator_app.collector.store import EventStore


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


class Driver:
    """One app on one loop; ``request`` sends a request and returns the whole answer."""

    def __init__(self, app: CollectorApp | None = None, **options: Any) -> None:
        self.app = app or CollectorApp(EventStore(), **options)
        self.loop = asyncio.new_event_loop()

    def close(self) -> None:
        self.app.store.close()
        self.loop.run_until_complete(self.loop.shutdown_default_executor())  # no thread left
        self.loop.close()

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        query: bytes = b"",
    ) -> Answer:
        given = {"host": "127.0.0.1:8787", **(headers or {})}
        scope: MutableMapping[str, Any] = {
            "type": "http",
            "method": method,
            "path": path,
            "raw_path": path.encode("latin-1"),
            "query_string": query,
            "headers": [
                (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in given.items()
            ],
        }
        sent: list[MutableMapping[str, Any]] = []
        chunks = [body]

        async def receive() -> MutableMapping[str, Any]:
            if chunks:
                return {"type": "http.request", "body": chunks.pop(), "more_body": False}
            return {"type": "http.disconnect"}

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(message)

        self.loop.run_until_complete(self.app(scope, receive, send))
        start = sent[0]
        assert start["type"] == "http.response.start"
        answer_headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in start["headers"]}
        content = b"".join(m.get("body", b"") for m in sent[1:])
        assert not sent[-1].get("more_body", False), "the answer never ended"
        return Answer(start["status"], answer_headers, content)
