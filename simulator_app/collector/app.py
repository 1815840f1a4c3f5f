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
from typing import Any
from urllib.parse import parse_qs, unquote

from simulator_app.collector import fields
from simulator_app.collector.asgi import (
    CORS,
    DISCONNECTED,
    JSON,
    TEXT,
    Receive,
    Scope,
    Send,
    header,
    reply,
    reply_json,
)
from simulator_app.collector.checks import Checker
from simulator_app.collector.faults import (
    DROP,
    ERROR,
    PAYLOAD_ERROR,
    FaultInjector,
    FaultSettings,
)
from simulator_app.collector.fields import Message, message
from simulator_app.collector.inspection import PREFIX, inspect
from simulator_app.collector.store import UNKNOWN, EventStore, Row
from simulator_app.core.contract import EVENT_TYPES
from simulator_app.core.contract import PAYLOAD_ERROR as PAYLOAD_ERROR_TEXT

DEFAULT_MAX_BODY = 64 * 1024
_OK_BODY = b'{"status":"ok"}'
_OK_HEADERS = [*JSON, (b"content-length", str(len(_OK_BODY)).encode())]
_PREFLIGHT = [
    *CORS,
    (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
    (b"access-control-allow-headers", b"Content-Type, Accept, X-Nitro-Id, X-Organisation"),
    (b"access-control-max-age", b"600"),
]
_EVENT_METHODS = {t: ("POST",) for t in EVENT_TYPES} | {"view": ("GET", "POST")}


class _Reject(Exception):
    """A request that gets a 4xx: its status and the message that explains it."""

    def __init__(self, status: int, msg: Message, allow: str | None = None) -> None:
        super().__init__(msg["description"])
        self.status = status
        self.msg = msg
        self.allow = allow


class _Gone(Exception):
    """The client went away before its body arrived: nothing to answer."""


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
                fields.ENCODING_INVALID,
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
        data["visitors"] = self.checker.seen
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
            elif path == PREFIX or path.startswith(PREFIX + "/"):
                await inspect(self, scope, receive, send, path)
            elif path in _BROWSER_PATHS and scope["method"] in ("GET", "HEAD"):
                # a person opened the collector's address in a browser: not tracker traffic
                if path == "/":
                    await reply(send, 307, b"", [(b"location", f"{PREFIX}/".encode())])
                else:
                    await reply(send, 404, b"", [])
            else:
                self._record(scope, path, UNKNOWN, None, 404, [_unknown_path(path)], None)
                await reply_json(send, 404, _error_json(_unknown_path(path)))
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
                    raise _Reject(404, fields.unknown_type_message(bad_type))
                allowed = _EVENT_METHODS[kind]
            else:
                raise _Reject(404, _unknown_path(path))
            method = scope["method"]
            if method == "OPTIONS":
                await reply(send, 204, b"", _PREFLIGHT)
                return
            if method not in allowed:
                raise _Reject(
                    405,
                    message(
                        "method",
                        f"{kind} takes {' or '.join(allowed)}, not {method}",
                        fields.METHOD_INVALID,
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
                body, prefix = self._query_body(scope), "query."
                body_text = json.dumps(body, ensure_ascii=False)
            else:
                body_text = await self._read_text(scope, receive)
                body, prefix = _parse_object(body_text), "body."
            messages = self.checker.check_event(ids, kind, body, prefix)
        except _Reject as exc:
            self._record(scope, path, kind, visitor, exc.status, [exc.msg], body_text)
            if kind == "identify" and exc.msg["code"] == fields.PAYLOAD_INVALID:
                await reply(send, exc.status, PAYLOAD_ERROR_TEXT.encode(), TEXT)
                return
            headers = [*JSON, (b"allow", exc.allow.encode())] if exc.allow else JSON
            await reply(send, exc.status, json.dumps(_error_json(exc.msg)).encode(), headers)
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
            await reply(send, 400, PAYLOAD_ERROR_TEXT.encode(), TEXT)
            return
        body = json.dumps(payload, ensure_ascii=False)
        self._record(scope, path, "identify", nitro_id, 200, messages, body)
        await reply(send, 200, nitro_id.encode("utf-8"), TEXT)

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
            await reply(send, 200, PAYLOAD_ERROR_TEXT.encode(), TEXT)
        elif fault == ERROR:
            await reply(send, 503, b"Service Unavailable (injected fault)", TEXT)
        else:
            await _drop(send)
        return True

    def _query_body(self, scope: Scope) -> dict[str, Any]:
        query = scope["query_string"].decode("latin-1")
        try:
            given = parse_qs(query, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            raise _Reject(
                400,
                message(
                    "query", "query is not UTF-8 once percent-decoded", fields.ENCODING_INVALID
                ),
            ) from None
        return {k: v[0] for k, v in given.items() if k != "_"}

    async def _read_text(self, scope: Scope, receive: Receive) -> str:
        content_type = header(scope, b"content-type")
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
                    fields.CONTENT_TYPE_INVALID,
                ),
            )
        length = header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            raise _Reject(413, _too_large(self.max_body))
        body = b""
        more = True
        while more:
            event = await receive()
            if event["type"] == DISCONNECTED:
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
                    fields.ENCODING_INVALID,
                ),
            ) from None

    # -- the inspection API ---------------------------------------------------------


def _parse_object(text: str) -> dict[str, Any]:
    if not text.strip():
        raise _Reject(
            400, message("body", "body is empty; expected a JSON object", fields.BODY_INVALID)
        )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Reject(
            400,
            message(
                "body",
                f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                fields.BODY_INVALID,
            ),
        ) from None
    if not isinstance(data, dict):
        raise _Reject(400, message("body", "body must be a JSON object", fields.BODY_INVALID))
    return data


_BROWSER_PATHS = ("/", "/favicon.ico")  # what a browser asks for at a bare address


def _unknown_path(path: str) -> Message:
    shown = path if len(path) <= 80 else path[:77] + "..."
    return message(
        "path",
        f"no endpoint at {shown!r}; expected /jsv1/identify/<org_id>/<roaming_id>/<nitro_id>/"
        "<payload> or /jsv1/<org_id>/<roaming_id>/<nitro_id>/<nitrox_id>/event/<type>",
        fields.PATH_UNKNOWN,
    )


def _too_large(limit: int) -> Message:
    return message("body", f"body is larger than the {limit}-byte limit", fields.BODY_TOO_LARGE)


def _error_json(msg: Message) -> dict[str, Any]:
    return {"error": msg["description"], "messages": [msg]}


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
        await reply(send, 503, b"Service Unavailable (injected fault)", TEXT)
        return
    transport.abort()
    await asyncio.sleep(0)
    if cycle is not None and not getattr(cycle, "disconnected", True):
        # connection_lost not delivered yet: say so, or uvicorn would try a 500.
        cycle.disconnected = True
