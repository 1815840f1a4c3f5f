"""The wire contract of all 8 endpoints, with hostile and non-Latin text.

Every path is parsed back the way a receiver would (split on ``/``, then
unquote each segment) and compared with what went in, so a value can never
split or escape its segment whatever it contains.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator_app.core.contract import (
    EVENT_TYPES,
    NULL_NITROX_ID,
    PAYLOAD_ERROR,
    PayloadError,
    RequestSpec,
    TrackerOptions,
    VisitorIds,
    build_event,
    build_identify,
    decode_payload,
    encode_payload,
    judge_response,
)
from tests.factory import NITRO, ORG, ROAMING

HOSTILE = [
    "a/b",
    "../../etc/passwd",
    "x?y=1&z=2",
    "frag#ment",
    "100%",
    "%2F",
    "two words",
    "quote\"and'apostrophe",
    "line\nbreak\r\n",
    "tab\there",
    "emoji 🛒🎉",
    "देवनागरी नाम",
    "日本語",
    "عربي",
    "",
    "null",
    "+plus+",
    ";semi;colon,comma=equals",
    "back\\slash",
    "\x00nul",
]

IDS = VisitorIds(ORG, ROAMING, NITRO)

# A Devanagari name whose payload's standard Base64 holds both '/' and '+'.
DEVANAGARI_NAME = "संमानित अरुणा सेनगुप्ता"
DEVANAGARI_PAYLOAD = {
    "email": "aruna@example.in",
    "phone": "+919876543210",
    "name": DEVANAGARI_NAME,
}

any_text = st.text(max_size=40)
any_ids = st.builds(VisitorIds, any_text, any_text, any_text, any_text)
any_payload = st.fixed_dictionaries(
    {"email": any_text, "phone": any_text, "name": any_text},
    optional={"source": any_text},
)


def split_path(path: str) -> tuple[list[str], str]:
    """The unquoted segments of a path and its raw query, as a receiver reads them."""
    parts = urlsplit(path)
    assert parts.fragment == "", f"a value escaped into the fragment: {path!r}"
    segments = parts.path.split("/")
    assert segments[0] == "", path
    return [unquote(s) for s in segments[1:]], parts.query


def event_segments(ids: VisitorIds, event_type: str) -> list[str]:
    return ["jsv1", ids.org_id, ids.roaming_id, ids.nitro_id, ids.nitrox_id, "event", event_type]


def assert_path_is_ascii_and_unbroken(path: str) -> None:
    # Raw spaces, quotes, newlines, '#' or non-ASCII in a path would be mangled or
    # rejected by an HTTP client; percent-encoding leaves none of them.
    assert path.isascii(), path
    for bad in (" ", '"', "'", "\n", "\r", "\t", "#", "\\", "\x00"):
        assert bad not in path, (bad, path)


# -- paths ---------------------------------------------------------------------


def test_hostile_segment_stays_in_its_place_for_every_event() -> None:
    """Every hostile value in every segment of every event type (Hypothesis adds any text)."""
    for value in HOSTILE:
        ids = VisitorIds(value, "biscuit_" + value, value + "/x", value)
        for event_type in EVENT_TYPES:
            spec = build_event(ids, event_type, {"page": value}, TrackerOptions(view_method="POST"))
            segments, query = split_path(spec.path)
            assert segments == event_segments(ids, event_type), (value, event_type)
            assert query == "", (value, event_type)
            assert_path_is_ascii_and_unbroken(spec.path)


def test_hostile_segment_stays_in_its_place_for_identify() -> None:
    for value in HOSTILE:
        ids = VisitorIds(value, value, value)
        payload = {"email": value, "phone": value, "name": value}
        spec = build_identify(ids, payload, TrackerOptions())
        segments, query = split_path(spec.path)
        assert segments[:5] == ["jsv1", "identify", value, value, value], value
        assert len(segments) == 6, spec.path
        assert decode_payload(spec.path.split("/")[-1]) == payload, value
        assert query == "", value
        assert_path_is_ascii_and_unbroken(spec.path)


@given(ids=any_ids, event_type=st.sampled_from(EVENT_TYPES), page=any_text)
def test_any_text_in_event_segments_round_trips(
    ids: VisitorIds, event_type: str, page: str
) -> None:
    spec = build_event(ids, event_type, {"page": page}, TrackerOptions(view_method="POST"))
    segments, _ = split_path(spec.path)
    assert segments == event_segments(ids, event_type)
    assert_path_is_ascii_and_unbroken(spec.path)


@given(ids=any_ids, payload=any_payload)
def test_any_text_in_identify_round_trips(ids: VisitorIds, payload: dict[str, str]) -> None:
    spec = build_identify(ids, payload, TrackerOptions())
    segments, _ = split_path(spec.path)
    assert len(segments) == 6
    assert segments[:5] == ["jsv1", "identify", ids.org_id, ids.roaming_id, ids.nitro_id]
    assert decode_payload(spec.path.rsplit("/", 1)[1]) == payload
    assert_path_is_ascii_and_unbroken(spec.path)


# -- identify's payload ----------------------------------------------------------


def test_devanagari_payload_needs_escaping_and_stays_one_segment() -> None:
    standard = base64.b64encode(
        json.dumps(DEVANAGARI_PAYLOAD, ensure_ascii=False, separators=(",", ":")).encode()
    ).decode()
    # The premise: standard Base64 of this payload really holds both characters.
    assert "/" in standard and "+" in standard
    segment = encode_payload(DEVANAGARI_PAYLOAD)
    assert "/" not in segment and "+" not in segment
    assert unquote(segment) == standard
    spec = build_identify(IDS, DEVANAGARI_PAYLOAD, TrackerOptions())
    segments, _ = split_path(spec.path)
    assert segments == ["jsv1", "identify", ORG, ROAMING, NITRO, standard]
    assert decode_payload(spec.path.rsplit("/", 1)[1])["name"] == DEVANAGARI_NAME


def test_payload_is_base64_of_utf8_json_not_ascii_escapes() -> None:
    raw = base64.b64decode(unquote(encode_payload(DEVANAGARI_PAYLOAD)))
    assert DEVANAGARI_NAME.encode("utf-8") in raw
    assert json.loads(raw.decode("utf-8")) == DEVANAGARI_PAYLOAD


def all_forms(payload: dict[str, Any]) -> dict[str, str]:
    """Every form a tracker may send identify's payload in."""
    raw = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    standard = base64.b64encode(raw).decode()
    urlsafe = base64.urlsafe_b64encode(raw).decode()
    forms = {
        "standard padded raw": standard,
        "standard unpadded raw": standard.rstrip("="),
        "urlsafe padded raw": urlsafe,
        "urlsafe unpadded raw": urlsafe.rstrip("="),
    }
    for name, text in list(forms.items()):
        forms[name.replace("raw", "percent-encoded")] = quote(text, safe="")
    return forms


