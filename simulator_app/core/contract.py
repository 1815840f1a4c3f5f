"""The Nitrox tracking API contract: how each of the 8 requests is built and judged.

Everything a runner sends goes through here, and the collector reads requests
back with the same helpers, so the two can never disagree about the wire
format. See CONTRACT.md in the shared folder for the rules and their sources.

Plain standard library only: the Locust exporter inlines this module into the
generated locustfile.
"""

from __future__ import annotations

import base64
import binascii
import json
import json.encoder
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

EVENT_TYPES: tuple[str, ...] = (
    "view",
    "productview",
    "categoryview",
    "updatecart",
    "removefromcart",
    "checkout",
    "buy",
)
STEP_TYPES: tuple[str, ...] = ("identify", *EVENT_TYPES)
_EVENT_NAMES = {kind: "event/" + kind for kind in EVENT_TYPES}
PAYLOAD_ERROR = "Payload Error"
NULL_NITROX_ID = "null"
ROAMING_PREFIX = "biscuit_"
JSON_CONTENT_TYPE = "application/json"


def _json_encoder() -> Callable[[Any], str]:
    """``json.dumps(obj, ensure_ascii=False, separators=(",", ":"))``, built once.

    ``json.dumps`` makes a new encoder, and ``JSONEncoder.encode`` a new C
    encoder, on every call: a measurable share of a request's cost in a
    Locust worker. The C encoder made here once gives the same text.
    """
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # a Python without the C accelerator
        return encoder.encode
    encode = make(
        None, encoder.default, json.encoder.encode_basestring, None, ":", ",", False, False, True
    )
    return lambda obj: "".join(encode(obj, 0))


encode_json = _json_encoder()
"""A body as the wire carries it: compact JSON, UTF-8 text kept as is."""

UUID_FORM = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
"""A UUID in its canonical 8-4-4-4-12 form: ASCII hex digits only (never a Unicode digit)."""


def whole(form: str) -> str:
    """A pattern that matches all of a text or nothing, in Python and in JSON Schema alike.

    ``$`` would also match before a final newline in Python (jsonschema's
    ``re.search``); ``(?![\\s\\S])`` is the end of the text in both dialects.
    """
    return f"^(?:{form})(?![\\s\\S])"


UUID_PATTERN = whole(UUID_FORM)
ROAMING_PATTERN = whole(ROAMING_PREFIX + UUID_FORM)
_UUID_RE = re.compile(UUID_FORM, re.ASCII)


def is_uuid(text: str) -> bool:
    """True when all of ``text`` is a UUID in its canonical 8-4-4-4-12 hex form."""
    return _UUID_RE.fullmatch(text) is not None


def id_problem(kind: str, value: str) -> str | None:
    """Why ``value`` is not a valid identifier of ``kind``, or None when it is.

    ``kind`` is one of ``org_id``, ``roaming_id``, ``nitro_id``, ``nitrox_id``.
    The whole value must match: a trailing newline, a space or a lookalike
    character (a fullwidth letter, another script's digit) is a problem. This
    is the one ID rule: the collector, the scenario model (through
    :data:`UUID_PATTERN` and :data:`ROAMING_PATTERN`) and the Locust options use it.
    """
    if kind == "roaming_id":
        if not value.startswith(ROAMING_PREFIX) or not is_uuid(value[len(ROAMING_PREFIX) :]):
            return f"must be '{ROAMING_PREFIX}' followed by a UUID"
        return None
    if kind == "nitrox_id" and value == NULL_NITROX_ID:
        return None
    if not is_uuid(value):
        extra = " or the text 'null'" if kind == "nitrox_id" else ""
        return f"must be a UUID (8-4-4-4-12 hex digits){extra}"
    return None


@dataclass(frozen=True, slots=True)
class VisitorIds:
    """The four path identifiers one visitor keeps for all its requests."""

    org_id: str
    roaming_id: str
    nitro_id: str
    nitrox_id: str = NULL_NITROX_ID

    def __init__(
        self, org_id: str, roaming_id: str, nitro_id: str, nitrox_id: str = NULL_NITROX_ID
    ) -> None:
        # One per visitor: set the frozen slots directly (see RequestSpec.__init__).
        s = _IDS_SLOTS
        s[0](self, org_id)
        s[1](self, roaming_id)
        s[2](self, nitro_id)
        s[3](self, nitrox_id)


