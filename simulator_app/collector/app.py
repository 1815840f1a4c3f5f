"""The collector as a raw ASGI application: the 8 Nitrox endpoints and the inspection API.

Routing reads ``scope["raw_path"]``, not the decoded path: identify's Base64
payload and other segments may carry ``%2F`` and ``%2B``, which must stay
inside their segment. Each segment is unquoted after the split.

The request path is kept lean for load tests: no framework, no per-request
logging, no database I/O (the :class:`EventStore` queues rows for its writer).
Tracker answers stay exactly as CONTRACT.md says; verdicts go to the store.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs, unquote

from simulator_app.collector import checks
from simulator_app.collector.checks import Checker, Message, message
from simulator_app.collector.faults import (
    DROP,
    ERROR,
    PAYLOAD_ERROR,
    FaultInjector,
    FaultSettings,
)
from simulator_app.collector.page import render_page
from simulator_app.collector.store import UNKNOWN, EventStore, Row
from simulator_app.core.contract import EVENT_TYPES, STEP_TYPES
from simulator_app.core.contract import PAYLOAD_ERROR as PAYLOAD_ERROR_TEXT

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

DEFAULT_MAX_BODY = 64 * 1024
_CORS = [(b"access-control-allow-origin", b"*")]
_JSON = [(b"content-type", b"application/json"), *_CORS]
_TEXT = [(b"content-type", b"text/plain; charset=utf-8"), *_CORS]
_OK_BODY = b'{"status":"ok"}'
_OK_HEADERS = [*_JSON, (b"content-length", str(len(_OK_BODY)).encode())]
_PREFLIGHT = [
    *_CORS,
    (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
    (b"access-control-allow-headers", b"Content-Type, Accept, X-Nitro-Id, X-Organisation"),
    (b"access-control-max-age", b"600"),
]
_EVENT_METHODS = {t: ("POST",) for t in EVENT_TYPES} | {"view": ("GET", "POST")}
_DISCONNECTED = "http.disconnect"


class _Reject(Exception):
    """A request that gets a 4xx: its status and the message that explains it."""

    def __init__(self, status: int, msg: Message, allow: str | None = None) -> None:
        super().__init__(msg["description"])
        self.status = status
        self.msg = msg
        self.allow = allow


class _Gone(Exception):
    """The client went away before its body arrived: nothing to answer."""


async def _reply(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _reply_json(send: Send, status: int, data: Any) -> None:
    await _reply(send, status, json.dumps(data, ensure_ascii=False).encode("utf-8"), _JSON)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _segment(raw: str, where: str) -> str:
    if "%" not in raw:
        return raw
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise _Reject(
            400,
            message(
                f"path.{where}",
                f"{where} is not UTF-8 once percent-decoded",
                checks.ENCODING_INVALID,
            ),
        ) from None


class CollectorApp:
    """The ASGI application: tracking endpoints, inspection API, HTML page, lifespan.

    ``faults`` may be replaced at any time (from another thread too): each
    request reads the current :class:`FaultInjector` once.
    """

    def __init__(
        self,
        store: EventStore,
        faults: FaultSettings | None = None,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        self.store = store
        self.checker = Checker()
        self.faults = FaultInjector(faults or FaultSettings())
        self.max_body = max_body
        self.fault_counts = {ERROR: 0, PAYLOAD_ERROR: 0, DROP: 0}

    def summary(self) -> dict[str, Any]:
        """The JSON of ``GET /_collector/all``."""
        data = self.store.summary()
        data["faults"] = dict(self.fault_counts)
        data["visitors"] = len(self.checker.visitors)
        if self.store.write_error:
            data["write_error"] = self.store.write_error
        return data

    def set_faults(self, settings: FaultSettings) -> None:
        self.faults = FaultInjector(settings)

    def reset(self) -> None:
        self.store.reset()
        self.checker.reset()
        self.fault_counts = {ERROR: 0, PAYLOAD_ERROR: 0, DROP: 0}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            raw_path = scope.get("raw_path")
            path = raw_path.decode("latin-1") if raw_path else scope["path"]
            if path.startswith("/jsv1/"):
                await self._tracking(scope, receive, send, path)
            elif path == "/_collector" or path.startswith("/_collector/"):
                await self._inspect(scope, receive, send, path)
            else:
                self._record(scope, path, UNKNOWN, None, 404, [_unknown_path(path)], None)
                await _reply_json(send, 404, _error_json(_unknown_path(path)))
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            event = await receive()
            if event["type"] == "lifespan.startup":
                self.store.start()
                await send({"type": "lifespan.startup.complete"})
            elif event["type"] == "lifespan.shutdown":
                self.store.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _record(
        self,
        scope: Scope,
        path: str,
        kind: str,
        visitor: str | None,
        status: int,
        messages: list[Message],
        body: str | None,
    ) -> None:
        query = scope["query_string"]
        shown = path + "?" + query.decode("latin-1") if query else path
        row: Row = (
            time.time(),
            kind,
            not messages,
            status,
            scope["method"],
            shown,
            visitor,
            messages,
            body,
        )
        self.store.add(row)

    # -- the 8 endpoints -----------------------------------------------------------

    async def _tracking(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        parts = path.split("/")
        kind = UNKNOWN
        visitor: str | None = None
        body_text: str | None = None
        try:
            if len(parts) == 7 and parts[2] == "identify":
                kind = "identify"
                allowed: tuple[str, ...] = ("GET",)
            elif len(parts) == 8 and parts[6] == "event":
                kind = _segment(parts[7], "type")
                if kind not in _EVENT_METHODS:
                    bad_type = kind
                    kind = UNKNOWN
                    raise _Reject(404, checks.unknown_type_message(bad_type))
                allowed = _EVENT_METHODS[kind]
            else:
                raise _Reject(404, _unknown_path(path))
            method = scope["method"]
            if method == "OPTIONS":
                await _reply(send, 204, b"", _PREFLIGHT)
                return
            if method not in allowed:
                raise _Reject(
                    405,
                    message(
                        "method",
                        f"{kind} takes {' or '.join(allowed)}, not {method}",
                        checks.METHOD_INVALID,
                    ),
                    allow=", ".join(allowed),
                )
            visitor = _segment(parts[5 if kind == "identify" else 4], "nitro_id")
            faults = self.faults
            if faults.settings.active and await self._fault(faults, kind, send):
                return
            if kind == "identify":
                await self._identify(scope, send, path, parts, visitor)
                return
            ids = (
                _segment(parts[2], "org_id"),
                _segment(parts[3], "roaming_id"),
                visitor,
                _segment(parts[5], "nitrox_id"),
            )
            if method == "GET":
                body, body_text, prefix = self._query_body(scope), None, "query."
                body_text = json.dumps(body, ensure_ascii=False)
            else:
                body_text = await self._read_text(scope, receive)
                body, prefix = _parse_object(body_text), "body."
            messages = self.checker.check_event(ids, kind, body, prefix)
        except _Reject as exc:
            self._record(scope, path, kind, visitor, exc.status, [exc.msg], body_text)
            if kind == "identify" and exc.msg["code"] == checks.PAYLOAD_INVALID:
                await _reply(send, exc.status, PAYLOAD_ERROR_TEXT.encode(), _TEXT)
                return
            headers = [*_JSON, (b"allow", exc.allow.encode())] if exc.allow else _JSON
            await _reply(send, exc.status, json.dumps(_error_json(exc.msg)).encode(), headers)
            return
        except _Gone:
            return
        self._record(scope, path, kind, visitor, 200, messages, body_text)
        await send({"type": "http.response.start", "status": 200, "headers": _OK_HEADERS})
        await send({"type": "http.response.body", "body": _OK_BODY})

    async def _identify(
        self, scope: Scope, send: Send, path: str, parts: list[str], nitro_id: str
    ) -> None:
        org_id = _segment(parts[3], "org_id")
        roaming_id = _segment(parts[4], "roaming_id")
        messages, payload = self.checker.check_identify(org_id, roaming_id, nitro_id, parts[6])
        if payload is None:
            self._record(scope, path, "identify", nitro_id, 400, messages, None)
            await _reply(send, 400, PAYLOAD_ERROR_TEXT.encode(), _TEXT)
            return
        body = json.dumps(payload, ensure_ascii=False)
        self._record(scope, path, "identify", nitro_id, 200, messages, body)
        await _reply(send, 200, nitro_id.encode("utf-8"), _TEXT)

    async def _fault(self, faults: FaultInjector, kind: str, send: Send) -> bool:
        """Apply the drawn fault; True when the request was answered (or dropped) by it."""
        delay = faults.delay()
        if delay:
            await asyncio.sleep(delay)
        fault = faults.draw(kind == "identify")
        if not fault:
            return False
        self.fault_counts[fault] += 1
        if fault == PAYLOAD_ERROR:
            # 200 on purpose: a client must judge identify by its body, whatever the status.
            await _reply(send, 200, PAYLOAD_ERROR_TEXT.encode(), _TEXT)
        elif fault == ERROR:
            await _reply(send, 503, b"Service Unavailable (injected fault)", _TEXT)
        else:
            await _drop(send)
        return True

    def _query_body(self, scope: Scope) -> dict[str, Any]:
        query = scope["query_string"].decode("latin-1")
        try:
            fields = parse_qs(query, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            raise _Reject(
                400,
                message(
                    "query", "query is not UTF-8 once percent-decoded", checks.ENCODING_INVALID
                ),
            ) from None
        return {k: v[0] for k, v in fields.items() if k != "_"}

    async def _read_text(self, scope: Scope, receive: Receive) -> str:
        content_type = _header(scope, b"content-type")
        if (
            content_type is None
            or content_type.split(b";")[0].strip().lower() != b"application/json"
        ):
            shown = "none" if content_type is None else repr(content_type.decode("latin-1"))
            raise _Reject(
                415,
                message(
                    "headers.content-type",
                    f"Content-Type must be application/json, got {shown}",
                    checks.CONTENT_TYPE_INVALID,
                ),
            )
        length = _header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            raise _Reject(413, _too_large(self.max_body))
        body = b""
        more = True
        while more:
            event = await receive()
            if event["type"] == _DISCONNECTED:
                raise _Gone
            body += event.get("body", b"")
            if len(body) > self.max_body:
                raise _Reject(413, _too_large(self.max_body))
            more = event.get("more_body", False)
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _Reject(
                400,
                message(
                    "body",
                    f"body is not UTF-8 (byte {exc.start}: {body[exc.start : exc.start + 1]!r})",
                    checks.ENCODING_INVALID,
                ),
            ) from None

    # -- the inspection API ---------------------------------------------------------

    async def _inspect(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        method = scope["method"]
        name = path[len("/_collector") :].strip("/")
        wants = {"": "GET", "all": "GET", "good": "GET", "bad": "GET", "reset": "POST"}
        if name == "faults":
            if method == "GET":
                await _reply_json(send, 200, self.faults.settings.to_json())
            elif method == "POST":
                await self._post_faults(scope, receive, send)
            else:
                await _method_not_allowed(send, "GET, POST")
            return
        if name not in wants:
            await _reply_json(send, 404, {"error": f"no inspection endpoint {path!r}"})
            return
        if method != wants[name]:
            await _method_not_allowed(send, wants[name])
            return
        if name == "":
            html = self._page().encode("utf-8")
            await _reply(send, 200, html, [(b"content-type", b"text/html; charset=utf-8")])
        elif name == "all":
            await _reply_json(send, 200, self.summary())
        elif name == "reset":
            self.reset()
            await _reply_json(send, 200, self.summary())
        else:
            try:
                filters = _filters(scope["query_string"].decode("latin-1"))
            except ValueError as exc:
                await _reply_json(send, 400, {"error": str(exc)})
                return
            events = self.store.query(good=name == "good", **filters)
            await _reply_json(send, 200, events)

    async def _post_faults(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        more = True
        while more:
            event = await receive()
            if event["type"] == _DISCONNECTED:
                return
            body += event.get("body", b"")
            if len(body) > self.max_body:
                await _reply_json(send, 413, {"error": "body too large"})
                return
            more = event.get("more_body", False)
        try:
            data = json.loads(body.decode("utf-8"))
            settings = FaultSettings.from_json(data, self.faults.settings)
        except (UnicodeDecodeError, ValueError) as exc:
            await _reply_json(send, 400, {"error": f"faults: {exc}"})
            return
        self.set_faults(settings)
        await _reply_json(send, 200, settings.to_json())

    def _page(self) -> str:
        return render_page(
            self.store.summary(),
            self.checker.funnel(),
            len(self.checker.visitors),
            list(self.store.recent)[-20:],
            list(self.store.recent_bad)[-20:],
            self.faults.settings.to_json(),
        )


def _filters(query: str) -> dict[str, Any]:
    fields = parse_qs(query, keep_blank_values=False)
    unknown = sorted(set(fields) - {"type", "visitor", "limit"})
    if unknown:
        raise ValueError(f"unknown filter(s) {', '.join(unknown)}; use type, visitor, limit")
    out: dict[str, Any] = {}
    if "type" in fields:
        kind = fields["type"][0]
        if kind not in (*STEP_TYPES, UNKNOWN):
            raise ValueError(f"type {kind!r} is not one of {', '.join((*STEP_TYPES, UNKNOWN))}")
        out["kind"] = kind
    if "visitor" in fields:
        out["visitor"] = fields["visitor"][0]
    if "limit" in fields:
        text = fields["limit"][0]
        if not text.isdigit() or not 1 <= int(text) <= 100_000:
            raise ValueError(f"limit {text!r} must be a whole number from 1 to 100000")
        out["limit"] = int(text)
    return out


def _parse_object(text: str) -> dict[str, Any]:
    if not text.strip():
        raise _Reject(
            400, message("body", "body is empty; expected a JSON object", checks.BODY_INVALID)
        )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Reject(
            400,
            message(
                "body",
                f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                checks.BODY_INVALID,
            ),
        ) from None
    if not isinstance(data, dict):
        raise _Reject(400, message("body", "body must be a JSON object", checks.BODY_INVALID))
    return data


def _unknown_path(path: str) -> Message:
    shown = path if len(path) <= 80 else path[:77] + "..."
    return message(
        "path",
        f"no endpoint at {shown!r}; expected /jsv1/identify/<org_id>/<roaming_id>/<nitro_id>/"
        "<payload> or /jsv1/<org_id>/<roaming_id>/<nitro_id>/<nitrox_id>/event/<type>",
        checks.PATH_UNKNOWN,
    )


def _too_large(limit: int) -> Message:
    return message("body", f"body is larger than the {limit}-byte limit", checks.BODY_TOO_LARGE)


def _error_json(msg: Message) -> dict[str, Any]:
    return {"error": msg["description"], "messages": [msg]}


async def _method_not_allowed(send: Send, allow: str) -> None:
    body = json.dumps({"error": f"method not allowed; use {allow}"}).encode()
    await _reply(send, 405, body, [*_JSON, (b"allow", allow.encode())])


async def _drop(send: Send) -> None:
    """Close the connection without an answer.

    ASGI has no message for this, so reach uvicorn's transport through the
    bound ``send`` of its request cycle and abort it; uvicorn then sees a
    disconnected client and sends nothing. Under a server without that
    shape, answer 503 instead (still a failure the sender must handle).
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None or not hasattr(transport, "abort"):
        await _reply(send, 503, b"Service Unavailable (injected fault)", _TEXT)
        return
    transport.abort()
    await asyncio.sleep(0)
    if cycle is not None and not getattr(cycle, "disconnected", True):
        # connection_lost not delivered yet: say so, or uvicorn would try a 500.
        cycle.disconnected = True
