"""Exports of request records: cURL commands, HAR 1.2 and JSONL, as every runner writes them.

HAR follows the 1.2 specification (http://www.softwareishard.com/blog/har-12-spec/):
every required field is present; sizes the sender does not measure are -1,
as the spec asks. A record's error goes in the entry's ``comment`` and in the
custom field ``_error`` (custom fields start with an underscore).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, TextIO
from urllib.parse import parse_qsl, urlsplit

from simulator_app.core.record import RequestRecord

HTTP_VERSION = "HTTP/1.1"
JSON_MIME = "application/json"


def curl_command(record: RequestRecord, multiline: bool = False) -> str:
    """A shell command that sends ``record``'s request again; every part safely quoted.

    ``multiline``: one option per line, joined by `` \\`` line continuations.
    """
    groups = [["curl", "-X", record.method]]
    for name, value in record.request_headers:
        groups.append(["-H", f"{name}: {value}"])
    if record.request_body is not None:
        groups.append(["--data-raw", record.request_body])
    groups.append([record.url])
    lines = [" ".join(shlex.quote(p) for p in group) for group in groups]
    return " \\\n  ".join(lines) if multiline else " ".join(lines)


def _header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers:
        if key.lower() == wanted:
            return value
    return None


def _status_text(status: int | None) -> str:
    if status is None:
        return ""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat(timespec="milliseconds")


def har_entry(record: RequestRecord, comment: str = "") -> dict[str, Any]:
    """One HAR 1.2 entry for ``record``."""
    body = record.request_body
    request: dict[str, Any] = {
        "method": record.method,
        "url": record.url,
        "httpVersion": HTTP_VERSION,
        "cookies": [],
        "headers": [{"name": k, "value": v} for k, v in record.request_headers],
        "queryString": [
            {"name": k, "value": v}
            for k, v in parse_qsl(urlsplit(record.url).query, keep_blank_values=True)
        ],
        "headersSize": -1,
        "bodySize": len(body.encode("utf-8")) if body is not None else 0,
    }
    if body is not None:
        request["postData"] = {
            "mimeType": _header(record.request_headers, "Content-Type") or JSON_MIME,
            "params": [],
            "text": body,
        }
    text = record.response_body
    size = len(text.encode("utf-8"))
    response = {
        "status": record.status if record.status is not None else 0,
        "statusText": _status_text(record.status),
        "httpVersion": HTTP_VERSION,
        "cookies": [],
        "headers": [{"name": k, "value": v} for k, v in record.response_headers],
        "content": {
            "size": size,
            "mimeType": _header(record.response_headers, "Content-Type") or "text/plain",
            "text": text,
        },
        "redirectURL": _header(record.response_headers, "Location") or "",
        "headersSize": -1,
        "bodySize": size if record.status is not None else -1,
    }
    entry: dict[str, Any] = {
        "startedDateTime": _iso(record.time),
        "time": round(record.latency_ms, 3),
        "request": request,
        "response": response,
        "cache": {},
        # The sender measures one latency: all of it is waiting for the answer.
        "timings": {"send": 0, "wait": round(record.latency_ms, 3), "receive": 0},
        "_visitor": record.visitor,
        "_step": record.step,
    }
    if record.verdict is not None:  # the receiver's judgement, as the collector answered it
        entry["_verdict"] = record.verdict
        entry["_verdict_messages"] = list(record.verdict_messages)
    notes = [n for n in (record.error, comment) if n]
    if record.error:
        entry["_error"] = record.error
    if notes:
        entry["comment"] = "; ".join(notes)
    return entry


def har_document(entries: Iterable[tuple[RequestRecord, str]], version: str) -> dict[str, Any]:
    """A whole HAR 1.2 log from (record, comment) pairs."""
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "Nitrox Traffic Simulator", "version": version},
            "pages": [],
            "entries": [har_entry(record, comment) for record, comment in entries],
        }
    }


class HarWriter:
    """Writes a HAR 1.2 file entry by entry, so a large export never holds it all at once."""

    def __init__(self, out: TextIO, version: str) -> None:
        self.out = out
        self.count = 0
        head = json.dumps(har_document((), version), ensure_ascii=False, indent=1)
        self._opening, self._closing = head.split('"entries": []')
        out.write(self._opening + '"entries": [\n')

    def add(self, record: RequestRecord, comment: str = "") -> None:
        if self.count:
            self.out.write(",\n")
        self.out.write(json.dumps(har_entry(record, comment), ensure_ascii=False))
        self.count += 1

    def close(self) -> None:
        """Finish the document (the caller closes the file)."""
        self.out.write("\n]" + self._closing)


def write_har(out: TextIO, entries: Iterable[tuple[RequestRecord, str]], version: str) -> int:
    """Write a whole HAR 1.2 file; returns how many entries it holds."""
    writer = HarWriter(out, version)
    for record, comment in entries:
        writer.add(record, comment)
    writer.close()
    return writer.count


def jsonl_line(record: RequestRecord, comment: str = "") -> str:
    """The record's JSONL line (the CLI's log format, plus a ``note`` when rebuilt)."""
    data = record.to_json()
    if comment:
        data["note"] = comment
    return json.dumps(data, ensure_ascii=False) + "\n"


def write_jsonl(out: TextIO, entries: Iterable[tuple[RequestRecord, str]]) -> int:
    """Write one JSON object per line; returns how many lines."""
    count = 0
    for record, comment in entries:
        out.write(jsonl_line(record, comment))
        count += 1
    return count


def package_version() -> str:
    """The app's version for HAR's creator field."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nitrox-traffic-simulator")
    except PackageNotFoundError:
        return "source"
