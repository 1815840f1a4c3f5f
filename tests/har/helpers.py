"""Shared pieces of the HAR tests: the fixtures, runs of the CLI and their HAR export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator_app.cli import main
from simulator_app.core.har import write_har
from simulator_app.core.model import Scenario
from simulator_app.core.record import RequestRecord

FIXTURES = Path(__file__).parent / "fixtures"
CHROME = FIXTURES / "chrome.har"
FIREFOX = FIXTURES / "firefox.har"


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def records_of(log: Path) -> list[RequestRecord]:
    return [RequestRecord.from_json(json.loads(line)) for line in log.read_text().splitlines()]


def export_har(log: Path, har: Path) -> list[RequestRecord]:
    """The run's log written as the app's HAR export writes it (core.har)."""
    records = records_of(log)
    with har.open("w", encoding="utf-8") as out:
        write_har(out, ((r, "") for r in records), "test")
    return records


def step_sequences(scenario: Scenario) -> list[list[tuple[object, ...]]]:
    """Each journey's steps without their think times: what a replay must reproduce."""
    return [
        [(s.type, s.target, s.quantity, s.source) for s in journey.steps]
        for journey in scenario.journeys
    ]
