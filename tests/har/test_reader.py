"""Reading HAR files: only the Nitrox requests, both browsers' quirks, one line per bad entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator_app.core.contract import decode_payload
from simulator_app.core.recording.har_reader import HarError, read_har, read_har_file
from tests.har.helpers import CHROME, FIREFOX


def test_chrome_recording_keeps_the_tracker_requests_only() -> None:
    recording = read_har_file(str(CHROME))
    assert recording.entries == 15
    kinds = [r.kind for r in recording.requests]
    # the page, script, images, the CORS preflight and Google Analytics are left out
    assert kinds == [
        "view", "categoryview", "productview", "productview", "updatecart", "checkout",
        "identify", "buy",
    ]  # fmt: skip
    assert recording.problems == []
    identify = recording.requests[6]
    assert identify.payload is not None and identify.payload["source"] == "checkout form"
    assert {r.origin for r in recording.requests} == {"https://tracker.example.net"}
    assert len(recording.visitors()) == 1


def test_firefox_recording_with_unencoded_urls_and_a_missing_body() -> None:
    recording = read_har_file(str(FIREFOX))
    visitors = list(recording.visitors().values())
    assert [len(v) for v in visitors] == [7, 6]
    view = visitors[0][0]
    assert view.method == "GET" and view.body == {"page": "https://shop.example.com/sale"}
    assert visitors[1][0].body == {"page": "https://shop.example.com/"}  # percent-encoded there
    identify = visitors[1][4]
    assert "/" in identify.payload_segment  # standard Base64 left unescaped by the browser
    assert decode_payload(identify.payload_segment)["name"] == "अनन्या शर्मा"
    assert identify.payload is not None and "name" not in identify.payload  # never kept
    assert recording.problems == [
        "entry 11: event/updatecart: no body recorded (postData.text is absent)"
    ]
    # times with a UTC offset: 2.6 s from the view to the categoryview
    assert visitors[0][1].time - visitors[0][0].time == pytest.approx(2.6)


def _har(*entries: object) -> str:
    return json.dumps({"log": {"version": "1.2", "entries": list(entries)}})


EVENT = "https://t.example.org/jsv1/34a3f9a2-5057-431b-bd3f-aa9fdf9ff733/biscuit_x/v1/null/event/"


def test_each_unreadable_entry_gives_one_line() -> None:
    text = _har(
        "not an entry",
        {"request": {"method": "POST", "url": EVENT + "view", "postData": {"text": "{oops"}}},
        {"request": {"method": "POST", "url": EVENT + "teleport", "postData": {"text": "{}"}}},
        {"request": {"method": "POST", "url": EVENT + "view", "postData": {"text": "[1]"}}},
        {"request": {"method": "GET", "url": "https://t.example.org/jsv1/identify/o/r/n/%%%"}},
        {"request": {"url": 5}},
        {
            "request": {
                "method": "POST",
                "url": EVENT + "view",
                "postData": {"text": '{"page":"/"}'},
            }
        },
    )
    recording = read_har(text, "x.har")
    assert recording.problems == [
        "entry 1: not an object",
        "entry 2: event/view: postData.text: not JSON (Expecting property name enclosed in "
        "double quotes at line 1, column 2)",
        "entry 3: event/teleport: not one of the seven event types",
        "entry 4: event/view: postData.text: not a JSON object",
        "entry 5: identify: payload is not Base64: Only base64 data is allowed",
        "entry 6: request.url: missing or not text",
        "entry 7: startedDateTime: missing or not a date; timed as the request before it",
    ]
    assert [r.entry for r in recording.requests] == [7]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("<html>", "not a HAR file: not JSON (Expecting value at line 1, column 1)"),
        ('{"log": {}}', "not a HAR file: it has no log.entries list"),
        ("[1, 2]", "not a HAR file: it has no log.entries list"),
        ('{"log": {"entries": [NaN]}}', "not a HAR file: not JSON (NaN is not a JSON number)"),
    ],
)
def test_a_file_that_is_not_har_is_one_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "f.har"
    path.write_text(content)
    with pytest.raises(HarError) as caught:
        read_har_file(str(path))
    assert str(caught.value) == message


def test_binary_and_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "b.har"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(HarError, match="not UTF-8 text"):
        read_har_file(str(path))
    with pytest.raises(HarError, match="no such file"):
        read_har_file(str(tmp_path / "none.har"))
    with pytest.raises(HarError, match="is a directory"):
        read_har_file(str(tmp_path))
