"""The sender's fast path writes exactly the bytes httpx would, or leaves the request to httpx.

``nitrox-sim run`` skips ``httpx.Request`` when :class:`WireTarget` can write
a request itself (the speed work of the bench issue); these tests hold it to
the httpx path byte for byte: request line, headers and their order, body,
the URL in the log, and the response headers recorded.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator_app.core.contract import RequestSpec
from simulator_app.core.journey import JourneyEngine, PlannedRequest
from simulator_app.core.scenario_file import load_scenario
from simulator_app.sender.exchange import WireTarget, build_request, header_items
from simulator_app.sender.transport import LeanTransport, RawResponse

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))
NOW_MS = 1_700_000_000_123


class Capture(LeanTransport):
    """Records the bytes the httpx path would send, and answers without a network."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[tuple[str, str, int], bytes]] = []

    async def send_bytes(
        self,
        origin: tuple[str, str, int],
        payload: bytes,
        connect_timeout: float | None,
        read_timeout: float | None,
    ) -> RawResponse:
        self.sent.append((origin, payload))
        answer = RawResponse()
        answer.status = 200
        return answer


def httpx_bytes(target: str, planned: PlannedRequest) -> tuple[tuple[str, str, int], bytes, str]:
    """What the httpx path sends for ``planned``: origin, bytes, and the URL it logs."""
    transport = Capture()
    request = build_request(target, planned, 10.0)
    asyncio.run(transport.handle_async_request(request))
    ((origin, payload),) = transport.sent
    return origin, payload, str(request.url)


def fast_bytes(wire: WireTarget, planned: PlannedRequest, now_ms: int) -> bytes | None:
    spec = planned.spec
    body = spec.body.encode("utf-8") if spec.body is not None else b""
    return wire.payload(spec, spec.target(now_ms), body)


def planned_requests(path: Path, visitors: int) -> list[PlannedRequest]:
    engine = JourneyEngine(load_scenario(path))
    return [p for index in range(visitors) for p in engine.plan(index)]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
@pytest.mark.parametrize("target", ["http://127.0.0.1:8787", "http://localhost:9/api/"])
def test_bundled_scenarios_go_the_fast_way_with_the_same_bytes(scenario: Path, target: str) -> None:
    wire = WireTarget(target)
    assert wire.usable
    for planned in planned_requests(scenario, 40):
        # The httpx path reads the clock itself: freeze the cache-buster for both.
        spec = planned.spec
        frozen = PlannedRequest(
            RequestSpec(
                spec.method,
                spec.target(NOW_MS),
                spec.headers,
                spec.body,
                spec.name,
                spec.step,
                spec.visitor,
                spec.expect,
            ),
            planned.think,
            planned.journey,
        )
        payload = fast_bytes(wire, frozen, NOW_MS)
        origin, expected, url = httpx_bytes(target, frozen)
        assert payload == expected, spec.name
        assert wire.origin == origin
        assert wire.url(frozen.spec.target(NOW_MS)) == url


def sample_spec(path: str, method: str = "POST", body: str | None = '{"a":1}') -> PlannedRequest:
    headers = (("Content-Type", "application/json"), ("User-Agent", "UA/1.0"))
    return PlannedRequest(RequestSpec(method, path, headers, body, "event/x", "x", 0), 0.0, "j")


@settings(max_examples=200, deadline=None)
@given(
    segment=st.text(st.characters(min_codepoint=0x20, max_codepoint=0x17F), max_size=12),
    query=st.none() | st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=8),
    method=st.sampled_from(["GET", "POST", "PUT"]),
    body=st.none() | st.sampled_from(["", '{"page":"x"}']),
)
def test_any_path_is_written_as_httpx_writes_it_or_left_to_httpx(
    segment: str, query: str | None, method: str, body: str | None
) -> None:
    path = f"/jsv1/{segment}/event/view" + ("" if query is None else f"?{query}")
    planned = sample_spec(path, method, body)
    wire = WireTarget("http://127.0.0.1:8787")
    payload = fast_bytes(wire, planned, NOW_MS)
    if payload is None:
        return  # httpx writes it (quoting, dot segments, fragments): nothing to compare
    try:
        _, expected, url = httpx_bytes("http://127.0.0.1:8787", planned)
    except (httpx.InvalidURL, UnicodeEncodeError):  # pragma: no cover - a failure if reached
        pytest.fail(f"the fast path wrote {path!r}, which httpx rejects")
    assert payload == expected
    assert wire.url(path) == url


@pytest.mark.parametrize(
    "path", ["/a b", "/a/../b", "/a/./b", "/a#b", "/a`b", "/é", '/a"b', "/a?b c", "/a?<b>"]
)
def test_paths_httpx_would_change_are_left_to_it(path: str) -> None:
    assert fast_bytes(WireTarget("http://127.0.0.1:8787"), sample_spec(path), NOW_MS) is None


@pytest.mark.parametrize(
    "target",
    ["http://LOCALHOST:8787", "http://127.0.0.1:80", "http://u:p@127.0.0.1:1", "http://h/a/../b"],
)
def test_targets_httpx_would_rewrite_are_left_to_it(target: str) -> None:
    assert not WireTarget(target).usable


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
