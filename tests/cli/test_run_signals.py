"""Ctrl-C and SIGTERM at any moment of ``nitrox-sim run``: always the summary and a whole log.

A second Ctrl-C 50 ms after the first keeps the summary and the log's last
lines, and a Ctrl-C in the first 0.3 s (imports, the collector starting)
prints one line, never a KeyboardInterrupt traceback.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulator_app.cli import main
from simulator_app.interrupts import Interrupts

pytestmark = pytest.mark.slow

SCENARIO = """\
name: Signals
store:
  base_url: https://shop.example.com
  catalog:
    categories:
      - name: home
        products:
          - {id: 1, title: Mug, price: 12.00}
ids:
  org_id: 34a3f9a2-5057-431b-bd3f-aa9fdf9ff733
schedule: {visitors: 40, duration: 0, pattern: burst}
journeys:
  - name: browser
    steps:
      - {type: view, page: /, think: 0.2, repeat: 10}
"""


def _spawn(tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    log = tmp_path / "run.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator_app", "run", str(scenario), "--log", str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    return process, log


def _listening(process: subprocess.Popen[str], timeout: float = 30) -> None:
    """Wait until the program catches SIGTERM: its first line ran (Python alone does not)."""
    mask = 1 << (signal.SIGTERM - 1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = Path(f"/proc/{process.pid}/status").read_text()
        caught = int(next(x for x in status.splitlines() if x.startswith("SigCgt:")).split()[1], 16)
        if caught & mask:
            return
        time.sleep(0.002)
    raise AssertionError("the program never started listening for signals")


def _ended_cleanly(process: subprocess.Popen[str], log: Path, status: int = 130) -> str:
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    assert process.returncode == status, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert out.startswith("run stopped early"), out
    sent = int(out.split(" requests")[0].rsplit(" ", 1)[-1])
    lines = log.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["name"] for line in lines] == ["event/view"] * sent  # whole lines
    assert f"log: {log} ({sent} requests)" in out
    return out


needs_proc = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")


@needs_proc
@pytest.mark.parametrize("delay", [0.0, 0.1, 0.3, 0.6], ids=lambda d: f"{d}s")
def test_ctrl_c_at_any_moment_after_start(tmp_path: Path, delay: float) -> None:
    process, log = _spawn(tmp_path)
    _listening(process)
    time.sleep(delay)  # the moment varies; what must hold does not
    process.send_signal(signal.SIGINT)
    _ended_cleanly(process, log)


@needs_proc
def test_a_second_ctrl_c_50_ms_later_keeps_the_summary_and_the_log(tmp_path: Path) -> None:
    process, log = _spawn(tmp_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (not log.exists() or log.stat().st_size == 0):
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out = _ended_cleanly(process, log)
    assert "requests" in out


@needs_proc
def test_sigterm_then_ctrl_c_ends_as_sigterm(tmp_path: Path) -> None:
    process, log = _spawn(tmp_path)
    _listening(process)
    time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    time.sleep(0.05)  # pending together, Python would run the lower number's handler first
    process.send_signal(signal.SIGINT)
    _ended_cleanly(process, log, status=143)


def test_a_signal_noted_while_starting_ends_the_run_before_its_first_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    log = tmp_path / "run.jsonl"
    interrupts = Interrupts()
    interrupts.received.append(signal.SIGINT)  # as the console script notes one at start-up
    assert main(["run", str(scenario), "--log", str(log)], interrupts=interrupts) == 130
    out = capsys.readouterr().out
    assert out.startswith("run stopped early after 0:00: 0 visitors, 0 requests")
    assert log.read_text(encoding="utf-8") == ""
