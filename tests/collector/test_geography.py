"""Visitors by country at the receiver: the client-IP header, geolocated."""

from __future__ import annotations

import argparse
import collections
import dataclasses
from pathlib import Path

import httpx
import pytest

from simulator_app.cli import collector as command
from simulator_app.collector import EmbeddedCollector
from simulator_app.collector.geo import (
    DEFAULT_HEADER,
    MAX_ADDRESSES,
    UNKNOWN,
    CountryTable,
    Geography,
    client_address,
    country_table,
)
from simulator_app.core.journey import JourneyEngine
from simulator_app.core.scenario_file import load_scenario

from .conftest import URL, event, new_ids, send

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
# Two made-up countries over a few addresses: 10.0.0.100-109 in DE, 10.0.0.200-204 in FR.
SMALL = CountryTable({"DE": ((100, 10),), "FR": ((200, 5),)})


def xff(value: str) -> list[tuple[bytes, bytes]]:
    return [(b"host", b"127.0.0.1"), (b"x-forwarded-for", value.encode())]


@pytest.mark.parametrize(
    ("value", "address"),
    [
        ("8.8.8.8", "8.8.8.8"),
        ("10.0.0.1, 192.168.1.2, 81.2.69.160, 8.8.8.8", "81.2.69.160"),
        ("unknown, _hidden, 2001:4860:4860::8888", "2001:4860:4860::8888"),
        ("[2001:4860:4860::8888]:443", "2001:4860:4860::8888"),
        ("81.2.69.160:8080", "81.2.69.160"),
        ("127.0.0.1", None),
        ("10.1.2.3, 172.16.0.1", None),
        ("not an address", None),
        ("", None),
    ],
)
def test_the_client_is_the_first_public_address(value: str, address: str | None) -> None:
    found = client_address(value)
    assert (None if found is None else str(found)) == address


def test_the_table_finds_the_network_an_address_is_in() -> None:
    assert [SMALL.country(a) for a in (99, 100, 109, 110, 199, 200, 204, 205)] == [
        None,
        "DE",
        "DE",
        None,
        None,
        "FR",
        "FR",
        None,
    ]


def test_the_real_table_knows_well_known_addresses() -> None:
    table = country_table()
    assert len(table) > 100_000
    assert country_table() is table  # loaded once per process
    google, cloudflare_au = client_address("8.8.8.8"), client_address("1.1.1.1")
    assert google is not None and table.country(int(google)) == "US"
    assert cloudflare_au is not None and table.country(int(cloudflare_au)) == "AU"


def test_requests_and_new_visitors_are_counted_by_country() -> None:
    geo = Geography(table=SMALL)
    geo.note(xff("8.8.8.8"), new_visitor=True)  # a public address of no country here
    geo.note([(b"host", b"x")], new_visitor=True)  # no header
    geo.note(xff("8.8.8.8"), new_visitor=False)
    summary = geo.summary()
    assert summary["header"] == DEFAULT_HEADER
    assert summary["requests"] == 3 and summary["with_header"] == 2
    assert summary["header_share"] == pytest.approx(2 / 3, abs=1e-4)
    assert summary["addresses"] == 1 and summary["visitors"] == 2
    assert summary["by_country"] == {UNKNOWN: {"visitors": 2, "requests": 3}}
    geo.reset()
    assert geo.summary()["requests"] == 0 and geo.summary()["by_country"] == {}


def test_countries_come_from_the_table_and_unknown_sorts_last() -> None:
    table = CountryTable({"DE": ((0x51000000, 256),), "FR": ((0x52000000, 256),)})
    geo = Geography(table=table)
    for value, new in [
        ("81.0.0.1", True),
        ("81.0.0.1", False),
        ("10.0.0.9, 82.0.0.7", True),
        ("82.0.0.8", True),
        ("127.0.0.1", True),
    ]:
        geo.note(xff(value), new)
    summary = geo.summary()
    assert list(summary["by_country"].items()) == [
        ("FR", {"visitors": 2, "requests": 2}),
        ("DE", {"visitors": 1, "requests": 2}),
        (UNKNOWN, {"visitors": 1, "requests": 1}),
    ]
    assert summary["addresses"] == 3 and summary["addresses_per_visitor"] == 0.75
    assert summary["with_header"] == 5