@given(payload=any_payload)
def test_decode_payload_accepts_every_form(payload: dict[str, str]) -> None:
    for form, text in all_forms(payload).items():
        assert decode_payload(text) == payload, form


def test_decode_payload_accepts_every_form_of_the_devanagari_payload() -> None:
    payload = {**DEVANAGARI_PAYLOAD, "source": "checkout"}  # its Base64 ends in '=='
    forms = all_forms(payload)
    # The forms really differ (URL-safe unpadded has nothing to percent-encode).
    assert len(set(forms.values())) == 7
    for form, text in forms.items():
        assert decode_payload(text) == payload, form


@pytest.mark.parametrize(
    ("segment", "reason"),
    [
        ("", "payload is empty"),
        ("%20", "payload is empty"),
        ("not base64!", "payload is not Base64"),
        (base64.b64encode(b"\xff\xfe").decode(), "payload is not UTF-8 JSON"),
        (base64.b64encode(b"{nope").decode(), "payload is not JSON"),
        (base64.b64encode(b"[1, 2]").decode(), "payload JSON is not an object"),
    ],
)
def test_decode_payload_says_what_is_wrong(segment: str, reason: str) -> None:
    with pytest.raises(PayloadError, match=f"^{reason}"):
        decode_payload(segment)


# -- ids, headers, cache-buster, view by GET -------------------------------------


def test_nitrox_id_is_null_by_default() -> None:
    ids = VisitorIds(ORG, ROAMING, NITRO)
    assert ids.nitrox_id == NULL_NITROX_ID == "null"
    spec = build_event(ids, "view", {"page": "https://shop.example.com/"}, TrackerOptions())
    assert spec.path == f"/jsv1/{ORG}/{ROAMING}/{NITRO}/null/event/view"


@pytest.mark.parametrize("event_type", EVENT_TYPES)
@pytest.mark.parametrize("tracker_headers", [True, False])
def test_tracker_headers_on_and_off(event_type: str, tracker_headers: bool) -> None:
    options = TrackerOptions(view_method="POST", tracker_headers=tracker_headers)
    extra = (("User-Agent", "test"),)
    spec = build_event(IDS, event_type, {"page": "/"}, options, extra_headers=extra)
    headers = dict(spec.headers)
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "test"
    tracker = {"Accept": "application/json", "X-Nitro-Id": NITRO, "X-Organisation": ORG}
    if tracker_headers:
        assert tracker.items() <= headers.items()
    else:
        assert not set(tracker) & set(headers)
    assert spec.method == "POST"
    assert spec.name == f"event/{event_type}"
    assert spec.step == event_type


