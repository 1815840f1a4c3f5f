"""The details pane's texts for one request: request, response, identify's payload, verdict. No Qt."""

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


def message_line(message: dict[str, str]) -> str:
    """One verdict message in one line: ``CODE · field: description``."""
    code = message.get("code", "")
    text = message.get("description", "")
    where = message.get("fieldPath", "")
    said = f"{where}: {text}" if where and text else text or where
    return f"{code} · {said}" if code and said else code or said


def first_message(messages: tuple[dict[str, str], ...]) -> str:
    """A verdict's first message in one line, its reason code first (empty when none)."""
    return message_line(messages[0]) if messages else ""


def verdict_label(verdict: str | None, message: str = "") -> str:
    """The log's Verdict cell: ``good``, ``bad · CODE · <first message>`` or ``not judged``."""
    if verdict is None:
        return "not judged"
    return f"{verdict} · {message}" if message else verdict


def verdict_kind(record: RequestRecord) -> str:
    """How a request ended, as the colours name it: failed, bad, warn, good or unjudged."""
    if record.error is not None:
        return "failed"
    return record.verdict if record.verdict in ("good", "warn", "bad") else "unjudged"


def outcome_lines(record: RequestRecord) -> list[str]:
    """The transcript's answer: status and time, then the verdict and each reason, one a line.

    The same words as the log's Verdict cell and the details' Verdict tab: a
    request the collector judged bad never reads as OK.
    """
    status = "no response" if record.status is None else str(record.status)
    kind = verdict_kind(record)
    if kind == "failed":
        head = f"FAILED (transport): {record.error}"
    elif kind == "unjudged":
        head = "delivered, not judged (the target gives no verdict)"
    else:
        head = f"judged {record.verdict}" + (
            f" ({len(record.verdict_messages)} reasons)" if len(record.verdict_messages) > 1 else ""
        )
    lines = [f"← {status} in {record.latency_ms:.1f} ms · {head}"]
    lines += [f"   {message_line(m)}" for m in record.verdict_messages]
    return lines


def verdict_text(record: RequestRecord) -> str:
    """The Verdict tab: the receiver's word and every message it gave."""
    if record.verdict is None:
        return (
            "Not judged: the target gave no verdict (only the embedded collector judges"
            " requests against the tracking contract)."
        )
    lines = [f"Verdict: {record.verdict}"]
    if record.error is not None:
        lines.append(f"Transport: FAILED ({record.error})")
    for m in record.verdict_messages:
        lines.append(f"- {message_line(m)}")
    if len(lines) == 1 and record.verdict != "good":
        lines.append("(no messages kept)")
    return "\n".join(lines)


def headers_text(headers: tuple[tuple[str, str], ...]) -> str:
    return "\n".join(f"{k}: {v}" for k, v in headers) if headers else "(none kept)"


def summary_line(record: RequestRecord) -> str:
    """One line: visitor, journey, step, status, latency, outcome and verdict."""
    status = "no response" if record.status is None else str(record.status)
    # "delivered", never "OK": a request the receiver judged bad was delivered, not OK
    outcome = "delivered" if record.ok else f"FAILED: {record.error}"
    verdict = verdict_label(record.verdict, first_message(record.verdict_messages))
    return (
        f"visitor {record.visitor} · journey {record.journey or '?'} · step {record.step}"
        f" · {status} · {record.latency_ms:.1f} ms · {outcome} · verdict {verdict}"
    )


def describe(record: RequestRecord, note: str = "") -> str:
    """Everything known about one request, as one text (the details tabs together)."""
    parts = [f"{record.method} {record.url}", summary_line(record)]
    if note:
        parts.append(f"Note: {note}")
    parts += ["", "── Request headers", headers_text(record.request_headers)]
    parts += ["", "── Request body", pretty_body(record.request_body)]
    payload = identify_payload(record)
    if payload is not None:
        parts += ["", "── Identify payload (decoded)", payload]
    parts += ["", "── Response headers", headers_text(record.response_headers)]
    parts += ["", "── Response body", pretty_body(record.response_body)]
    parts += ["", "── Verdict", verdict_text(record)]
    return "\n".join(parts)
