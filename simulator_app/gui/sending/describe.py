"""The details pane's text for one request: request, response, identify's payload. No Qt."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from simulator_app.core.contract import PayloadError, decode_payload
from simulator_app.core.record import RequestRecord


def pretty_body(text: str | None) -> str:
    """A body for reading: indented JSON when it is JSON, else as sent."""
    if text is None:
        return "(no body)"
    if not text:
        return "(empty)"
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def identify_payload(record: RequestRecord) -> str | None:
    """Identify's payload decoded and indented, or why it cannot be read; None for events."""
    if record.step != "identify":
        return None
    segments = urlsplit(record.url).path.rstrip("/").split("/")
    if len(segments) < 2:
        return "(no payload segment)"
    try:
        payload = decode_payload(segments[-1])
    except PayloadError as exc:
        return f"cannot decode: {exc}"
    return json.dumps(payload, indent=2, ensure_ascii=False)


def _headers(headers: tuple[tuple[str, str], ...]) -> str:
    return "\n".join(f"{k}: {v}" for k, v in headers) if headers else "(none kept)"


def describe(record: RequestRecord, note: str = "") -> str:
    """Everything known about one request, as the details pane shows it."""
    status = "no response" if record.status is None else str(record.status)
    verdict = "OK" if record.ok else f"FAILED: {record.error}"
    parts = [
        f"{record.method} {record.url}",
        f"visitor {record.visitor} · journey {record.journey or '?'} · step {record.step}"
        f" · {status} · {record.latency_ms:.1f} ms · {verdict}",
    ]
    if note:
        parts.append(f"Note: {note}")
    parts += ["", "── Request headers", _headers(record.request_headers)]
    parts += ["", "── Request body", pretty_body(record.request_body)]
    payload = identify_payload(record)
    if payload is not None:
        parts += ["", "── Identify payload (decoded)", payload]
    parts += ["", "── Response headers", _headers(record.response_headers)]
    parts += ["", "── Response body", pretty_body(record.response_body)]
    return "\n".join(parts)
