"""Fault settings refuse what they cannot use, NaN and infinity included, in one plain line;
the inspection API answers valid JSON; the collector says its faults in words."""

from __future__ import annotations

import json
import math
import signal
from typing import Any

import httpx
import pytest

from simulator_app.cli import main
from simulator_app.collector import FaultSettings
from simulator_app.collector.faults import parse_latency

from .test_cli import start_cli

FAULTS = "/_collector/faults"
JSON = {"content-type": "application/json"}


def strict_json(response: httpx.Response) -> Any:
    """The body as JSON that any parser reads: NaN and Infinity are not JSON."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in the answer: not valid JSON")

    return json.loads(response.text, parse_constant=refuse)


@pytest.mark.parametrize(
    ("settings", "error"),
    [
        ({"latency_ms": (math.nan, math.nan)}, "latency must be a finite number of ms, got nan"),
        ({"latency_ms": (0.0, math.inf)}, "latency must be a finite number of ms, got inf"),
        ({"latency_ms": (-5.0, -5.0)}, "latency -5 ms must be 0 or more"),
        ({"latency_ms": (300.0, 50.0)}, "latency 300-50 ms has MIN above MAX (write it as 50-300)"),
        ({"error_rate": math.nan}, "error_rate must be between 0 and 1, got nan"),
        ({"drop_rate": math.inf}, "drop_rate must be between 0 and 1, got inf"),
    ],
)
def test_settings_refuse_with_one_line(settings: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError) as raised:
        FaultSettings(**settings)
    assert str(raised.value) == error


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("nan", "latency 'nan' is not in finite milliseconds (e.g. 200 or 50-300)"),
        ("inf", "latency 'inf' is not in finite milliseconds (e.g. 200 or 50-300)"),
        ("5-nan", "latency '5-nan' is not in finite milliseconds (e.g. 200 or 50-300)"),
        ("300-50", "latency '300-50' has MIN above MAX: write MIN-MAX (e.g. 50-300)"),
    ],
)
def test_parse_latency_refuses_with_one_line(text: str, error: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_latency(text)
    assert str(raised.value) == error


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            b'{"latency_ms": NaN}',
            "faults: the body is not a JSON object (NaN is not a JSON number)",
        ),
        (
            b'{"latency_ms": [0, Infinity]}',
            "faults: the body is not a JSON object (infinity is not a JSON number)",
        ),
        (b'{"latency_ms": -5}', "faults: latency -5 ms must be 0 or more"),
        (b'{"latency_ms": 1e308}', "faults: latency 1e+308 ms is above the 60000 ms limit"),
        (
            b'{"latency_ms": 1e999}',
            "faults: the body is not a JSON object (number 1e999 is out of range)",
        ),
        (
            b"{nope",
            "faults: the body is not a JSON object "
            "(expecting property name enclosed in double quotes at line 1, column 2)",
        ),
        (b"", 'faults: the body is empty; send a JSON object, e.g. {"error_rate": 0.5}'),
        (b"\xff", "faults: the body is not UTF-8 text"),
        (b"[1]", 'faults: settings must be a JSON object, e.g. {"error_rate": 0.5}'),
    ],
)
def test_the_api_refuses_in_plain_words_and_keeps_answering_json(
    client: httpx.Client, body: bytes, error: str
) -> None:
    before = strict_json(client.get(FAULTS))
    response = client.post(FAULTS, content=body, headers=JSON)
    assert response.status_code == 400
    assert strict_json(response) == {"error": error}
    after = client.get(FAULTS)
    assert after.status_code == 200
    assert strict_json(after) == before  # nothing changed, and still valid JSON


def test_settings_in_words() -> None:
    assert FaultSettings().describe() == "none"
    assert FaultSettings(latency_ms=(200, 200)).describe() == "latency 200 ms"
    assert FaultSettings(
        latency_ms=(50, 300), error_rate=0.05, payload_error_rate=0.2, drop_rate=0.01, seed=1
    ).describe() == (
        "latency 50-300 ms, 503 for 5% of requests, "
        "'Payload Error' for 20% of identify requests, 1% of connections dropped, seed 1"
    )


@pytest.mark.parametrize("latency", ["nan", "inf", "nan-10"])
def test_cli_refuses_a_latency_that_is_not_finite(
    capsys: pytest.CaptureFixture[str], latency: str
) -> None:
    # 203.0.113.0/24 is for documentation: were the latency accepted, binding would fail
    # (exit 1) instead of serving until killed
    assert main(["collector", "--host", "203.0.113.7", "--port", "0", "--latency", latency]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"nitrox-sim collector: error: latency {latency!r} is not in finite milliseconds "
        "(e.g. 200 or 50-300)\n"
    )


@pytest.mark.slow
def test_cli_says_its_faults_in_words() -> None:
    proc, _ = start_cli("--latency", "50-300", "--error-rate", "0.05")
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(2)]
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert lines[1] == "faults: latency 50-300 ms, 503 for 5% of requests\n"
    assert proc.returncode == 0, err
