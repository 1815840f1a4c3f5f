"""One request's round trip: a planned request in, one :class:`RequestRecord` out.

Shared by the load runner (async, many visitors) and the desktop app's
click-through mode (:func:`send_one`, synchronous, one request at a time), so
both build the same bytes and judge answers the same way, with
``contract.judge_response``.
"""

from __future__ import annotations

import time

import httpx

from simulator_app.core.contract import judge_response
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
    spec = planned.spec
    status: int | None = None
    text = ""
    response_headers: tuple[tuple[str, str], ...] = ()
    if response is not None:
        status = response.status_code
        text = response.content.decode("utf-8", "replace")
        error = judge_response(spec, status, text)
        if len(text) > MAX_BODY_CHARS:
            text = text[:MAX_BODY_CHARS]
        response_headers = tuple(response.headers.items())
    return RequestRecord(
        time=sent_at,
        visitor=spec.visitor,
        journey=planned.journey,
        step=spec.step,
        name=spec.name,
        method=spec.method,
        url=str(request.url),
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
