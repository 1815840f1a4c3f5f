"""One request's round trip: a planned request in, one :class:`RequestRecord` out.

Shared by the load runner (async, many visitors) and the desktop app's
click-through mode (:func:`send_one`, synchronous, one request at a time), so
both build the same bytes and judge answers the same way, with
``contract.judge_response``.
"""

from __future__ import annotations

import re
import time

import httpx

from simulator_app.core.contract import RequestSpec, judge_response
from simulator_app.core.journey import PlannedRequest
from simulator_app.core.record import RequestRecord

MAX_BODY_CHARS = 64 * 1024  # a log line stays readable even if a server answers a page


def request_url(target: str, planned: PlannedRequest, now_ms: int) -> str:
    """The full URL: the target's origin (and any path prefix) plus the request's path."""
    return target.rstrip("/") + planned.spec.target(now_ms)


def build_request(target: str, planned: PlannedRequest, timeout: float) -> httpx.Request:
    """The httpx request for ``planned``, with the cache-buster of this moment."""
    spec = planned.spec
    now_ms = int(time.time() * 1000)
    content = spec.body.encode("utf-8") if spec.body is not None else b""
    return httpx.Request(
        spec.method,
        request_url(target, planned, now_ms),
        headers=list(spec.headers),
        content=content,
        extensions={
            "timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
        },
    )


# What httpx leaves as it is in a URL's path and query (its PATH_SAFE and
# QUERY_SAFE, the WHATWG percent-encode sets, plus the unreserved characters):
# printable ASCII but for these.
_VERBATIM_PATH = re.compile(r"/[!$-;=@-_a-z|~]*")  # no space " # < > ? ` { }
_VERBATIM_QUERY = re.compile(r"[!$-;=?-~]*")  # no space " # < >
_BODY_METHODS = ("POST", "PUT", "PATCH")  # httpx sends Content-Length: 0 with these


class WireTarget:
    """The bytes of requests to one target, written as httpx writes them, without httpx.

    Building an ``httpx.Request`` parses and re-quotes its URL; on a loopback
    target that was half the sender's time. When httpx would keep the target
    and a request's path exactly as they are (no character it would quote, no
    ``.`` or ``..`` segment), :meth:`payload` writes the same request line and
    headers (Host first, then the request's own, then Content-Length) itself.
    Otherwise it returns None and the caller goes through httpx.
    """

    def __init__(self, target: str) -> None:
        self.base = target.rstrip("/")
        probe = httpx.URL(self.base + "/x")
        scheme = probe.scheme
        self.usable = (
            str(probe) == self.base + "/x"
            and scheme in ("http", "https")
            and not probe.userinfo
            and bool(probe.host)
        )
        self.origin = (scheme, probe.host, probe.port or (443 if scheme == "https" else 80))
        self.prefix = probe.raw_path[:-2].decode("ascii")
        self.host_line = b"Host: " + probe.netloc + b"\r\n"

    def payload(self, spec: RequestSpec, target: str, body: bytes) -> bytes | None:
        """The whole request for ``spec`` sent to path ``target``, or None to let httpx write it."""
        if not self.usable:
            return None
        path, mark, query = target.partition("?")
        if not _VERBATIM_PATH.fullmatch(path) or (mark and not _VERBATIM_QUERY.fullmatch(query)):
            return None
        if "/." in path:
            segments = path.split("/")
            if "." in segments or ".." in segments:
                return None
        head = [f"{spec.method} {self.prefix}{target} HTTP/1.1\r\n".encode("ascii"), self.host_line]
        if not body and spec.method in _BODY_METHODS:
            head.append(b"Content-Length: 0\r\n")
        for name, value in spec.headers:
            if name.lower() in ("host", "content-length", "transfer-encoding"):
                return None  # httpx would not add its own: leave such requests to it
            head.append(name.encode("ascii") + b": " + value.encode("ascii") + b"\r\n")
        if body:
            head.append(b"Content-Length: %d\r\n" % len(body))
        head.append(b"\r\n")
        head.append(body)
        return b"".join(head)

    def url(self, target: str) -> str:
        """The URL a request to path ``target`` went to, as httpx would print it."""
        return self.base + target