@dataclass(frozen=True, slots=True)
class TrackerOptions:
    """Optional behaviours of the public browser tracker that a runner may imitate."""

    view_method: str = "POST"  # "POST" or "GET" (page goes in the query)
    tracker_headers: bool = True  # Accept, X-Nitro-Id, X-Organisation
    cache_buster: bool = True  # ?_=<epoch ms>, added at send time


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """One request, ready for any runner: nothing in it depends on time or a socket.

    ``path`` is the percent-encoded path and query; ``name`` is a stable stats
    name (``identify``, ``event/checkout``) so that results group per endpoint
    rather than per visitor URL. ``expect`` is the body identify must answer.
    """

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: str | None
    name: str
    step: str
    visitor: int
    expect: str | None = None
    cache_buster: bool = False

    def __init__(
        self,
        method: str,
        path: str,
        headers: tuple[tuple[str, str], ...],
        body: str | None,
        name: str,
        step: str,
        visitor: int,
        expect: str | None = None,
        cache_buster: bool = False,
    ) -> None:
        # The generated __init__ of a frozen dataclass calls object.__setattr__
        # per field; writing the slots directly costs half (a Locust worker
        # builds one spec per request). The object is the same.
        s = _SPEC_SLOTS
        s[0](self, method)
        s[1](self, path)
        s[2](self, headers)
        s[3](self, body)
        s[4](self, name)
        s[5](self, step)
        s[6](self, visitor)
        s[7](self, expect)
        s[8](self, cache_buster)

    def target(self, now_ms: int) -> str:
        """The path to send at ``now_ms``: with the cache-buster query when asked for."""
        if not self.cache_buster:
            return self.path
        sep = "&" if "?" in self.path else "?"
        return f"{self.path}{sep}_={now_ms}"


def slot_setters(cls: type, names: tuple[str, ...]) -> tuple[Callable[[Any, Any], None], ...]:
    """The setters of a slotted class's slots, for a frozen dataclass's own fast ``__init__``."""
    return tuple(getattr(cls, name).__set__ for name in names)


_IDS_SLOTS = slot_setters(VisitorIds, ("org_id", "roaming_id", "nitro_id", "nitrox_id"))
_SPEC_SLOTS = slot_setters(
    RequestSpec,
    ("method", "path", "headers", "body", "name", "step", "visitor", "expect", "cache_buster"),
)


# The characters quote(..., safe="") never escapes: a segment made only of them
# (every UUID, "null") is returned as is without the cost of quote().
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


def encode_segment(value: str) -> str:
    """Percent-encode one path segment so it can never split or escape its place."""
    return value if _UNRESERVED.fullmatch(value) else quote(value, safe="")


def encode_payload(payload: dict[str, Any]) -> str:
    """Identify's payload: standard Base64 of UTF-8 JSON, percent-encoded as one segment.

    Standard Base64 may contain ``/`` and ``+`` (a Devanagari name does); they
    are escaped so the payload stays a single path segment.
    """
    raw = encode_json(payload).encode("utf-8")
    return quote(base64.b64encode(raw).decode("ascii"), safe="=")


MAX_JSON_DEPTH = 64  # deepest nesting read_json accepts; a tracker's bodies are 3 deep
MAX_NUMBER_CHARS = 100  # longest number read_json accepts; a tracker's are under 25


class JsonError(ValueError):
    """Text that :func:`read_json` refuses; the message says why in plain words."""


def _refuse_constant(name: str) -> Any:
    raise JsonError(f"{name} is not a JSON number")


def _long_number(text: str) -> JsonError:
    return JsonError(
        f"a number of {len(text)} characters is longer than the {MAX_NUMBER_CHARS} accepted"
    )


def _read_float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise _long_number(text)
    value = float(text)
    if value in (math.inf, -math.inf):
        raise JsonError(f"number {text} is out of range")
    return value


def _read_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _long_number(text)
    return int(text)


_DECODER = json.JSONDecoder(
    parse_float=_read_float, parse_int=_read_int, parse_constant=_refuse_constant
)
_SCAN: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]
_SPACE = re.compile(r"[ \t\n\r]*").match  # JSON's whitespace, as json.decoder has it


def _skip_space(text: str, pos: int) -> int:
    found = _SPACE(text, pos)
    return found.end() if found else pos


