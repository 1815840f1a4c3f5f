"""The collector as a raw ASGI application: the 8 Nitrox endpoints and the inspection API.

Routing reads ``scope["raw_path"]``, not the decoded path: identify's Base64
payload and other segments may carry ``%2F`` and ``%2B``, which must stay
inside their segment. Each segment is unquoted after the split.

The request path is kept lean for load tests: no framework, no per-request
logging, no database I/O (the :class:`EventStore` queues rows for its writer).
Tracker answers stay exactly as CONTRACT.md says; verdicts go to the store and
to the answer's ``X-Nitrox-Verdict`` and ``X-Nitrox-Messages`` headers.

Every answer to a tracking request waits for its row to be written (once per
turn of the event loop, see :meth:`EventStore.when_stored`); when that write
fails the answer is ``503`` instead, since a 2xx would say it was kept, and
for a moment after, every tracking request is answered 503 unjudged
(counted in ``refused_unstorable``). No other tracking request gets a 5xx
(but for injected faults): what cannot be read
is a 4xx with a message, and should judging itself fail (a bug), the request
is filed bad with a message saying so and answered 400; the first such
failure is logged with its traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from simulator_app.collector import fields
from simulator_app.collector.asgi import (
    CORS,
    TRACKER_JSON,
    TRACKER_TEXT,
    Headers,
    Receive,
    Scope,
    Send,
    reply,
    with_length,
)
from simulator_app.collector.bodies import (
    Gone,
    Reject,
    body_text,
    check_body_headers,
    parse_object,
    query_body,
    read_text,
    segment,
)
from simulator_app.collector.checks import Checker
from simulator_app.collector.faults import (
    DROP,
    ERROR,
    PAYLOAD_ERROR,
    THROTTLE,
    FaultInjector,
    FaultSettings,
)
from simulator_app.collector.fields import Message, message
from simulator_app.collector.geo import DEFAULT_HEADER, Geography
from simulator_app.collector.guard import HostPolicy
from simulator_app.collector.inspection import PREFIX, inspect
from simulator_app.collector.store import UNKNOWN, EventStore
from simulator_app.collector.verdict import GOOD, verdict_headers
from simulator_app.core.contract import EVENT_TYPES
from simulator_app.core.contract import PAYLOAD_ERROR as PAYLOAD_ERROR_TEXT

DEFAULT_MAX_BODY = 64 * 1024
LOG = logging.getLogger("simulator_app.collector")
_OK_BODY = b'{"status":"ok"}'
_OK_HEADERS = [*TRACKER_JSON, (b"content-length", str(len(_OK_BODY)).encode()), *GOOD]
_PAYLOAD_ERROR = PAYLOAD_ERROR_TEXT.encode()
_UNSTORABLE_BODY = b"the collector cannot store requests now (see /_collector/all); try again later"
# No Retry-After: a store that cannot write is breakage, not throttling, and a sender
# must not count it among the answers that asked it to slow down.
_UNSTORABLE: tuple[int, bytes, Headers] = (
    503,
    _UNSTORABLE_BODY,
    with_length(TRACKER_TEXT, _UNSTORABLE_BODY),
)
_PREFLIGHT = [
    *CORS,
    (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
    (b"access-control-allow-headers", b"Content-Type, Accept, X-Nitro-Id, X-Organisation"),
    (b"access-control-max-age", b"600"),
]
_EVENT_METHODS = {t: ("POST",) for t in EVENT_TYPES} | {"view": ("GET", "POST")}
_NONE: list[Message] = []  # no messages (never appended to)

# An answer: status, body, headers (with its Content-Length).
Answer = tuple[int, bytes, Headers]
# What judging a tracking request comes to: status, answer body, its headers
# (before the verdict's), and what is filed: type, visitor, messages, warnings, body.
Judged = tuple[int, bytes, Headers, str, str | None, list[Message], list[Message], str | None]


class CollectorApp:
    """The ASGI application: tracking endpoints, inspection API, HTML page, lifespan.

    ``faults`` may be replaced at any time (from another thread too): each
    request reads the current :class:`FaultInjector` once. ``hosts`` says
    which Host names the inspection API answers; ``full_cart`` is the form of
    the cart bodies (see :class:`Checker`); ``client_ip_header`` names the
    header that carries each visitor's address (None: off), counted by
    country in :attr:`geo`.
    """

    def __init__(
        self,
        store: EventStore,
        faults: FaultSettings | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        hosts: HostPolicy | None = None,
        full_cart: bool = False,
        client_ip_header: str | None = DEFAULT_HEADER,
    ) -> None:
        self.store = store
        self.checker = Checker(full_cart=full_cart)
        self.geo = Geography(client_ip_header)
        self.faults = FaultInjector(faults or FaultSettings())
        self.max_body = max_body
        self.hosts = hosts or HostPolicy()
        self.fault_counts = {ERROR: 0, PAYLOAD_ERROR: 0, DROP: 0, THROTTLE: 0}
        self.unjudged = 0  # requests the checks failed on (a bug): filed bad, answered 400

    @property
    def full_cart(self) -> bool:
        """True when cart bodies list every line now in the cart, not the change."""
        return self.checker.full_cart

    @full_cart.setter
    def full_cart(self, value: bool) -> None:
        self.checker.full_cart = value

    def summary(self) -> dict[str, Any]:
        """The JSON of ``GET /_collector/all``."""
        data = self.store.summary()
        data["faults"] = dict(self.fault_counts)
        data["visitors"] = self.checker.seen
        data["full_cart"] = self.checker.full_cart
        data["unjudged"] = self.unjudged
        data["countries"] = self.geo.summary()
        if self.store.write_error:
            data["write_error"] = self.store.write_error
        return data

    def set_faults(self, settings: FaultSettings) -> None:
        self.faults = FaultInjector(settings)

    def reset(self) -> None:
        self.store.reset()
        self.checker.reset()
        self.geo.reset()
        self.fault_counts = {ERROR: 0, PAYLOAD_ERROR: 0, DROP: 0, THROTTLE: 0}
        self.unjudged = 0

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
                await self._tracking(scope, receive, send, path)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            event = await receive()
            if event["type"] == "lifespan.startup":
                self.store.start(asyncio.get_running_loop())
                await asyncio.to_thread(self.geo.load)  # not on the first visitor's request
                await send({"type": "lifespan.startup.complete"})
            elif event["type"] == "lifespan.shutdown":
                self.store.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _record(
        self,
        method: str,
        path: str,
        query: bytes,
        kind: str,
        visitor: str | None,
        status: int,
        messages: list[Message],
        warnings: list[Message],
        body: str | None,
    ) -> None:
        shown = path + "?" + query.decode("latin-1") if query else path
        self.store.add(
            (
                time.time(),
                kind,
                not messages,
                status,
                method,
                shown,
                visitor,
                messages,
                warnings,
                body,
            )
        )

    # -- the 8 endpoints -----------------------------------------------------------
    #
    # Two ways in, one judge: ``_tracking`` for a request that came through ASGI
    # (faults, preflights, bodies in pieces), ``answer_now`` for one the wire has
    # read whole (see :mod:`wire`). Both route with ``_route``, judge with
    # ``_judged`` and file with ``_file``.

    async def _tracking(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        method: str = scope["method"]
        query: bytes = scope["query_string"]
        if method != "OPTIONS" and self.store.refusing():  # a preflight stores nothing
            self.store.refuse()
            await _answer(send, _UNSTORABLE)
            return
        try:
            seen = self.checker.seen
            content_type, length, client_ip = self._read_headers(scope["headers"])
            judged = await self._judge(scope, receive, send, path, content_type, length)
            if judged is None:
                return  # answered already (a preflight, a fault) or nobody to answer
            status, body, headers = self._file(judged, method, path, query, client_ip, seen)
        except Exception as exc:  # a bug in judging: filed bad and answered 400, never a 500
            status, body, headers = self._unjudged(method, path, query, exc)
        # written before it is answered, in this turn (a client that half-closed its
        # connection would be gone in the next)
        stored = self.store.write_now()
        await _answer(send, (status, body, headers) if stored else _UNSTORABLE)

    def when_stored(self, done: Callable[[bool], None]) -> None:
        """``done(True)`` once the requests filed so far are stored, ``done(False)`` if not."""
        self.store.when_stored(done)

    unstorable = _UNSTORABLE  # the answer instead, when they are not

    def answers_now(self) -> bool:
        """True when a tracking GET or POST read whole may be answered by :meth:`answer_now`."""
        return not self.faults.active  # faults wait, drop and answer through ASGI

    def answer_now(
        self, method: str, path: str, query: bytes, headers: Headers, body: bytes
    ) -> Answer:
        """Judge, file and answer a GET or POST to ``/jsv1/...`` whose body has arrived whole.

        ``body`` may be cut after ``max_body`` bytes (it is refused past
        ``max_body`` anyway). The answer's headers include its Content-Length.
        """
        if self.store.refusing():
            self.store.refuse()
            return _UNSTORABLE
        try:
            seen = self.checker.seen
            content_type, length, client_ip = self._read_headers(headers)
            request = _Request(method, path)
            try:
                self._route(request, path)
                self._read_ids(request)
                text = None
                if method != "GET":
                    check_body_headers(self.max_body, content_type, length)
                    text = body_text(body, self.max_body)
                judged = self._judged(request, query, text)
            except Reject as exc:
                judged = self._rejected(request, exc)
            return self._file(judged, method, path, query, client_ip, seen)
        except Exception as exc:  # as in _tracking
            return self._unjudged(method, path, query, exc)

    def _read_headers(self, headers: Headers) -> tuple[bytes | None, bytes | None, bytes | None]:
        """Content-Type, Content-Length and the visitor's address, in one pass over the headers."""
        ip_key = self.geo.key
        content_type = length = client_ip = None
        for key, value in headers:
            if key == b"content-type":
                content_type = value
            elif key == b"content-length":
                length = value
            elif key == ip_key and client_ip is None:
                client_ip = value
        return content_type, length, client_ip

    async def _judge(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        path: str,
        content_type: bytes | None,
        length: bytes | None,
    ) -> Judged | None:
        request = _Request(scope["method"], path)
        try:
            if self._route(request, path):
                await reply(send, 204, b"", _PREFLIGHT)
                return None
            faults = self.faults
            if faults.active and await self._fault(faults, request.kind, send):
                return None
            self._read_ids(request)
            text = None
            if request.kind != "identify" and request.method != "GET":
                text = await read_text(receive, self.max_body, content_type, length)
            return self._judged(request, scope["query_string"], text)
        except Reject as exc:
            return self._rejected(request, exc)
        except Gone:
            return None

    def _route(self, request: _Request, path: str) -> bool:
        """Find the endpoint and the visitor in the path; True for a preflight.

        Reject when the path names no endpoint or the endpoint does not take
        the request's method.
        """
        parts = request.parts
        escaped = request.escaped
        if len(parts) < 2 or parts[1] != "jsv1":
            raise Reject(404, _unknown_path(path))
        if len(parts) == 7 and parts[2] == "identify":
            request.kind = kind = "identify"
            allowed: tuple[str, ...] = ("GET",)
        elif len(parts) == 8 and parts[6] == "event":
            kind = segment(parts[7], "type") if escaped else parts[7]
            if kind not in _EVENT_METHODS:
                raise Reject(404, fields.unknown_type_message(kind))
            request.kind = kind
            allowed = _EVENT_METHODS[kind]
        else:
            raise Reject(404, _unknown_path(path))
        method = request.method
        if method == "OPTIONS":
            return True
        if method not in allowed:
            raise Reject(
                405,
                message(
                    "method",
                    f"{kind} takes {' or '.join(allowed)}, not {method}",
                    fields.METHOD_INVALID,
                ),
                allow=", ".join(allowed),
            )
        visitor = parts[5 if kind == "identify" else 4]
        request.visitor = segment(visitor, "nitro_id") if escaped else visitor
        return False

    def _read_ids(self, request: _Request) -> None:
        """An event's ids, percent-decoded: refused (400) before its body is read."""
        if request.kind == "identify":
            return  # identify's are read with its payload
        parts, visitor = request.parts, request.visitor
        assert visitor is not None  # routed
        if request.escaped:
            request.ids = (
                segment(parts[2], "org_id"),
                segment(parts[3], "roaming_id"),
                visitor,
                segment(parts[5], "nitrox_id"),
            )
        else:
            request.ids = (parts[2], parts[3], visitor, parts[5])

    def _judged(self, request: _Request, query: bytes, text: str | None) -> Judged:
        """Judge a routed request: identify's payload, or an event's query or body ``text``."""
        parts = request.parts
        kind = request.kind
        visitor = request.visitor
        assert visitor is not None  # routed
        if kind == "identify":
            return self._identify(parts, visitor)
        ids = request.ids
        assert ids is not None  # read by _read_ids before the body
        if text is None:  # a GET: the fields are in the query
            body, prefix = query_body(query), "query."
            text = request.body_text = json.dumps(body, ensure_ascii=False)
        else:
            request.body_text = text  # filed as it came, should it not parse
            body, prefix = parse_object(text), "body."
        messages = self.checker.check_event(ids, kind, body, prefix)
        if messages:
            return 200, _OK_BODY, TRACKER_JSON, kind, visitor, messages, _NONE, text
        return 200, _OK_BODY, _OK_HEADERS, kind, visitor, _NONE, _NONE, text

    def _rejected(self, request: _Request, exc: Reject) -> Judged:
        if request.kind == "identify" and exc.msg["code"] == fields.PAYLOAD_INVALID:
            answer, headers = _PAYLOAD_ERROR, TRACKER_TEXT
        else:
            answer = json.dumps(_error_json(exc.msg)).encode()
            headers = [*TRACKER_JSON, (b"allow", exc.allow.encode())] if exc.allow else TRACKER_JSON
        kind, visitor, text = request.kind, request.visitor, request.body_text
        return exc.status, answer, headers, kind, visitor, [exc.msg], _NONE, text

    def _file(
        self,
        judged: Judged,
        method: str,
        path: str,
        query: bytes,
        client_ip: bytes | None,
        seen: int,
    ) -> Answer:
        """File a judged request (the store, the countries) and make its answer."""
        self.geo.note_value(client_ip, self.checker.seen != seen)
        status, body, headers, kind, visitor, messages, warnings, text = judged
        if headers is _OK_HEADERS:  # good: the answer and its headers are made once
            shown = path + "?" + query.decode("latin-1") if query else path  # (_record, inlined)
            self.store.add(
                (time.time(), kind, True, 200, method, shown, visitor, _NONE, _NONE, text)
            )
            return 200, body, headers
        self._record(method, path, query, kind, visitor, status, messages, warnings, text)
        return status, body, with_length([*headers, *verdict_headers(messages, warnings)], body)

    def _identify(self, parts: list[str], nitro_id: str) -> Judged:
        org_id = segment(parts[3], "org_id")
        roaming_id = segment(parts[4], "roaming_id")
        messages, warnings, payload = self.checker.check_identify(
            org_id, roaming_id, nitro_id, parts[6]
        )
        if payload is None:
            return 400, _PAYLOAD_ERROR, TRACKER_TEXT, "identify", nitro_id, messages, _NONE, None
        body = json.dumps(payload, ensure_ascii=False)
        answer = nitro_id.encode("utf-8")
        return 200, answer, TRACKER_TEXT, "identify", nitro_id, messages, warnings, body

    def _unjudged(self, method: str, path: str, query: bytes, exc: Exception) -> Answer:
        """File a request the checks failed on as bad, say so, and log the first one."""
        self.unjudged += 1
        if self.unjudged == 1:
            LOG.error(
                "the collector could not judge a request to %s (a bug; this is logged once, "
                "later ones are only counted as unjudged in /_collector/all)",
                path[:200],
                exc_info=exc,
            )
        reason = f"{type(exc).__name__}: {exc}"
        msg = message(
            "request",
            f"the collector could not judge this request ({reason[:200]}); "
            "this is a bug in the collector",
            fields.CHECK_FAILED,
        )
        kind = _kind_of(path)
        parts = path.split("/")
        visitor = parts[5 if kind == "identify" else 4] if len(parts) in (7, 8) else None
        try:
            self._record(method, path, query, kind, visitor, 400, [msg], _NONE, None)
        except Exception:  # the store itself failed: answering matters more than filing
            LOG.debug("could not file an unjudged request", exc_info=True)
        if kind == "identify":
            body, headers = _PAYLOAD_ERROR, TRACKER_TEXT
        else:
            body, headers = json.dumps(_error_json(msg)).encode(), TRACKER_JSON
        return 400, body, with_length([*headers, *verdict_headers([msg], _NONE)], body)

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
            await reply(send, 200, _PAYLOAD_ERROR, TRACKER_TEXT)
        elif fault == ERROR:
            await reply(send, 503, b"Service Unavailable (injected fault)", TRACKER_TEXT)
        elif fault == THROTTLE:
            retry = faults.settings.retry_after_header()
            await reply(send, 429, b"Too Many Requests (injected fault)", [*TRACKER_TEXT, *retry])
        else:
            await _drop(send)
        return True


