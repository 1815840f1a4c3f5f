"""The runtime under Locust (subprocesses): the bytes it sends, the files it refuses.

Every run is bounded (``-t``, a subprocess timeout) and sends to 127.0.0.1 only.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from simulator_app.core.journey import JourneyEngine
from simulator_app.exporter.locustfile import ExportSettings, export_locustfile
from tests.exporter.locust_helpers import load_seeded, locust
from tests.locust.raw_server import RawServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

ROOT = Path(__file__).resolve().parents[2]
QUICK = ["--headless", "--stop-timeout", "2", "--json", "--only-summary", "--loglevel", "WARNING"]


def httpx_bytes(url: str, method: str, target: str, headers: object, body: str | None) -> bytes:
    """What httpx (`nitrox-sim run`'s client) writes for this request: line, headers, body."""
    content = None if body is None else body.encode("utf-8")
    request = httpx.Request(method, url + target, headers=headers, content=content)  # type: ignore[arg-type]
    head = f"{method} {request.url.raw_path.decode('ascii')} HTTP/1.1\r\n".encode("ascii")
    fields = b"".join(name + b": " + value + b"\r\n" for name, value in request.headers.raw)
    return head + fields + b"\r\n" + (content or b"")


@pytest.mark.parametrize("scenario", ["buyer.yaml", "demo_mix.yaml"])
def test_the_wire_carries_the_planned_request_and_nothing_else(
    tmp_path: Path, scenario: str
) -> None:
    """Byte for byte what httpx sends for the planned request: Host first, the tracker's
    headers in order, Content-Length; no Accept-Encoding, no client User-Agent."""
    loaded = load_seeded(ROOT / "scenarios" / scenario)
    file = tmp_path / "exported.py"
    file.write_text(export_locustfile(loaded, ExportSettings(think_scale=0.0)), encoding="utf-8")
    with RawServer() as server:
        done = locust(
            [
                *("-f", str(file), "AllJourneys", *QUICK, "--host", server.url),
                *("-u", "1", "-r", "1", "-t", "30s", "--visitors", "6"),
            ],
            tmp_path,
        )
        sent = list(server.requests)
    assert done.returncode == 0, done.stderr
    engine = JourneyEngine(loaded)
    plans = [p.spec for i in range(6) for p in engine.plan(i)]
    assert len(sent) == len(plans)
    for raw, spec in zip(sent, plans, strict=True):
        target = raw.split(b" ", 2)[1].decode("ascii")  # the cache-buster is the send time
        assert target.partition("?_=")[0] == spec.path.partition("?_=")[0]
        expected = httpx_bytes(server.url, spec.method, target, spec.headers, spec.body)
        assert raw == expected, spec.name
        assert b"accept-encoding" not in raw.lower()


def _file_with(tmp_path: Path, old: str, new: str) -> Path:
    text = export_locustfile(load_seeded(ROOT / "scenarios" / "demo_mix.yaml"))
    assert old in text
    path = tmp_path / "edited.py"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("journey = 'buyer'", "journey = 'buyers'", "BuyerUser: journey 'buyers' is not one of"),
        ("    'store': {", "    'shop': {", "nitrox: the file's scenario cannot be read: missing"),
        ("    scenario = SCENARIO\n", "", "nitrox: BrowserUser: no scenario (set its scenario"),
    ],
)
def test_a_file_edited_wrong_stops_locust_in_one_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    file = _file_with(tmp_path, old, new)
    done = locust(
        ["-f", str(file), "--headless", "-u", "1", "-t", "5s", "--host", "http://127.0.0.1:9"],
        tmp_path,
        timeout=30,
    )
    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr
