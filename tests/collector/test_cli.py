"""``nitrox-sim collector``: no request lost across SIGINT/SIGTERM, and clear start errors."""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from simulator_app.cli import main
from simulator_app.collector import EmbeddedCollector

from .conftest import URL, event, new_ids, send

ROOT = Path(__file__).resolve().parents[2]


def start_cli(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator_app", "collector", "--port", "0", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+", line)
    if not found:
        proc.kill()
        pytest.fail(f"collector did not start: {line!r} {proc.communicate()}")
    return proc, found.group(0)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_no_answered_request_is_lost_across_shutdown(tmp_path: Path, sig: signal.Signals) -> None:
    db = tmp_path / "events.sqlite"
    proc, url = start_cli("--db", str(db))
    answered: list[str] = []
    enough = threading.Event()

    def sender(worker: int) -> None:
        # Keep sending until the server goes away, so the signal lands mid-traffic.
        with httpx.Client(base_url=url, timeout=10) as client:
            for i in range(5_000):
                page = f"{URL}/w{worker}/{i}"
                try:
                    response = send(client, event(new_ids(), "view", {"page": page}))
                except httpx.TransportError:
                    return
                if response.status_code == 200:
                    answered.append(page)
                if len(answered) >= 400:
                    enough.set()

    workers = [threading.Thread(target=sender, args=(w,)) for w in range(4)]
    for w in workers:
        w.start()
    if not enough.wait(30):
        proc.kill()  # leave no collector behind
        proc.communicate()
        pytest.fail("the collector answered too few requests")
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    for w in workers:
        w.join(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    with sqlite3.connect(db) as conn:
        stored = {row[0] for row in conn.execute("SELECT json_extract(body, '$.page') FROM events")}
    assert len(answered) >= 400
    assert set(answered) <= stored
    total = re.search(r"collector stopped: (\d+) requests", out)
    assert total is not None and int(total.group(1)) == len(stored)


def test_a_taken_port_exits_non_zero_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with EmbeddedCollector() as running:
        port = running.url.rsplit(":", 1)[1]
        assert main(["collector", "--port", port]) == 1
    err = capsys.readouterr().err
    assert err == f"nitrox-sim collector: error: port {port} is already in use on 127.0.0.1\n"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--latency", "fast"], "latency 'fast' is not MS or MIN-MAX"),
        (["--latency", "300-50"], "latency '300-50' has MIN above MAX"),
        (["--error-rate", "0.7", "--drop-rate", "0.7"], "must not exceed 1"),
        (["--db", "/nonexistent/dir/x.sqlite"], "cannot open database"),
    ],
)
def test_bad_options_are_one_line_errors(
    capsys: pytest.CaptureFixture[str], args: list[str], error: str
) -> None:
    assert main(["collector", "--port", "0", *args]) == 2
    err = capsys.readouterr().err
    assert error in err and err.count("\n") == 1


def test_rates_outside_0_1_are_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["collector", "--error-rate", "1.5"])
    assert exited.value.code == 2
    assert "1.5 is not between 0 and 1" in capsys.readouterr().err


def test_help_teaches_with_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["collector", "--help"])
    text = capsys.readouterr().out
    for needle in ("/_collector/bad", "--latency 50-300", "--db run.sqlite", "SIGTERM"):
        assert needle in text


def test_help_says_how_much_memory_keeps(capsys: pytest.CaptureFixture[str]) -> None:
    from simulator_app.cli import collector as command
    from simulator_app.collector.store import MEMORY_BUDGET
    from simulator_app.collector.wire import DEFAULT_TIMEOUT

    # the parser writes the collector's defaults out, so as not to import it
    assert command.MEMORY_MIB * command.MIB == MEMORY_BUDGET
    assert command.HEADER_TIMEOUT == DEFAULT_TIMEOUT
    with pytest.raises(SystemExit):
        main(["collector", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert f"kept in memory without --db (default {MEMORY_BUDGET // command.MIB})" in text
    for option in ("--full-cart", "--allow-host NAME", "--header-timeout S", "--memory MIB"):
        assert option in text


def test_an_address_it_cannot_bind_is_one_line_without_the_reach_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 203.0.113.0/24 is for documentation: no interface here has it, so binding fails
    assert main(["collector", "--host", "203.0.113.7", "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("nitrox-sim collector: error: ") and err.count("\n") == 1
    assert "other machines" not in err