class _Request:
    """A tracking request as judging finds it out; filed with what was known when it ended."""

    __slots__ = ("body_text", "escaped", "ids", "kind", "method", "parts", "visitor")

    def __init__(self, method: str, path: str) -> None:
        self.method = method
        self.parts = path.split("/")
        self.escaped = "%" in path  # else no segment needs percent-decoding
        self.kind = UNKNOWN
        self.visitor: str | None = None
        self.ids: tuple[str, str, str, str] | None = None  # an event's, once read
        self.body_text: str | None = None


_BROWSER_PATHS = ("/", "/favicon.ico")  # what a browser asks for at a bare address


def _kind_of(path: str) -> str:
    """The request type a tracking path names, or UNKNOWN (without judging anything)."""
    parts = path.split("/")
    if len(parts) == 7 and parts[1] == "jsv1" and parts[2] == "identify":
        return "identify"
    if len(parts) == 8 and parts[1] == "jsv1" and parts[6] == "event" and parts[7] in EVENT_TYPES:
        return parts[7]
    return UNKNOWN


def _unknown_path(path: str) -> Message:
    shown = path if len(path) <= 80 else path[:77] + "..."
    return message(
        "path",
        f"no endpoint at {shown!r}; expected /jsv1/identify/<org_id>/<roaming_id>/<nitro_id>/"
        "<payload> or /jsv1/<org_id>/<roaming_id>/<nitro_id>/<nitrox_id>/event/<type>",
        fields.PATH_UNKNOWN,
    )


def _error_json(msg: Message) -> dict[str, Any]:
    return {"error": msg["description"], "messages": [msg]}


async def _answer(send: Send, answer: Answer) -> None:
    status, body, headers = answer
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


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
        await reply(send, 503, b"Service Unavailable (injected fault)", TRACKER_TEXT)
        return
    transport.abort()
    await asyncio.sleep(0)
    if cycle is not None and not getattr(cycle, "disconnected", True):
        # connection_lost not delivered yet: say so, or uvicorn would try a 500.
        cycle.disconnected = True
