"""``nitrox-sim run`` end to end: real servers, the log, Ctrl-C and SIGTERM, unreachable
targets, bad input."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator_app.bench.bare_server import BareServer
from simulator_app.cli import main
from simulator_app.core.record import CANCELLED, RequestRecord
from tests.sender.conftest import REQUESTS_PER_VISITOR, write_scenario

pytestmark = pytest.mark.slow


def nitrox(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "simulator_app", "run", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def finish(process: subprocess.Popen[str], timeout: float = 60) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()  # a hung run must not outlive its test
        process.communicate()
        raise
    return process.returncode, out, err


def read_log(path: Path) -> list[RequestRecord]:
    return [
        RequestRecord.from_json(json.loads(line)) for line in path.read_text("utf-8").splitlines()
    ]


@pytest.fixture(scope="module")
def bare_server() -> Iterator[str]:
    with BareServer() as server:
        yield server.url


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_run_against_the_embedded_collector(tmp_path: Path) -> None:
    scenario = write_scenario(tmp_path)
    log = tmp_path / "run.jsonl"
    code, out, err = finish(nitrox(str(scenario), "--log", str(log), "--concurrency", "3"))
    assert code == 0, err
    assert "Traceback" not in err and "embedded collector on http://127.0.0.1:" in err
    assert f"{6 * REQUESTS_PER_VISITOR} requests" in out and "0 failed" in out
    assert "journeys completed: 6 of 6 visitors (buyer: 6)" in out
    assert "collector: 36 received, 36 good, 0 bad" in out
    for endpoint in ("identify", "event/buy", "event/checkout", "Total"):
        assert any(line.startswith(endpoint) for line in out.splitlines()), endpoint
    assert any(line.split()[:3] == ["buy", "100.0%", "100.0%"] for line in out.splitlines())
    records = read_log(log)
    assert len(records) == 36 and all(r.ok and r.status == 200 for r in records)
    identify = next(r for r in records if r.step == "identify")
    assert identify.response_body == identify.url.split("/")[7]  # the visitor's nitro_id
    line = json.loads(log.read_text("utf-8").splitlines()[0])
    assert set(line) >= {
        "time", "visitor", "step", "method", "url", "status", "latency_ms",
        "request_body", "response_body", "error",
    }  # fmt: skip


def test_run_against_a_target_server(tmp_path: Path, bare_server: str) -> None:
    scenario = write_scenario(tmp_path)
    log = tmp_path / "run.jsonl"
    code, out, err = finish(
        nitrox(str(scenario), "--target", bare_server, "--log", str(log), "--visitors", "2")
    )
    # The bench's bare server answers identify with the nitro_id, as the API does.
    assert code == 0, err
    assert "12 requests" in out and "0 failed" in out
    assert "collector:" not in out
    records = read_log(log)
    assert len(records) == 12 and all(r.ok for r in records)
    assert [r.response_body for r in records if r.step == "identify"] == [
        r.url.split("/")[7] for r in records if r.step == "identify"
    ]


def test_unreachable_target_is_logged_and_ends_the_run(tmp_path: Path) -> None:
    scenario = write_scenario(tmp_path)
    log = tmp_path / "run.jsonl"
    port = closed_port()
    url = f"http://127.0.0.1:{port}"
    code, out, err = finish(nitrox(str(scenario), "--target", url, "--log", str(log)), timeout=60)
    assert code == 1
    assert "Traceback" not in err
    assert f"36 x connection refused: nothing listens on 127.0.0.1:{port};" in out  # in plain words
    assert "the target could not be reached" in out
    records = read_log(log)
    assert len(records) == 36
    assert all(r.status is None and (r.error or "").startswith("connection error") for r in records)


@pytest.mark.parametrize(
    ("signum", "status"),
    [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
    ids=["ctrl-c", "sigterm"],
)
def test_ctrl_c_and_sigterm_stop_cleanly_with_a_complete_log(
    tmp_path: Path, signum: signal.Signals, status: int
) -> None:
    scenario = write_scenario(tmp_path, think=0.4)
    log = tmp_path / "run.jsonl"
    process = nitrox(str(scenario), "--log", str(log), "--visitors", "20")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (not log.exists() or log.stat().st_size == 0):
        time.sleep(0.05)
    assert log.exists() and log.stat().st_size > 0, "the run sent nothing"
    process.send_signal(signum)
    code, out, err = finish(process, timeout=30)
    assert code == status, err
    assert "Traceback" not in err and "stopping" in err
    assert "run stopped early" in out
    records = read_log(log)
    sent = int(out.split(" requests")[0].rsplit(" ", 1)[-1])
    assert len(records) == sent > 0
    assert len(records) < 20 * REQUESTS_PER_VISITOR
    assert all(r.ok or r.error == CANCELLED for r in records)


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["run", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--visitors", "abc"], "--visitors: 'abc' is not a whole number"),
        (["--concurrency", "0"], "--concurrency: must be at least 1, got 0"),
        (["--concurrency", "100000000"], "--concurrency: must be at most 10000, got 100000000"),
        (["--rate", "-1"], "--rate: must be above 0, got -1"),
        (["--duration", "nan"], "--duration: 'nan' is not a finite number"),
        (["--target", "ftp://127.0.0.1/"], "--target: 'ftp://127.0.0.1/' is not an http"),
        (["--target", "127.0.0.1:8787"], "is not an http:// or https:// URL"),
    ],
)
def test_bad_options_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, err = run_cli(capsys, str(write_scenario(tmp_path)), *args)
    assert code == 2
    assert err.count("\n") == 1 and message in err and err.startswith("nitrox-sim run: error:")


def test_bad_scenario_files_are_reported_with_their_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.yaml"
    code, err = run_cli(capsys, str(missing))
    assert code == 2 and f"{missing}: no such file" in err and err.count("\n") == 1

    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\njourneys: [\n  {type: view\n", encoding="utf-8")
    code, err = run_cli(capsys, str(broken))
    assert code == 2 and err.startswith(f"nitrox-sim run: error: {broken}:")

    invalid = write_scenario(tmp_path, name="invalid.yaml")
    invalid.write_text(
        invalid.read_text("utf-8").replace("{type: buy}", "{type: teleport}"), encoding="utf-8"
    )
    code, err = run_cli(capsys, str(invalid))
    assert code == 2 and "teleport" in err and f"{invalid}:" in err


def test_a_remote_target_needs_consent(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator_app.cli import run as run_command
    from simulator_app.cli._common import CliError

    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    with pytest.raises(CliError, match="refusing without --yes"):
        run_command._confirm("http://shop.test/", None, yes=False)
    run_command._confirm("http://shop.test/", None, yes=True)  # consent given
    run_command._confirm("http://shop.test/", 1.0, yes=False)  # a trickle needs none
    run_command._confirm("http://127.0.0.1:8787/", None, yes=False)  # loopback needs none