@pytest.mark.parametrize("tracker_headers", [True, False])
def test_identify_headers_and_expectation(tracker_headers: bool) -> None:
    options = TrackerOptions(tracker_headers=tracker_headers)
    spec = build_identify(IDS, DEVANAGARI_PAYLOAD, options)
    headers = dict(spec.headers)
    assert spec.method == "GET"
    assert spec.body is None
    assert spec.name == "identify"
    assert spec.expect == NITRO
    assert "Content-Type" not in headers
    assert ("X-Nitro-Id" in headers) is tracker_headers


@pytest.mark.parametrize("view_method", ["POST", "GET"])
def test_cache_buster_on_and_off(view_method: str) -> None:
    for cache_buster in (True, False):
        options = TrackerOptions(view_method=view_method, cache_buster=cache_buster)
        specs = [
            build_event(IDS, "view", {"page": "https://shop.example.com/a?b=c"}, options),
            build_event(IDS, "buy", {"order_id": "1"}, options),
            build_identify(IDS, DEVANAGARI_PAYLOAD, options),
        ]
        for spec in specs:
            sent = spec.target(1_700_000_000_123)
            query = dict(parse_qsl(urlsplit(sent).query, keep_blank_values=True))
            if cache_buster:
                assert query.get("_") == "1700000000123", sent
                assert sent.startswith(spec.path)
            else:
                assert sent == spec.path
                assert "_" not in query


@given(page=any_text, ids=any_ids)
def test_view_by_get_carries_page_in_the_query(page: str, ids: VisitorIds) -> None:
    spec = build_event(ids, "view", {"page": page}, TrackerOptions(view_method="GET"))
    assert spec.method == "GET"
    assert spec.body is None
    assert spec.name == "event/view"
    assert "Content-Type" not in dict(spec.headers)
    segments, query = split_path(spec.target(42))
    assert segments == event_segments(ids, "view")
    assert parse_qsl(query, keep_blank_values=True) == [("page", page), ("_", "42")]
    assert_path_is_ascii_and_unbroken(spec.path)


@given(page=any_text)
def test_view_by_post_carries_page_in_the_body(page: str) -> None:
    spec = build_event(IDS, "view", {"page": page}, TrackerOptions(view_method="POST"))
    assert spec.method == "POST"
    assert spec.body is not None
    assert json.loads(spec.body) == {"page": page}
    assert "?" not in spec.path


@given(value=any_text, number=st.integers(0, 10**12))
def test_event_bodies_round_trip_any_text(value: str, number: int) -> None:
    body = {
        "cart_url": value,
        "product_id": number,
        "line_items": [{"title": value, "quantity": 1, "line_price": 12.5, "id": value}],
        "cart_value": 12.5,
    }
    spec = build_event(IDS, "updatecart", body, TrackerOptions())
    assert spec.body is not None
    assert json.loads(spec.body) == body


def test_unknown_event_type_is_refused() -> None:
    with pytest.raises(ValueError, match=re.escape("unknown event type 'view/../buy'")):
        build_event(IDS, "view/../buy", {}, TrackerOptions())


# -- judging responses -------------------------------------------------------------


def identify_spec() -> RequestSpec:
    return build_identify(IDS, DEVANAGARI_PAYLOAD, TrackerOptions())


def event_spec() -> RequestSpec:
    return build_event(IDS, "checkout", {"items": []}, TrackerOptions())


def test_identify_succeeds_only_when_the_body_is_the_nitro_id() -> None:
    spec = identify_spec()
    assert judge_response(spec, 200, NITRO) is None
    assert judge_response(spec, 200, NITRO + "\n") is None
    assert judge_response(spec, 200, "ok") == (
        f"identify answered 'ok', expected the nitro_id {NITRO}"
    )
    other = "00000000-0000-4000-8000-000000000000"
    assert judge_response(spec, 200, other) is not None
    assert judge_response(spec, 200, "") is not None
    long_body = "x" * 100
    message = judge_response(spec, 200, long_body)
    assert message is not None and "x" * 57 + "..." in message and "x" * 58 not in message


@pytest.mark.parametrize("status", [200, 201, 204, 400, 500])
@pytest.mark.parametrize("make", [identify_spec, event_spec])
def test_payload_error_body_fails_whatever_the_status(status: int, make: Any) -> None:
    assert judge_response(make(), status, PAYLOAD_ERROR) == f"HTTP {status}: Payload Error"
    assert judge_response(make(), status, f"  {PAYLOAD_ERROR}\n") is not None


@pytest.mark.parametrize("status", [199, 301, 304, 400, 404, 429, 500, 503])
@pytest.mark.parametrize("make", [identify_spec, event_spec])
def test_non_2xx_fails(status: int, make: Any) -> None:
    assert judge_response(make(), status, NITRO) == f"HTTP {status}"


@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
def test_any_2xx_event_succeeds_whatever_the_body(status: int) -> None:
    for body in ("", "{}", "ok", "<html>"):
        assert judge_response(event_spec(), status, body) is None
