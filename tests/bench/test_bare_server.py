"""The one bare server: answers as the API would, records when asked, and goes away."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from simulator_app.bench.bare_server import BareServer
from simulator_app.bench.traffic import NITRO, ORG, ROAMING, VIEW_BODY, VIEW_PATH

IDENTIFY = f"/jsv1/identify/{ORG}/{ROAMING}/{NITRO}/eyJlbWFpbCI6ImFAYi5jIn0%3D"


def test_bare_server_answers_identify_with_the_nitro_id_and_records(tmp_path: Path) -> None:
    record = tmp_path / "received.jsonl"
    with BareServer(record=record) as server:
        assert server.process is not None
        process = server.process
        assert server.pid == process.pid  # what the bench reads the server's CPU by
        with httpx.Client(base_url=server.url) as client:
            view = client.post(VIEW_PATH + "?_=1", content=VIEW_BODY, headers={"X-Nitro-Id": NITRO})
            identify = client.get(IDENTIFY)
    assert (view.status_code, view.text) == (200, "ok")
    assert (identify.status_code, identify.text) == (200, NITRO)
    assert process.poll() is not None  # stopped on leaving the block
    assert server.pid is None
    lines = [json.loads(line) for line in record.read_text("utf-8").splitlines()]
    headers = [line.pop("headers") for line in lines]
    assert lines == [
        {"method": "POST", "path": VIEW_PATH + "?_=1", "body": VIEW_BODY},
        {"method": "GET", "path": IDENTIFY, "body": None},
    ]
    assert headers[0]["x-nitro-id"] == NITRO  # names as the server saw them, lower case
    assert "x-nitro-id" not in headers[1]


def test_a_server_that_cannot_start_is_an_error_not_a_hang() -> None:
    with BareServer() as first:
        taken = BareServer(port=first.port)
        try:
            with pytest.raises(RuntimeError, match="exited"):
                taken.start()
            assert taken.process is None
        finally:
            taken.stop()  # even when the assertion fails, leave no server behind


def test_bench_modules_never_load_qt_or_locust() -> None:
    code = (
        "import sys\n"
        "import simulator_app.cli.bench, simulator_app.bench.suite, simulator_app.bench.report\n"
        "import simulator_app.bench.sender, simulator_app.bench.collector\n"
        "import simulator_app.bench.exporter\n"
        "print(sorted(m for m in ('PySide6', 'locust', 'gevent') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