def test_a_header_of_another_name_or_off() -> None:
    geo = Geography("X-Real-IP", table=SMALL)
    geo.note(xff("8.8.8.8"), True)
    geo.note([(b"x-real-ip", b"8.8.4.4")], True)
    assert geo.summary()["with_header"] == 1 and geo.summary()["addresses"] == 1
    geo.header = None
    geo.note([(b"x-real-ip", b"8.8.4.4")], True)
    summary = geo.summary()
    assert summary["header"] is None and summary["with_header"] == 1 and summary["requests"] == 3


def test_memory_is_bounded_in_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("simulator_app.collector.geo.MAX_ADDRESSES", 3)
    geo = Geography(table=SMALL)
    for i in range(1, 8):
        geo.note(xff(f"8.8.8.{i}"), True)
    summary = geo.summary()
    assert summary["addresses"] == 3 and summary["addresses_at_least"] is True
    assert len(geo._countries) == 3
    assert summary["by_country"][UNKNOWN] == {"visitors": 7, "requests": 7}
    assert MAX_ADDRESSES >= 10_000


def test_the_collector_sees_the_scenarios_countries() -> None:
    """The generator's visitors, sent to the collector: each lands in its own country."""
    scenario = dataclasses.replace(load_scenario(SCENARIOS / "demo_mix.yaml"), seed=5)
    assert scenario.tracker.ip_header == DEFAULT_HEADER
    with EmbeddedCollector(client_ip_header=scenario.tracker.ip_header) as collector:
        engine = JourneyEngine(scenario)
        expected: collections.Counter[str] = collections.Counter()
        requests = 0
        with httpx.Client(base_url=collector.url, timeout=10) as client:
            for index in range(40):
                expected[engine.visitor(index).country] += 1
                for planned in engine.plan(index):
                    assert send(client, planned.spec).status_code == 200
                    requests += 1
            countries = client.get("/_collector/countries").json()
            page = client.get("/_collector/").text
        summary = collector.summary()
    assert summary["countries"] == countries
    assert countries["header_share"] == 1.0 and countries["requests"] == requests
    assert countries["visitors"] == 40 and countries["addresses_per_visitor"] == 1.0
    got = {c: v["visitors"] for c, v in countries["by_country"].items() if v["visitors"]}
    assert got == dict(expected)
    assert len(got) >= 2  # the demo mix draws from several countries
    assert "<h2>Visitors by country</h2>" in page
    top = next(iter(got))
    assert f"<td>{top}</td>" in page and "X-Forwarded-For" in page


def test_without_the_header_requests_are_unknown() -> None:
    with EmbeddedCollector() as collector, httpx.Client(base_url=collector.url) as client:
        send(client, event(new_ids(), "view", {"page": URL + "/"}))
        countries = client.get("/_collector/all").json()["countries"]
        client.post("/_collector/reset", json={})
        assert client.get("/_collector/countries").json()["requests"] == 0
    assert countries["with_header"] == 0 and countries["header_share"] == 0.0
    assert countries["by_country"] == {UNKNOWN: {"visitors": 1, "requests": 1}}


def test_the_header_off_is_said_on_the_page() -> None:
    with EmbeddedCollector(client_ip_header=None) as collector:
        with httpx.Client(base_url=collector.url) as client:
            spec = event(new_ids(), "view", {"page": URL + "/"})
            headers = {**dict(spec.headers), "X-Forwarded-For": "8.8.8.8"}
            client.post(spec.target(1), headers=headers, content=spec.body)
            page = client.get("/_collector/").text
        countries = collector.summary()["countries"]
        collector.client_ip_header = "X-Forwarded-For"
        assert collector.app.geo.header == "X-Forwarded-For"
    assert countries["header"] is None and countries["with_header"] == 0
    assert "client-IP header is off" in page


def test_the_command_line_option() -> None:
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    assert parser.parse_args([]).client_ip_header == DEFAULT_HEADER == command.CLIENT_IP_HEADER
    assert parser.parse_args(["--client-ip-header", "off"]).client_ip_header is None
    assert parser.parse_args(["--client-ip-header", "X-Real-IP"]).client_ip_header == "X-Real-IP"
    with pytest.raises(SystemExit):
        parser.parse_args(["--client-ip-header", "X Real: IP"])
