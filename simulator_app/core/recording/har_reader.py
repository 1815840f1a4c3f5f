"""Read a HAR 1.2 file saved by Chrome's or Firefox's developer tools: the Nitrox requests in it.

A Nitrox request is recognised by its path's shape on any host and under any
base path: ``…/jsv1/identify/<org>/<roaming>/<nitro>/<payload>`` or
``…/jsv1/<org>/<roaming>/<nitro>/<nitrox>/event/<type>``. Everything else
(pages, images, scripts, other trackers) is counted and left out.

The exporters differ: Firefox leaves out fields (``postData.params``,
``cookies``, sometimes ``queryString``), Chrome adds its own ``_`` fields,
a body may be in ``postData.text`` or absent, and a URL may be
percent-encoded or not. Only what a Nitrox request needs is read, and an
entry that cannot be read gives one line (its number, what is wrong), never
an exception.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from simulator_app.core.contract import (
    EVENT_TYPES,
    JsonError,
    PayloadError,
    decode_payload,
    read_json,
)
from simulator_app.core.inputs import InputError, read_bounded
from simulator_app.core.recording.scrub import Removed, Scrubber

MAX_HAR_BYTES = 512 * 1024 * 1024  # a day of devtools recording is far less
MAX_OBJECTS = 10_000_000  # JSON objects: 10,000 entries with their headers hold about 300,000
MAX_PROBLEMS = 1000  # lines kept about unreadable entries (all are counted)
_MARK = "/jsv1/"


class HarError(ValueError):
    """The file is not a HAR document at all (one line says why)."""


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One Nitrox request of a recording, read back from its entry.

    ``kind`` is ``identify`` or an event type; ``body`` the event's JSON
    object (a view by GET: its query's ``page``), ``payload`` identify's
    decoded payload; ``time`` the epoch second it was started.
    """

    entry: int  # 1-based entry number in the file
    time: float
    kind: str
    method: str
    org_id: str
    roaming_id: str
    nitro_id: str
    nitrox_id: str  # "" for identify (it has none)
    body: dict[str, Any] | None
    body_text: str | None  # the body as it was sent
    payload: dict[str, Any] | None  # identify's ``source`` alone (scrubbed), when it has one
    payload_segment: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]  # names only: values are never kept
    status: int
    origin: str  # scheme://host of the tracker
    page_url: str | None  # the page the browser was on (Referer), if recorded

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    @property
    def ids(self) -> tuple[str, str, str, str]:
        return (self.org_id, self.roaming_id, self.nitro_id, self.nitrox_id)


@dataclass
class Recording:
    """The Nitrox requests of a HAR file, in the order they were sent, and what was unreadable."""

    file: str
    entries: int  # all entries of the file
    requests: list[RecordedRequest] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "entry N: what is wrong", the first ones
    problem_count: int = 0  # all of them: only the first MAX_PROBLEMS lines are kept
    removed: Removed = field(default_factory=Removed)  # what scrubbing took out, by name

    def problem(self, line: str) -> None:
        """Note one unreadable entry (a file of millions of them keeps a few lines, and the count)."""
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(line)

    def visitors(self) -> dict[str, list[RecordedRequest]]:
        """Requests by nitro_id, visitors in the order they first appear."""
        out: dict[str, list[RecordedRequest]] = {}
        for request in self.requests:
            out.setdefault(request.nitro_id, []).append(request)
        return out


class _Skip(Exception):
    """This entry is not readable; the message says why."""


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _Skip(f"{where}: missing or not text")
    return value


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        return ()
    return tuple(
        (str(h.get("name", "")), str(h.get("value", "")))
        for h in value
        if isinstance(h, dict) and isinstance(h.get("name"), str)
    )


def _epoch(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.strip()).timestamp()
    except ValueError:
        return None


def _nitrox_parts(url: str, scrubber: Scrubber) -> tuple[str, list[str], str] | None:
    """(origin, path segments after /jsv1/, query) when ``url`` has the Nitrox shape."""
    if _MARK not in url:  # most entries of a recording: pages, images, scripts
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    path = parts.path
    at = path.find(_MARK)
    if at < 0:
        return None
    segments = path[at + len(_MARK) :].split("/")
    if segments[0] == "identify":
        if len(segments) < 5:
            return None
    elif len(segments) != 6 or segments[4] != "event":
        return None
    origin = scrubber.url(f"{parts.scheme}://{parts.netloc}")  # without user:password@
    return origin or f"{parts.scheme}://", segments, parts.query