def header_items(raw: list[tuple[bytes, bytes]], body: bytes) -> tuple[tuple[str, str], ...]:
    """A response's headers as ``httpx.Response(headers=raw, content=body).headers.items()``.

    Names lower-cased, repeated names joined with ", ", decoded as ASCII, else
    UTF-8, else Latin-1 (one encoding for all); a Content-Length added when the
    body is not empty and the server sent none (a chunked answer), as httpx does.
    """
    if body and not any(name.lower() == b"content-length" for name, _ in raw):
        raw = [*raw, (b"Content-Length", str(len(body)).encode("ascii"))]
    encoding = "iso-8859-1"
    for candidate in ("ascii", "utf-8"):
        try:
            for name, value in raw:
                name.decode(candidate)
                value.decode(candidate)
        except UnicodeDecodeError:
            continue
        encoding = candidate
        break
    items: dict[str, str] = {}
    for name, value in raw:
        key, text = name.lower().decode(encoding), value.decode(encoding)
        items[key] = f"{items[key]}, {text}" if key in items else text
    return tuple(items.items())


def describe_error(exc: BaseException) -> str:
    """A short, user-readable reason for a request that got no response."""
    if isinstance(exc, httpx.ConnectTimeout):
        return f"connect timeout: {exc}"
    if isinstance(exc, httpx.ConnectError):
        return f"connection error: {exc}"
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return "timeout: no response in time"
    if isinstance(exc, httpx.HTTPError):
        return f"{type(exc).__name__}: {exc}"
    return f"{type(exc).__name__}: {exc}"


def make_record(
    planned: PlannedRequest,
    request: httpx.Request,
    sent_at: float,
    latency_ms: float,
    response: httpx.Response | None,
    error: str | None = None,
) -> RequestRecord:
    """The record of one exchange; a response is judged by the contract."""
    if response is None:
        return record_of(planned, str(request.url), sent_at, latency_ms, None, error)
    return record_of(
        planned,
        str(request.url),
        sent_at,
        latency_ms,
        (response.status_code, response.content, tuple(response.headers.items())),
    )


Answer = tuple[int, bytes, tuple[tuple[str, str], ...]]  # status, body, header items


def record_of(
    planned: PlannedRequest,
    url: str,
    sent_at: float,
    latency_ms: float,
    answer: Answer | None,
    error: str | None = None,
) -> RequestRecord:
    """The record of one exchange from plain parts; an answer is judged by the contract."""
    spec = planned.spec
    status: int | None = None
    text = ""
    response_headers: tuple[tuple[str, str], ...] = ()
    if answer is not None:
        status, content, response_headers = answer
        text = content.decode("utf-8", "replace")
        error = judge_response(spec, status, text)
        if len(text) > MAX_BODY_CHARS:
            text = text[:MAX_BODY_CHARS]
    return RequestRecord(
        time=sent_at,
        visitor=spec.visitor,
        journey=planned.journey,
        step=spec.step,
        name=spec.name,
        method=spec.method,
        url=url,
        status=status,
        latency_ms=latency_ms,
        request_headers=spec.headers,
        request_body=spec.body,
        response_body=text,
        error=error,
        response_headers=response_headers,
    )


def send_one(client: httpx.Client, target: str, planned: PlannedRequest) -> RequestRecord:
    """Send one planned request synchronously and return its record (never raises on I/O).

    For the desktop app's click-through mode, where QA steps through one
    visitor a request at a time. The client's own timeout applies.
    """
    request = build_request(target, planned, _client_timeout(client))
    sent_at = time.time()
    started = time.perf_counter()
    try:
        response = client.send(request)
    except (httpx.HTTPError, OSError) as exc:
        latency = (time.perf_counter() - started) * 1000
        return make_record(planned, request, sent_at, latency, None, describe_error(exc))
    latency = (time.perf_counter() - started) * 1000
    return make_record(planned, request, sent_at, latency, response)


def _client_timeout(client: httpx.Client) -> float:
    timeout = client.timeout
    values = [v for v in (timeout.connect, timeout.read) if v is not None]
    return max(values) if values else 10.0
