"""The inspection API under ``/_collector/``: counts, stored events, reset, faults, the page.

Like Snowplow Micro's: ``all`` for counts, ``good`` and ``bad`` for the stored
requests (filters ``type``, ``visitor``, ``limit``, and ``before`` to page),
``reset``, plus ``faults`` to read and change fault injection at runtime and
``countries`` for visitors and requests by country (also in ``all``).
Inspection requests are never recorded and never faulted, and answer only
this machine's own names and pages (:mod:`guard`).

``good`` and ``bad`` never stall the tracking endpoints: the database is
queried in a worker thread, a page holds at most :data:`MAX_LIMIT` requests,
and a large page is streamed :data:`CHUNK` rows at a time. When more are
stored, a ``Link: <...&before=ID>; rel="next"`` header gives the next page.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Protocol
from urllib.parse import parse_qs, urlencode

from simulator_app.collector.asgi import (
    DISCONNECTED,
    HTML,
    JSON,
    Receive,
    Scope,
    Send,
    reply,
    reply_json,
)
from simulator_app.collector.checks import Checker
from simulator_app.collector.faults import FaultInjector, FaultSettings
from simulator_app.collector.geo import Geography
from simulator_app.collector.guard import HostPolicy
from simulator_app.collector.page import render_page
from simulator_app.collector.store import UNKNOWN, EventStore
from simulator_app.core.contract import STEP_TYPES, JsonError, read_json


class CollectorApp(Protocol):
    """What the inspection API reads and changes of the collector
    (:class:`simulator_app.collector.app.CollectorApp`, which calls :func:`inspect`)."""

    hosts: HostPolicy
    faults: FaultInjector
    store: EventStore
    geo: Geography
    checker: Checker
    max_body: int

    def summary(self) -> dict[str, Any]: ...
    def set_faults(self, settings: FaultSettings) -> None: ...
    def reset(self) -> None: ...


PREFIX = "/_collector"
MAX_LIMIT = 10_000  # requests in one page of good or bad
DEFAULT_LIMIT = 100
CHUNK = 100  # rows read and sent at a time
_METHODS = {
    "": "GET",
    "all": "GET",
    "countries": "GET",
    "good": "GET",
    "bad": "GET",
    "reset": "POST",
    "faults": "",
}


async def inspect(app: CollectorApp, scope: Scope, receive: Receive, send: Send, path: str) -> None:
    """Answer one request to ``/_collector`` or below."""
    refused = app.hosts.host_problem(scope)
    if refused:
        await reply_json(send, 403, {"error": refused})
        return
    method = scope["method"]
    name = path[len(PREFIX) :].strip("/")
    if name not in _METHODS:
        await reply_json(send, 404, {"error": f"no inspection endpoint {path[:100]!r}"})
        return
    allowed = _METHODS[name] or ("GET, POST")
    if method not in allowed.split(", "):
        await _method_not_allowed(send, allowed)
        return
    if method == "POST":
        problem = app.hosts.write_problem(scope)
        if problem:
            status, reason = problem
            await reply_json(send, status, {"error": f"{name}: {reason}"})
            return
    if name == "faults":
        if method == "GET":
            await reply_json(send, 200, app.faults.settings.to_json())
        else:
            await _post_faults(app, receive, send)
    elif name == "":
        await reply(send, 200, _page(app).encode("utf-8"), HTML)
    elif name == "all":
        await reply_json(send, 200, app.summary())
    elif name == "countries":
        await reply_json(send, 200, app.geo.summary())
    elif name == "reset":
        app.reset()
        await reply_json(send, 200, app.summary())
    else:
        try:
            filters = parse_filters(scope["query_string"].decode("latin-1"))
        except ValueError as exc:
            await reply_json(send, 400, {"error": str(exc)})
            return
        await _stored(app, send, name, filters)


def parse_filters(query: str) -> dict[str, Any]:
    """``type``, ``visitor``, ``limit`` and ``before`` from a query; ValueError names a bad one."""
    try:
        given = parse_qs(query, keep_blank_values=False, errors="strict")
    except UnicodeDecodeError:
        raise ValueError("the query is not UTF-8 once percent-decoded") from None
    unknown = sorted(set(given) - {"type", "visitor", "limit", "before"})
    if unknown:
        shown = ", ".join(u[:40] for u in unknown[:5])
        raise ValueError(f"unknown filter(s) {shown}; use type, visitor, limit, before")
    out: dict[str, Any] = {}
    if "type" in given:
        kind = given["type"][0]
        if kind not in (*STEP_TYPES, UNKNOWN):
            raise ValueError(
                f"type {kind[:40]!r} is not one of {', '.join((*STEP_TYPES, UNKNOWN))}"
            )
        out["kind"] = kind
    if "visitor" in given:
        out["visitor"] = given["visitor"][0]
    out["limit"] = DEFAULT_LIMIT
    if "limit" in given:
        text = given["limit"][0]
        digits = text.isascii() and text.isdigit() and len(text) <= 9
        if not digits or not 1 <= int(text) <= MAX_LIMIT:
            raise ValueError(f"limit {text[:20]!r} must be a whole number from 1 to {MAX_LIMIT}")
        out["limit"] = int(text)
    if "before" in given:
        text = given["before"][0]
        if not (text.isascii() and text.isdigit()) or len(text) > 18:
            raise ValueError(f"before {text[:20]!r} must be the id of a stored request")
        out["before"] = int(text)
    return out


async def _stored(app: CollectorApp, send: Send, name: str, filters: dict[str, Any]) -> None:
    """A page of stored good or bad requests, newest first, read off the event loop."""
    store = app.store
    good = name == "good"
    kind, visitor = filters.get("kind"), filters.get("visitor")
    limit: int = filters["limit"]
    ids = await asyncio.to_thread(
        store.page_ids, good, kind, visitor, filters.get("before"), limit + 1
    )
    headers = list(JSON)
    if len(ids) > limit:
        ids = ids[:limit]
        query = {k: v for k, v in (("type", kind), ("visitor", visitor)) if v is not None}
        link = f"<{PREFIX}/{name}?{urlencode({**query, 'limit': limit, 'before': ids[-1]})}>"
        headers.append((b"link", f'{link}; rel="next"'.encode()))

    def encoded(part: list[int]) -> bytes:
        # in the worker thread: read and encode row by row, so the event loop gets
        # the interpreter back between rows (one 64 KiB body at most at a time)
        rows = store.rows(part[0], part[-1], good, kind, visitor)
        return b",".join(_encode_row(row) for row in rows)

    if len(ids) <= CHUNK:
        body = await asyncio.to_thread(encoded, ids) if ids else b""
        await reply(send, 200, b"[" + body + b"]", headers)
        return
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    sep = b"["
    for i in range(0, len(ids), CHUNK):
        body = await asyncio.to_thread(encoded, ids[i : i + CHUNK])
        if body:
            await send({"type": "http.response.body", "body": sep + body, "more_body": True})
            sep = b","
    await send({"type": "http.response.body", "body": b"[]" if sep == b"[" else b"]"})


def _encode_row(row: dict[str, Any]) -> bytes:
    # Stored text was read as strict UTF-8 or strict JSON, so it always encodes; should
    # it ever not, one replaced character beats an answer that fails half-way.
    return json.dumps(row, ensure_ascii=False).encode("utf-8", "replace")


async def _post_faults(app: CollectorApp, receive: Receive, send: Send) -> None:
    body = b""
    more = True
    while more:
        event = await receive()
        if event["type"] == DISCONNECTED:
            return
        body += event.get("body", b"")
        if len(body) > app.max_body:
            await reply_json(send, 413, {"error": "faults: body too large"})
            return
        more = event.get("more_body", False)
    try:
        settings = FaultSettings.from_json(_json_body(body), app.faults.settings)
    except ValueError as exc:
        await reply_json(send, 400, {"error": f"faults: {exc}"})
        return
    app.set_faults(settings)
    await reply_json(send, 200, settings.to_json())


def _json_body(body: bytes) -> object:
    """The JSON a body holds; ValueError says in plain words why there is none."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("the body is not UTF-8 text") from None
    if not text.strip():
        raise ValueError('the body is empty; send a JSON object, e.g. {"error_rate": 0.5}')
    try:
        return read_json(text)
    except JsonError as exc:
        why = str(exc)
        if why.split(" ", 1)[0][1:].islower():  # "Expecting value": lower case; "NaN" stays
            why = why[0].lower() + why[1:]
        raise ValueError(f"the body is not a JSON object ({why})") from None


def _page(app: CollectorApp) -> str:
    return render_page(
        app.summary(),
        app.checker.funnel(),
        app.checker.seen,
        app.store.recent.latest(20),
        app.store.recent_bad.latest(20),
        app.faults.settings.to_json(),
    )


async def _method_not_allowed(send: Send, allow: str) -> None:
    await reply_json(
        send,
        405,
        {"error": f"method not allowed; use {allow}"},
        [*JSON, (b"allow", allow.encode())],
    )