def _body(request: dict[str, Any], kind: str) -> tuple[dict[str, Any], str]:
    """The event's JSON body and its text, as recorded (the caller scrubs them)."""
    post = request.get("postData")
    text = post.get("text") if isinstance(post, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise _Skip(f"event/{kind}: no body recorded (postData.text is absent)")
    try:
        data = read_json(text)
    except JsonError as exc:
        raise _Skip(f"event/{kind}: postData.text: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise _Skip(f"event/{kind}: postData.text: not a JSON object")
    return data, text


def read_entry(
    number: int, entry: Any, last_time: float, scrubber: Scrubber | None = None
) -> RecordedRequest | None:
    """Entry ``number``'s Nitrox request; None when it is not one; :class:`_Skip` when unreadable.

    Its URLs and texts come out scrubbed by ``scrubber`` (see :mod:`.scrub`).
    """
    scrubber = scrubber if scrubber is not None else Scrubber()
    if not isinstance(entry, dict):
        raise _Skip("not an object")
    request = entry.get("request")
    if not isinstance(request, dict):
        raise _Skip("request: missing")
    url = request.get("url")
    if not isinstance(url, str):
        raise _Skip("request.url: missing or not text")
    found = _nitrox_parts(url, scrubber)
    if found is None:
        return None
    origin, segments, query_text = found
    method = _text(request.get("method"), "request.method").upper()
    if method in ("OPTIONS", "HEAD"):  # the browser's CORS preflight, not the tracker's
        return None
    started = _epoch(entry.get("startedDateTime"))
    # Only the names of headers are kept (a Cookie, an Authorization or a visitor's
    # address is never needed), and the Referer, scrubbed: the page the browser was on.
    recorded = _pairs(request.get("headers"))
    referer = next((v for k, v in recorded if k.lower() == "referer"), None)
    page_url = scrubber.url(referer) if referer is not None else None
    headers = tuple((k, "") for k, _ in recorded)
    query = tuple(parse_qsl(query_text, keep_blank_values=True))
    response = entry.get("response")
    status = response.get("status") if isinstance(response, dict) else None
    ids = [unquote(s) for s in segments]
    body: dict[str, Any] | None = None
    body_text: str | None = None
    payload: dict[str, Any] | None = None
    raw = ""
    if ids[0] == "identify":
        kind = "identify"
        org, roaming, nitro, nitrox = ids[1], ids[2], ids[3], ""
        raw = "/".join(segments[4:])  # unencoded standard Base64 may hold a "/"
        try:
            decoded = decode_payload(raw)
        except PayloadError as exc:
            raise _Skip(f"identify: {exc}") from None
        # Its name, e-mail and phone are judged from the segment and never kept.
        source = decoded.get("source")
        payload = {"source": scrubber.text(source, "source")} if isinstance(source, str) else {}
    else:
        org, roaming, nitro, nitrox, kind = ids[0], ids[1], ids[2], ids[3], ids[5]
        if kind not in EVENT_TYPES:
            shown = kind if kind.isascii() and kind.isalpha() and len(kind) <= 40 else "…"
            raise _Skip(f"event/{shown}: not one of the seven event types")  # never data shown
        if method == "GET":
            pages = [v for k, v in query if k == "page"]
            body = {"page": pages[0]} if pages else {}
        else:
            body, body_text = _body(request, kind)
        clean = scrubber.body(body)
        if clean != body:
            body, body_text = (
                clean,
                None,
            )  # sent re-encoded: the recorded text held what was removed
    return RecordedRequest(
        entry=number,
        time=last_time if started is None else started,
        kind=kind,
        method=method,
        org_id=org,
        roaming_id=roaming,
        nitro_id=nitro,
        nitrox_id=nitrox,
        body=body,
        body_text=body_text,
        payload=payload,
        payload_segment=raw,
        query=query,
        headers=headers,
        status=status if isinstance(status, int) else 0,
        origin=origin,
        page_url=page_url,
    )


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def read_har(text: str, file: str = "<har>") -> Recording:
    """The Nitrox requests of a HAR document; :class:`HarError` when it is not one."""
    # Each JSON object costs Python 64 bytes and more: "{}," three bytes of text. A count
    # of braces (strings' included: an upper bound) keeps a file of millions of empty
    # objects from filling memory before a line of it is read.
    objects = text.count("{")
    if objects > MAX_OBJECTS:
        raise HarError(f"holds {objects:,} objects; at most {MAX_OBJECTS:,} are read")
    try:
        # json.loads, not read_json: a HAR's tens of megabytes are the user's own file,
        # and read_json's depth guard scans all of it first.
        document = json.loads(text, parse_constant=_refuse)
    except json.JSONDecodeError as exc:
        raise HarError(
            f"not a HAR file: not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise HarError(f"not a HAR file: not JSON ({str(exc).split(';')[0]})") from None
    log = document.get("log") if isinstance(document, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        raise HarError("not a HAR file: it has no log.entries list")
    recording = Recording(file, len(entries))
    scrubber = Scrubber()
    recording.removed = scrubber.removed
    last = 0.0
    found: list[RecordedRequest] = []
    for number, entry in enumerate(entries, 1):
        try:
            request = read_entry(number, entry, last, scrubber)
        except _Skip as exc:
            recording.problem(f"entry {number}: {exc}")
            continue
        if request is not None:
            if _epoch(entry.get("startedDateTime")) is None:
                recording.problem(
                    f"entry {number}: startedDateTime: missing or not a date; "
                    "timed as the request before it"
                )
            last = request.time
            found.append(request)
    # Exporters list entries by start time, mostly; a stable sort keeps ties in file order.
    found.sort(key=lambda r: r.time)
    recording.requests = found
    return recording


def read_har_file(path: str) -> Recording:
    """:func:`read_har` of a file, read with its cap; :class:`HarError` (one line) when it cannot be."""
    try:
        data = read_bounded(path, MAX_HAR_BYTES, "HAR file")
    except InputError as exc:
        raise HarError(str(exc)) from None
    except FileNotFoundError:
        raise HarError("no such file") from None
    except OSError as exc:
        raise HarError(f"cannot read: {exc.strerror}") from None
    if not data:
        raise HarError("is empty: nothing to read")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HarError(f"not a HAR file: not UTF-8 text ({exc.reason})") from None
    del data  # the text alone from here on: a big recording's bytes are not kept twice
    return read_har(text, path)
