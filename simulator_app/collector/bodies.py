"""Reading what a tracking request carries: path segments, the query, the JSON body.

Everything here refuses with :class:`Reject` (a 4xx status and the message
that explains it) rather than raising anything else: text that is not UTF-8,
a body over the limit, JSON that :func:`~simulator_app.core.contract.read_json`
refuses (NaN, numbers out of range, nesting too deep).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote

from simulator_app.collector import fields
from simulator_app.collector.asgi import DISCONNECTED, Receive
from simulator_app.collector.fields import Message, message
from simulator_app.core.contract import JsonError, read_json


class Reject(Exception):
    """A request that gets a 4xx: its status and the message that explains it."""

    def __init__(self, status: int, msg: Message, allow: str | None = None) -> None:
        super().__init__(msg["description"])
        self.status = status
        self.msg = msg
        self.allow = allow


class Gone(Exception):
    """The client went away before its body arrived: nothing to answer."""


def segment(raw: str, where: str) -> str:
    """One path segment, percent-decoded (strict UTF-8)."""
    if "%" not in raw:
        return raw
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise Reject(
            400,
            message(
                f"path.{where}",
                f"{where} is not UTF-8 once percent-decoded",
                fields.ENCODING_INVALID,
            ),
        ) from None


def query_body(query: bytes) -> dict[str, Any]:
    """The query's fields (the first value of each; the cache-buster ``_`` left out)."""
    try:
        given = parse_qs(query.decode("latin-1"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise Reject(
            400,
            message("query", "query is not UTF-8 once percent-decoded", fields.ENCODING_INVALID),
        ) from None
    return {k: v[0] for k, v in given.items() if k != "_"}


def too_large(limit: int) -> Message:
    return message("body", f"body is larger than the {limit}-byte limit", fields.BODY_TOO_LARGE)


def check_body_headers(max_body: int, content_type: bytes | None, length: bytes | None) -> None:
    """Refuse a JSON POST by its headers, before its body is read: its type, its stated size.

    ``content_type`` and ``length`` are the request's headers of those names
    (None: absent), read by the caller in its one pass over the headers.
    """
    if content_type != b"application/json" and (
        content_type is None or content_type.split(b";")[0].strip().lower() != b"application/json"
    ):
        shown = "none" if content_type is None else repr(content_type.decode("latin-1"))
        raise Reject(
            415,
            message(
                "headers.content-type",
                f"Content-Type must be application/json, got {shown}",
                fields.CONTENT_TYPE_INVALID,
            ),
        )
    if length is not None and stated_too_large(length, max_body):
        raise Reject(413, too_large(max_body))


def stated_too_large(length: bytes, max_body: int) -> bool:
    """True when a Content-Length says the body is over ``max_body``: refused before it comes."""
    # (a length of under five digits is within any useful limit: the body is counted anyway)
    return len(length) > 4 and length.isdigit() and (len(length) >= 20 or int(length) > max_body)


def body_text(body: bytes, max_body: int) -> str:
    """A whole body as text: no longer than ``max_body`` bytes, strict UTF-8."""
    if len(body) > max_body:
        raise Reject(413, too_large(max_body))
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Reject(
            400,
            message(
                "body",
                f"body is not UTF-8 (byte {exc.start}: {body[exc.start : exc.start + 1]!r})",
                fields.ENCODING_INVALID,
            ),
        ) from None


async def read_text(
    receive: Receive, max_body: int, content_type: bytes | None, length: bytes | None
) -> str:
    """The body of a JSON POST as text, received from ASGI: checked as :func:`body_text`."""
    check_body_headers(max_body, content_type, length)
    event = await receive()
    if event["type"] == DISCONNECTED:
        raise Gone
    body: bytes = event.get("body", b"")
    while event.get("more_body", False):  # a body in several pieces
        event = await receive()
        if event["type"] == DISCONNECTED:
            raise Gone
        body += event.get("body", b"")
        if len(body) > max_body:
            raise Reject(413, too_large(max_body))
    return body_text(body, max_body)


def parse_object(text: str) -> dict[str, Any]:
    """The JSON object a body holds, read strictly; Reject (400) says why there is none."""
    if not text or text.isspace():
        raise Reject(
            400, message("body", "body is empty; expected a JSON object", fields.BODY_INVALID)
        )
    try:
        data = read_json(text)
    except JsonError as exc:
        raise Reject(
            400, message("body", f"body is not valid JSON: {exc}", fields.BODY_INVALID)
        ) from None
    if not isinstance(data, dict):
        raise Reject(400, message("body", "body must be a JSON object", fields.BODY_INVALID))
    return data
