"""No web page can read or drive the inspection API. It answers only
this machine's Host names (DNS rebinding sends the attacker's), carries no CORS header,
and its state-changing calls refuse cross-origin requests; tracking keeps its CORS."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from simulator_app.collector import EmbeddedCollector, FaultSettings
from simulator_app.collector.guard import HostPolicy, host_name
from simulator_app.core.contract import event_path

from .conftest import URL, new_ids

JSON = {"Content-Type": "application/json"}
INSPECTION = ["/_collector/", "/_collector/all", "/_collector/good", "/_collector/bad"]
INSPECTION += ["/_collector/faults", "/_collector/nothing"]


@pytest.fixture(scope="module")
def collector() -> Iterator[EmbeddedCollector]:
    with EmbeddedCollector(allowed_hosts=["devbox.lan"]) as running:
        yield running


@pytest.fixture(autouse=True)
def no_faults_after(collector: EmbeddedCollector) -> Iterator[None]:
    yield
    collector.set_faults(FaultSettings())


def port(collector: EmbeddedCollector) -> str:
    return collector.url.rsplit(":", 1)[1]


@pytest.mark.parametrize(
    "host",
    [
        "attacker.example:{port}",  # a rebound name resolves to 127.0.0.1, but is sent as is
        "attacker.example",
        "127.0.0.1.attacker.example:{port}",
        "localhost.attacker.example",
        "devbox.lan.attacker.example",
        "[::2]:{port}",
        "10.0.0.5:{port}",
        "",
    ],
)
@pytest.mark.parametrize("path", INSPECTION)
def test_a_foreign_host_gets_403_everywhere_under_the_inspection_api(
    collector: EmbeddedCollector, client: httpx.Client, host: str, path: str
) -> None:
    response = client.get(path, headers={"Host": host.format(port=port(collector))})
    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers
    error = response.json()["error"]
    assert "\n" not in error
    assert "not this machine" in error or "Host header" in error


@pytest.mark.parametrize(
    "host",
    [
        *("127.0.0.1:{port}", "127.0.0.2:{port}", "localhost:{port}", "LOCALHOST"),
        *("[::1]:{port}", "localhost.:{port}", "devbox.lan:{port}", "DevBox.LAN"),
    ],
)
def test_this_machines_names_and_allowed_ones_are_answered(
    collector: EmbeddedCollector, client: httpx.Client, host: str
) -> None:
    response = client.get("/_collector/all", headers={"Host": host.format(port=port(collector))})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_no_inspection_answer_carries_cors_but_tracking_does(client: httpx.Client) -> None:
    for path in INSPECTION[:5]:
        assert "access-control-allow-origin" not in client.get(path).headers, path
    preflight = client.options("/_collector/reset", headers={"Origin": "https://shop.example"})
    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers
    tracked = client.post(event_path(new_ids(), "view"), json={"page": f"{URL}/"})
    assert tracked.headers["access-control-allow-origin"] == "*"


CROSS_ORIGIN = [
    ({"Origin": "https://attacker.example"}, 403, "cross-origin"),
    ({"Origin": "null"}, 403, "cross-origin"),
    ({"Origin": "http://localhost:3000"}, 403, "cross-origin"),  # another origin on this machine
    ({"Sec-Fetch-Site": "cross-site"}, 403, "Sec-Fetch-Site"),
    ({"Sec-Fetch-Site": "same-site"}, 403, "Sec-Fetch-Site"),
    ({"Content-Type": "text/plain"}, 415, "application/json"),  # a page's preflight-free POST
    ({"Content-Type": "application/x-www-form-urlencoded"}, 415, "application/json"),
    ({}, 415, "application/json"),  # a body without a content type
]


@pytest.mark.parametrize(("headers", "status", "why"), CROSS_ORIGIN)
def test_cross_origin_fault_changes_are_refused(
    collector: EmbeddedCollector,
    client: httpx.Client,
    headers: dict[str, str],
    status: int,
    why: str,
) -> None:
    given = {"Content-Type": "application/json", **headers}
    if not headers:
        given = {}
    response = client.post("/_collector/faults", content=b'{"error_rate": 1}', headers=given)
    assert response.status_code == status
    assert why in response.json()["error"]
    assert collector.app.faults.settings.error_rate == 0.0  # nothing changed


@pytest.mark.parametrize(("headers", "status", "why"), CROSS_ORIGIN[:5])
def test_cross_origin_resets_are_refused(
    collector: EmbeddedCollector,
    client: httpx.Client,
    headers: dict[str, str],
    status: int,
    why: str,
) -> None:
    client.post(event_path(new_ids(), "view"), json={"page": f"{URL}/"})
    before = collector.summary()["total"]
    response = client.post("/_collector/reset", headers=headers)
    assert response.status_code == status
    assert why in response.json()["error"]
    assert collector.summary()["total"] == before  # nothing forgotten


def test_a_text_plain_reset_is_refused(collector: EmbeddedCollector, client: httpx.Client) -> None:
    client.post(event_path(new_ids(), "view"), json={"page": f"{URL}/"})
    before = collector.summary()["total"]
    response = client.post(
        "/_collector/reset", content=b"x", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert collector.summary()["total"] == before


def test_the_collectors_own_origin_curl_and_scripts_may_change_it(
    collector: EmbeddedCollector, client: httpx.Client
) -> None:
    own = {"Origin": collector.url, "Sec-Fetch-Site": "same-origin", **JSON}
    assert (
        client.post("/_collector/faults", json={"error_rate": 0.5}, headers=own).status_code == 200
    )
    assert collector.app.faults.settings.error_rate == 0.5
    typed = {"Sec-Fetch-Site": "none"}  # typed into the address bar
    assert (
        client.post("/_collector/faults", json={"error_rate": 0}, headers=typed).status_code == 200
    )
    assert client.post("/_collector/reset").status_code == 200  # curl -X POST, no body
    assert client.post("/_collector/reset", json={}).status_code == 200


def test_the_bound_address_is_answered() -> None:
    policy = HostPolicy("192.0.2.10", ["Box.Example."])
    assert policy.allows("192.0.2.10") and policy.allows("box.example")
    assert policy.allows("127.0.0.1") and policy.allows("::1") and policy.allows("localhost")
    assert not policy.allows("192.0.2.11") and not policy.allows("example")
    assert [host_name(h) for h in ("[::1]:80", "a.b:8787", "A.B.", "a.b:x", "[::1")] == [
        "::1",
        "a.b",
        "a.b",
        "a.b:x",
        "::1",
    ]


def test_the_cli_takes_allow_host(capsys: pytest.CaptureFixture[str]) -> None:
    from simulator_app.cli import build_parser

    args = build_parser().parse_args(
        ["collector", "--allow-host", "a.example", "--allow-host", "b.example"]
    )
    assert args.allow_host == ["a.example", "b.example"]
