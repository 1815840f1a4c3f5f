"""send_one and SingleSender (click-through mode): the load run's send path, one request at a time."""

from __future__ import annotations

import json
import socket

from simulator_app.core.journey import JourneyEngine
from simulator_app.core.model import Scenario
from simulator_app.sender import SingleSender, send_one
from tests.sender.raw_server import OK, RawServer


def nitro_answer(_: int, head: bytes) -> list[bytes]:
    """identify gets the nitro_id from its path back, every other request ``ok``."""
    path = head.split(b" ")[1]
    if b"/identify/" not in path:
        return [OK]
    nitro = path.split(b"/")[5]
    return [b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(nitro), nitro)]


def test_single_sender_sends_the_plan_on_one_connection_and_judges_answers(
    scenario: Scenario,
) -> None:
    plan = list(JourneyEngine(scenario).plan(0))
    heads: list[bytes] = []

    def respond(number: int, head: bytes) -> list[bytes]:
        heads.append(head)
        if b"/identify/" in head:
            return [b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nPayload Error"]
        return [OK]

    with RawServer(respond) as server:
        sender = SingleSender(server.url + "/")
        try:
            records = [sender.send(p) for p in plan]
        finally:
            sender.close()
        assert server.connections == 1  # kept alive between clicks
    update = next(r for r in records if r.step == "updatecart")
    head = heads[records.index(update)]
    assert head.startswith(f"POST {plan[2].spec.path}".encode())
    assert b"\r\nContent-Type: application/json\r\n" in head
    assert "cart_value" in json.loads(update.request_body or "")
    assert update.url.startswith(server.url + "/jsv1/")
    identify = next(r for r in records if r.step == "identify")
    assert not identify.ok and "Payload Error" in (identify.error or "")
    assert [r.ok for r in records].count(True) == len(records) - 1
    assert update.response_headers == (("content-length", "2"),)


def test_send_one_records_an_unreachable_target_instead_of_raising(scenario: Scenario) -> None:
    planned = next(iter(JourneyEngine(scenario).plan(0)))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    record = send_one(f"http://127.0.0.1:{port}", planned)
    assert record.status is None
    assert record.error == (
        f"connection error: connection refused: nothing listens on 127.0.0.1:{port}; "
        "is the target running, on this port?"
    )
    assert json.loads(record.to_jsonl())["error"] == record.error


def test_send_one_judges_identify_by_its_body(scenario: Scenario) -> None:
    plan = list(JourneyEngine(scenario).plan(0))
    identify = next(p for p in plan if p.spec.step == "identify")
    with RawServer(nitro_answer) as server:
        record = send_one(server.url, identify)
    assert record.ok and record.response_body == identify.spec.expect
