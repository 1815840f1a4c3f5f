"""The inspection API under ``/_collector/``: counts, stored events, reset, faults, the page.

Like Snowplow Micro's: ``all`` for counts, ``good`` and ``bad`` for the stored
requests (filters ``type``, ``visitor``, ``limit``), ``reset``, plus
``faults`` to read and change fault injection at runtime. Inspection requests
are never recorded and never faulted.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from simulator_app.collector.asgi import DISCONNECTED, HTML, Receive, Scope, Send, reply, reply_json
from simulator_app.collector.faults import FaultSettings
from simulator_app.collector.page import render_page
from simulator_app.collector.store import UNKNOWN
from simulator_app.core.contract import STEP_TYPES

if TYPE_CHECKING:
    from simulator_app.collector.app import CollectorApp

PREFIX = "/_collector"
MAX_LIMIT = 100_000
_METHODS = {"": "GET", "all": "GET", "good": "GET", "bad": "GET", "reset": "POST"}


async def inspect(app: CollectorApp, scope: Scope, receive: Receive, send: Send, path: str) -> None:
    """Answer one request to ``/_collector`` or below."""
    method = scope["method"]
    name = path[len(PREFIX) :].strip("/")
    if name == "faults":
        if method == "GET":
            await reply_json(send, 200, app.faults.settings.to_json())
        elif method == "POST":
            await _post_faults(app, receive, send)
        else:
            await _method_not_allowed(send, "GET, POST")
        return
    if name not in _METHODS:
        await reply_json(send, 404, {"error": f"no inspection endpoint {path!r}"})
        return
    if method != _METHODS[name]:
        await _method_not_allowed(send, _METHODS[name])
        return
    if name == "":
        await reply(send, 200, _page(app).encode("utf-8"), HTML)
    elif name == "all":
        await reply_json(send, 200, app.summary())
    elif name == "reset":
        app.reset()
        await reply_json(send, 200, app.summary())
    else:
        try:
            filters = parse_filters(scope["query_string"].decode("latin-1"))
        except ValueError as exc:
            await reply_json(send, 400, {"error": str(exc)})
            return
        await reply_json(send, 200, app.store.query(good=name == "good", **filters))


def parse_filters(query: str) -> dict[str, Any]:
    """``type``, ``visitor`` and ``limit`` from a query string; ValueError names a bad one."""
    given = parse_qs(query, keep_blank_values=False)
    unknown = sorted(set(given) - {"type", "visitor", "limit"})
    if unknown:
        raise ValueError(f"unknown filter(s) {', '.join(unknown)}; use type, visitor, limit")
    out: dict[str, Any] = {}
    if "type" in given:
        kind = given["type"][0]
        if kind not in (*STEP_TYPES, UNKNOWN):
            raise ValueError(f"type {kind!r} is not one of {', '.join((*STEP_TYPES, UNKNOWN))}")
        out["kind"] = kind
    if "visitor" in given:
        out["visitor"] = given["visitor"][0]
    if "limit" in given:
        text = given["limit"][0]
        if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
            raise ValueError(f"limit {text!r} must be a whole number from 1 to {MAX_LIMIT}")
        out["limit"] = int(text)
    return out


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
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"{exc.msg[0].lower()}{exc.msg[1:]} at line {exc.lineno}, column {exc.colno}"
        raise ValueError(f"the body is not a JSON object ({where})") from None


def _page(app: CollectorApp) -> str:
    return render_page(
        app.store.summary(),
        app.checker.funnel(),
        app.checker.seen,
        list(app.store.recent)[-20:],
        list(app.store.recent_bad)[-20:],
        app.faults.settings.to_json(),
    )


async def _method_not_allowed(send: Send, allow: str) -> None:
    await reply_json(
        send, 405, {"error": f"method not allowed; use {allow}"}, [(b"allow", allow.encode())]
    )
