"""cURL, HAR 1.2 and JSONL exports read back as what was sent."""

from __future__ import annotations

import dataclasses
import io
import json
import shlex
from datetime import datetime

from simulator_app.core.har import curl_command, write_har, write_jsonl
from simulator_app.core.model import Scenario
from simulator_app.core.record import RequestRecord
from simulator_app.gui.sending.describe import describe
from tests.gui_sending.conftest import make_records


def test_curl_command_quotes_every_part(buyer: Scenario) -> None:
    record = next(r for r in make_records(buyer, range(1)) if r.request_body)
    record = dataclasses.replace(record, request_body="it's $(rm -rf /)")
    argv = shlex.split(curl_command(record))
    assert argv[:3] == ["curl", "-X", "POST"]
    assert argv[-1] == record.url
    assert argv[argv.index("--data-raw") + 1] == "it's $(rm -rf /)"
    headers = [argv[i + 1] for i, a in enumerate(argv) if a == "-H"]
    assert headers == [f"{k}: {v}" for k, v in record.request_headers]


def check_har_entry(entry: dict[str, object], record: RequestRecord) -> None:
    started = datetime.fromisoformat(str(entry["startedDateTime"]))
    assert abs(started.timestamp() - record.time) < 0.001
    assert entry["time"] == round(record.latency_ms, 3)
    request = entry["request"]
    assert isinstance(request, dict)
    for key in ("method", "url", "httpVersion", "cookies", "headers", "queryString"):
        assert key in request
    assert request["headersSize"] == -1
    assert request["method"] == record.method and request["url"] == record.url
    assert {"name": "_", "value": record.url.rsplit("_=", 1)[1]} in request["queryString"]
    if record.request_body is None:
        assert "postData" not in request and request["bodySize"] == 0
    else:
        assert request["postData"]["text"] == record.request_body
        assert request["postData"]["mimeType"] == "application/json"
        assert request["bodySize"] == len(record.request_body.encode())
    response = entry["response"]
    assert isinstance(response, dict)
    assert response["status"] == record.status
    assert response["statusText"] in ("OK", "Internal Server Error")
    for key in ("httpVersion", "cookies", "headers", "redirectURL", "headersSize", "bodySize"):
        assert key in response
    assert response["content"]["text"] == record.response_body
    assert response["content"]["size"] == len(record.response_body.encode())
    assert "mimeType" in response["content"]
    assert entry["cache"] == {}
    timings = entry["timings"]
    assert isinstance(timings, dict)
    assert {"send", "wait", "receive"} <= set(timings)
    assert all(isinstance(v, int | float) and v >= 0 for v in timings.values())


def test_har_is_valid_har_1_2(buyer: Scenario) -> None:
    records = make_records(buyer, range(3), fail_every=6)
    out = io.StringIO()
    assert write_har(out, ((r, "") for r in records), "1.0") == len(records)
    har = json.loads(out.getvalue())
    log = har["log"]
    assert log["version"] == "1.2"
    assert log["creator"] == {"name": "Nitrox Traffic Simulator", "version": "1.0"}
    assert len(log["entries"]) == len(records)
    for entry, record in zip(log["entries"], records, strict=True):
        check_har_entry(entry, record)
    failed = [e for e in log["entries"] if e["response"]["status"] == 500]
    assert failed and all(e["_error"] == "HTTP 500" for e in failed)


def test_empty_har_is_still_a_document() -> None:
    out = io.StringIO()
    write_har(out, (), "1.0")
    assert json.loads(out.getvalue())["log"]["entries"] == []


def test_jsonl_round_trips(buyer: Scenario) -> None:
    records = make_records(buyer, range(2), fail_every=3)
    out = io.StringIO()
    assert write_jsonl(out, ((r, "") for r in records)) == len(records)
    lines = out.getvalue().splitlines()
    assert [RequestRecord.from_json(json.loads(line)) for line in lines] == [
        RequestRecord.from_json(r.to_json()) for r in records
    ]


def test_details_decode_identify_payload(buyer: Scenario) -> None:
    identify = next(r for r in make_records(buyer, range(1)) if r.step == "identify")
    text = describe(identify)
    assert "Identify payload (decoded)" in text
    payload_part = text.split("── Identify payload (decoded)\n", 1)[1].split("\n\n", 1)[0]
    payload = json.loads(payload_part)
    assert set(payload) >= {"email", "phone", "name"}
    assert payload["source"] == "checkout form"
    event = next(r for r in make_records(buyer, range(1)) if r.step == "updatecart")
    text = describe(event)
    assert "Identify payload" not in text
    assert '  "line_items": [' in text  # the body is pretty-printed