def _where(what: str, text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    column = pos - text.rfind("\n", 0, pos)
    return f"{what} at line {line}, column {column}"


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def _too_deep(text: str) -> bool:
    """True when ``text`` nests arrays and objects more than MAX_JSON_DEPTH deep."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return False  # the common case, at the speed of str.count
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        else:
            depth -= 1
    return False


def read_json(text: str) -> Any:
    """JSON as this project reads what others send: strict, and bounded.

    Unlike ``json.loads`` it refuses ``NaN`` and ``Infinity`` (not JSON, and
    not writable back as JSON), numbers out of float range or longer than
    :data:`MAX_NUMBER_CHARS`, nesting deeper than :data:`MAX_JSON_DEPTH`
    (a fixed bound, not the interpreter's recursion limit) and unpaired
    surrogates (``"\\ud800"`` decodes to text that cannot be encoded again).
    Raises :class:`JsonError` with a one-line reason.
    """
    if _too_deep(text):
        raise JsonError(f"it is nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        # JSONDecoder.decode, without its two Python-level calls per document
        data, end = _SCAN(text, _skip_space(text, 0))
        if end != len(text):
            end = _skip_space(text, end)
            if end != len(text):
                raise json.JSONDecodeError("Extra data", text, end)
    except StopIteration as exc:
        raise JsonError(_where("Expecting value", text, exc.value)) from None
    except JsonError:
        raise
    except json.JSONDecodeError as exc:
        raise JsonError(_where(exc.msg, text, exc.pos)) from None
    except (ValueError, RecursionError) as exc:  # e.g. Python's own digit limit
        raise JsonError(str(exc).split(";")[0]) from None
    if "\\u" in text:
        try:
            encode_json(data).encode("utf-8")
        except UnicodeEncodeError:
            raise JsonError("a string holds an unpaired surrogate (\\ud800-\\udfff)") from None
    return data


class PayloadError(ValueError):
    """Identify's payload could not be read (the API answers ``Payload Error``)."""


def decode_payload(segment: str) -> dict[str, Any]:
    """Read identify's payload in any form a tracker sends.

    Standard or URL-safe Base64, padded or not, raw or percent-encoded; the
    JSON must be an object, read by :func:`read_json`. Raises
    :class:`PayloadError` saying what is wrong.
    """
    text = unquote(segment).strip()
    if not text:
        raise PayloadError("payload is empty")
    text = text.replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PayloadError(f"payload is not Base64: {exc}") from None
    try:
        data = read_json(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PayloadError("payload is not UTF-8 JSON") from None
    except JsonError as exc:
        raise PayloadError(f"payload is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PayloadError("payload JSON is not an object")
    return data


Headers = tuple[tuple[str, str], ...]


def _headers(ids: VisitorIds, options: TrackerOptions, extra: Headers) -> list[tuple[str, str]]:
    out = list(extra)
    if options.tracker_headers:
        out += [
            ("Accept", JSON_CONTENT_TYPE),
            ("X-Nitro-Id", ids.nitro_id),
            ("X-Organisation", ids.org_id),
        ]
    return out


def event_path(ids: VisitorIds, event_type: str) -> str:
    """``/jsv1/<org_id>/<roaming_id>/<nitro_id>/<nitrox_id>/event/<type>``, percent-encoded."""
    segments = (ids.org_id, ids.roaming_id, ids.nitro_id, ids.nitrox_id)
    return "/jsv1/" + "/".join(encode_segment(s) for s in segments) + "/event/" + event_type


def identify_path(ids: VisitorIds, payload: dict[str, Any]) -> str:
    """``/jsv1/identify/<org_id>/<roaming_id>/<nitro_id>/<payload>``, percent-encoded."""
    segments = (ids.org_id, ids.roaming_id, ids.nitro_id)
    return (
        "/jsv1/identify/"
        + "/".join(encode_segment(s) for s in segments)
        + "/"
        + encode_payload(payload)
    )


class VisitorRequests:
    """Builds one visitor's requests: what never changes between them is made once.

    The path prefixes and header tuples depend only on the visitor's IDs and
    the tracker options, so a visitor's tenth request costs a body and a
    :class:`RequestSpec`, not four more percent-encodings. The requests are
    exactly those of :func:`build_event` and :func:`build_identify`.
    """

    __slots__ = (
        "_buster",
        "_event_paths",
        "_event_prefix",
        "_get_headers",
        "_get_view",
        "_identify_prefix",
        "_post_headers",
        "ids",
        "visitor",
    )

    def __init__(
        self,
        ids: VisitorIds,
        options: TrackerOptions,
        visitor: int = 0,
        extra_headers: Headers = (),
    ) -> None:
        self.ids = ids
        self.visitor = visitor
        org, roaming, nitro, nitrox = ids.org_id, ids.roaming_id, ids.nitro_id, ids.nitrox_id
        if not _UNRESERVED.fullmatch(org + roaming + nitro + nitrox):  # UUIDs never need it
            org, roaming, nitro, nitrox = map(encode_segment, (org, roaming, nitro, nitrox))
        self._event_prefix = f"/jsv1/{org}/{roaming}/{nitro}/{nitrox}/event/"
        # One string per event type, made once: its hash is computed once too (the
        # sender looks each request's shape up by its path).
        self._event_paths = {kind: self._event_prefix + kind for kind in EVENT_TYPES}
        self._identify_prefix = f"/jsv1/identify/{org}/{roaming}/{nitro}/"
        if options.tracker_headers:
            headers = (
                *extra_headers,
                ("Accept", JSON_CONTENT_TYPE),
                ("X-Nitro-Id", ids.nitro_id),
                ("X-Organisation", ids.org_id),
            )
        else:
            headers = tuple(extra_headers)
        self._get_headers = headers
        self._post_headers = (("Content-Type", JSON_CONTENT_TYPE), *headers)
        self._get_view = options.view_method.upper() == "GET"
        self._buster = options.cache_buster

    def event(
        self, event_type: str, body: dict[str, Any], encoded: str | None = None
    ) -> RequestSpec:
        """An event request with a JSON body (``view`` by GET puts ``page`` in the query).

        ``encoded`` is ``encode_json(body)`` when the caller already has it (the
        engine keeps the bodies that depend on the catalog only).
        """
        path = self._event_paths.get(event_type)
        if path is None:
            raise ValueError(f"unknown event type {event_type!r}")
        if self._get_view and event_type == "view":
            page = str(body.get("page", ""))
            return RequestSpec(
                "GET",
                f"{path}?page={quote(page, safe='')}",
                self._get_headers,
                None,
                "event/view",
                "view",
                self.visitor,
                None,
                self._buster,
            )
        return RequestSpec(
            "POST",
            path,
            self._post_headers,
            encode_json(body) if encoded is None else encoded,
            _EVENT_NAMES[event_type],
            event_type,
            self.visitor,
            None,
            self._buster,
        )

    def identify(self, payload: dict[str, Any]) -> RequestSpec:
        """The identify request; success means the body is the visitor's nitro_id."""
        return RequestSpec(
            "GET",
            self._identify_prefix + encode_payload(payload),
            self._get_headers,
            None,
            "identify",
            "identify",
            self.visitor,
            self.ids.nitro_id,
            self._buster,
        )


def build_identify(
    ids: VisitorIds,
    payload: dict[str, Any],
    options: TrackerOptions,
    visitor: int = 0,
    extra_headers: Headers = (),
) -> RequestSpec:
    """The identify request; success means the body is the visitor's nitro_id."""
    return VisitorRequests(ids, options, visitor, extra_headers).identify(payload)


def build_event(
    ids: VisitorIds,
    event_type: str,
    body: dict[str, Any],
    options: TrackerOptions,
    visitor: int = 0,
    extra_headers: Headers = (),
) -> RequestSpec:
    """An event request with a JSON body (``view`` by GET puts ``page`` in the query)."""
    return VisitorRequests(ids, options, visitor, extra_headers).event(event_type, body)


def judge_response(spec: RequestSpec, status: int, body: str) -> str | None:
    """Why a response to ``spec`` is a failure, or None when it succeeded.

    Any 2xx is success for events; identify succeeds only when the body is the
    visitor's nitro_id. A ``Payload Error`` body fails whatever the status.
    """
    text = body.strip()
    if text == PAYLOAD_ERROR:
        return f"HTTP {status}: {PAYLOAD_ERROR}"
    if not 200 <= status < 300:
        return f"HTTP {status}"
    if spec.expect is not None and text != spec.expect:
        shown = text if len(text) <= 60 else text[:57] + "..."
        return f"identify answered {shown!r}, expected the nitro_id {spec.expect}"
    return None


VERDICT_HEADER = "x-nitrox-verdict"  # the embedded collector's judgement of one request
MESSAGES_HEADER = "x-nitrox-messages"
VERDICTS = ("good", "warn", "bad")


def read_verdict(
    headers: tuple[tuple[str, str], ...],
) -> tuple[str | None, tuple[dict[str, str], ...]]:
    """The verdict a receiver answered (``good``/``warn``/``bad``) and its messages.

    ``headers`` are an answer's (lower-case names). (None, ()) when the
    receiver does not judge; messages that cannot be read are left out.
    """
    verdict: str | None = None
    raw = ""
    for name, value in headers:
        if name == VERDICT_HEADER:
            verdict = value.strip().lower() if value.strip().lower() in VERDICTS else None
        elif name == MESSAGES_HEADER:
            raw = value
    if verdict is None or not raw:
        return verdict, ()
    try:
        data = json.loads(raw)
    except ValueError:
        return verdict, ()
    if not isinstance(data, list):
        return verdict, ()
    messages = tuple(
        {k: str(m.get(k, "")) for k in ("fieldPath", "description", "code")}
        for m in data[:50]
        if isinstance(m, dict)
    )
    return verdict, messages
