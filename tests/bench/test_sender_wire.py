"""The sender writes exactly the bytes httpx would put on the wire, whichever way it writes them.

``nitrox-sim run`` skips ``httpx.Request`` when :class:`WireTarget` can write
a request itself (it is faster) and takes httpx's bytes
otherwise; these tests hold both to what httpx sends through httpcore and h11
(request line, headers and their order, body), to the URL httpx logs, and the
response headers to what httpx records.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import h11
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator_app.core.contract import RequestSpec
from simulator_app.core.journey import JourneyEngine, PlannedRequest
from simulator_app.core.scenario_file import load_scenario
from simulator_app.sender.exchange import header_items
from simulator_app.sender.transport import NotSent
from simulator_app.sender.wire import WireTarget

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))
NOW_MS = 1_700_000_000_123


def httpx_bytes(
    target: str, spec: RequestSpec, now_ms: int = NOW_MS
) -> tuple[tuple[str, str, int], bytes, str]:
    """What httpx sends for ``spec``: origin, the bytes h11 writes for it, and the URL it logs."""
    body = spec.body.encode("utf-8") if spec.body is not None else b""
    request = httpx.Request(
        spec.method, target.rstrip("/") + spec.target(now_ms), headers=spec.headers, content=body
    )
    client = h11.Connection(h11.CLIENT)
    url = request.url
    payload = client.send(
        h11.Request(method=request.method, target=url.raw_path, headers=request.headers.raw)
    )
    payload += client.send(h11.Data(data=request.content)) if request.content else b""
    payload += client.send(h11.EndOfMessage())
    origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
    return origin, payload, str(url)


def planned_requests(path: Path, visitors: int) -> list[PlannedRequest]:
    engine = JourneyEngine(load_scenario(path))
    return [p for index in range(visitors) for p in engine.plan(index)]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
@pytest.mark.parametrize("target", ["http://127.0.0.1:8787", "http://localhost:9/api/"])
def test_bundled_scenarios_go_the_fast_way_with_the_same_bytes(scenario: Path, target: str) -> None:
    wire = WireTarget(target)
    assert wire.usable
    for planned in planned_requests(scenario, 40):
        spec = planned.spec
        body = spec.body.encode("utf-8") if spec.body is not None else b""
        assert wire._direct(spec.method, spec.path, spec.headers, not body), spec.name
        # Twice, with another cache-buster: the second time from what the first left.
        for now_ms in (NOW_MS, NOW_MS + 1):
            url, payload = wire.request(spec, now_ms)
            origin, expected, expected_url = httpx_bytes(target, spec, now_ms)
            assert payload == expected, spec.name
            assert (wire.origin, url) == (origin, expected_url)


def sample_spec(
    path: str, method: str = "POST", body: str | None = '{"a":1}', buster: bool = False
) -> RequestSpec:
    headers = (("Content-Type", "application/json"), ("User-Agent", "UA/1.0"))
    return RequestSpec(method, path, headers, body, "event/x", "x", 0, None, buster)


@settings(max_examples=200, deadline=None)
@given(
    segment=st.text(st.characters(min_codepoint=0x20, max_codepoint=0x17F), max_size=12),
    query=st.none() | st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=8),
    method=st.sampled_from(["GET", "POST", "PUT"]),
    body=st.none() | st.sampled_from(["", '{"page":"x"}']),
    buster=st.booleans(),
)
def test_any_path_is_written_as_httpx_writes_it(
    segment: str, query: str | None, method: str, body: str | None, buster: bool
) -> None:
    path = f"/jsv1/{segment}/event/view" + ("" if query is None else f"?{query}")
    spec = sample_spec(path, method, body, buster)
    wire = WireTarget("http://127.0.0.1:8787")
    try:
        expected_origin, expected, expected_url = httpx_bytes("http://127.0.0.1:8787", spec)
    except (httpx.InvalidURL, UnicodeEncodeError):
        with pytest.raises(NotSent, match=r"^not sent: "):
            wire.request(spec, NOW_MS)  # what httpx refuses is a record, never sent
        return
    url, payload = wire.request(spec, NOW_MS)
    assert payload == expected
    assert (wire.origin, url) == (expected_origin, expected_url)


def test_a_path_sent_with_other_headers_is_written_with_those_headers() -> None:
    """A shape is remembered by method and path: other headers on the same path are theirs."""
    wire = WireTarget("http://127.0.0.1:8787", shapes=2)
    first = sample_spec("/jsv1/a/event/view")
    same = dataclasses.replace(first, headers=tuple(list(first.headers)))  # equal, not the same
    other = dataclasses.replace(first, headers=(("User-Agent", "UA/2.0"),))
    bodiless = dataclasses.replace(first, body=None)
    fill = [sample_spec(f"/jsv1/{n}/event/view") for n in "bcd"]  # past shapes=2: forgotten
    for spec in (first, same, other, first, bodiless, *fill, first, other):
        _, expected, expected_url = httpx_bytes("http://127.0.0.1:8787", spec)
        assert wire.request(spec, NOW_MS) == (expected_url, expected)
    assert len(wire._parts) <= 2


@pytest.mark.parametrize(
    "path", ["/a b", "/a/../b", "/a/./b", "/a#b", "/a`b", "/é", '/a"b', "/a?b c", "/a?<b>"]
)
def test_paths_httpx_would_change_go_through_httpx(path: str) -> None:
    wire = WireTarget("http://127.0.0.1:8787")
    spec = sample_spec(path)
    assert wire._direct(spec.method, path, spec.headers, False) is None
    _, expected, expected_url = httpx_bytes("http://127.0.0.1:8787", spec)
    assert wire.request(spec, NOW_MS) == (expected_url, expected)


@pytest.mark.parametrize(
    "target",
    ["http://LOCALHOST:8787", "http://127.0.0.1:80", "http://u:p@127.0.0.1:1", "http://h/a/../b"],
)
def test_targets_httpx_would_rewrite_go_through_httpx(target: str) -> None:
    wire = WireTarget(target)
    assert not wire.usable
    spec = sample_spec("/jsv1/x")
    origin, expected, expected_url = httpx_bytes(target, spec)
    assert wire.request(spec, NOW_MS) == (expected_url, expected)
    assert wire.origin == origin


def test_a_header_httpx_refuses_is_not_sent() -> None:
    spec = RequestSpec("GET", "/jsv1/x", (("User-Agent", "Zoë"),), None, "identify", "x", 0)
    with pytest.raises(NotSent, match=r"^not sent: the request cannot be written"):
        WireTarget("http://127.0.0.1:8787").request(spec, NOW_MS)


@pytest.mark.parametrize(
    "raw",
    [
        [(b"Content-Type", b"text/plain"), (b"Content-Length", b"2")],
        [(b"Set-Cookie", b"a=1"), (b"set-cookie", b"b=2"), (b"Transfer-Encoding", b"chunked")],
        [(b"X-Name", "Zoë".encode()), (b"Content-Length", b"2")],
        [(b"X-Latin", b"caf\xe9"), (b"X-Ok", b"1")],
    ],
)
@pytest.mark.parametrize("body", [b"", b"ok"])
def test_response_headers_are_recorded_as_httpx_would(
    raw: list[tuple[bytes, bytes]], body: bytes
) -> None:
    expected = tuple(httpx.Response(200, headers=raw, content=body).headers.items())
    assert header_items(raw, body) == expected
