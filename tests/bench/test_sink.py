"""The reference sink: answers the contract's success rules, kept alive and pipelined."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from simulator_app.bench.sink import Sink
from simulator_app.bench.suite import SINK_BUSY, BenchResult, _Run, settings_for
from simulator_app.bench.traffic import NITRO, ORG, ROAMING, VIEW_BODY, VIEW_PATH

IDENTIFY = f"/jsv1/identify/{ORG}/{ROAMING}/{NITRO}/eyJlbWFpbCI6ImFAYi5jIn0%3D"


def test_the_sink_answers_identify_with_the_nitro_id_and_events_ok() -> None:
    with Sink() as sink:
        assert sink.pid is not None
        with httpx.Client(base_url=sink.url) as client:
            view = client.post(VIEW_PATH + "?_=1", content=VIEW_BODY)
            identify = client.get(IDENTIFY + "?_=2")
            again = client.post(VIEW_PATH + "?_=3", content=VIEW_BODY)  # same connection
        process = sink.process
    assert (view.status_code, view.text) == (200, "ok")
    assert (identify.status_code, identify.text) == (200, NITRO)
    assert (again.status_code, again.text) == (200, "ok")
    assert process is not None and process.poll() is not None  # gone on leaving the block


def _read_answers(sock: socket.socket, count: int) -> bytes:
    data = b""
    while data.count(b"HTTP/1.1 200 OK") < count or not data.endswith((b"ok", NITRO.encode())):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_pipelined_requests_are_answered_in_order() -> None:
    requests = (
        f"POST {VIEW_PATH} HTTP/1.1\r\nHost: a\r\nContent-Length: {len(VIEW_BODY)}\r\n\r\n"
        f"{VIEW_BODY}"
        f"GET {IDENTIFY} HTTP/1.1\r\nHost: a\r\n\r\n"
    ).encode()
    with Sink() as sink, socket.create_connection(("127.0.0.1", int(sink.port))) as sock:
        sock.settimeout(10)
        sock.sendall(requests)
        data = _read_answers(sock, 2)
    first, second = data.split(b"HTTP/1.1 200 OK")[1:]
    assert first.endswith(b"\r\n\r\nok") and second.endswith(b"\r\n\r\n" + NITRO.encode())


def test_a_malformed_request_gets_400_and_the_connection_closes() -> None:
    with Sink() as sink, socket.create_connection(("127.0.0.1", int(sink.port))) as sock:
        sock.settimeout(10)
        sock.sendall(b"NOT HTTP\r\n\r\n")
        answer = sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 400")
        assert sock.recv(4096) == b""


@pytest.mark.parametrize(("share", "measured_the_sink"), [(0.55, False), (0.61, True)])
def test_a_figure_taken_while_the_sink_was_busy_says_it_measured_the_sink(
    share: float, measured_the_sink: bool, tmp_path: Path
) -> None:
    run = _Run(settings_for(quick=True), tmp_path, lambda _: None)
    words = run.sink_busy("sender_rps_c10", {"load": 1.0, "server": share})
    result: BenchResult = run.result
    assert result.extras["sink_busy"] == {"sender_rps_c10": share}
    assert ("measured the sink" in words) is measured_the_sink
    assert ("sender_rps_c10" in result.notes) is measured_the_sink
    assert (share > SINK_BUSY) is measured_the_sink
