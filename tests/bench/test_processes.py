"""The bench's CPU meter: how busy its own process and the server were."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulator_app.bench.processes import CpuMeter, cpu_seconds, describe_cpu

LINUX_PROC = Path("/proc/self/stat").exists()
SPIN = "import time\nend = time.monotonic() + 20\nwhile time.monotonic() < end: pass\n"


@pytest.mark.skipif(not LINUX_PROC, reason="reads /proc")
def test_a_busy_server_and_an_idle_load_are_told_apart() -> None:
    spinner = subprocess.Popen([sys.executable, "-c", SPIN])
    try:
        meter = CpuMeter(spinner.pid)
        meter.start()
        time.sleep(1.0)  # this process sleeps: the load is idle, the "server" spins
        meter.stop()
        shares = meter.take()
    finally:
        spinner.kill()
        spinner.wait()
    assert set(shares) == {"load", "server"}
    # Loose bounds: a spinning process gets some CPU even on a loaded machine.
    assert shares["server"] > 0.1 and shares["load"] < 0.1, shares
    assert meter.take() == {}  # taken: it starts over
    assert describe_cpu(shares).startswith("load CPU ") and "server CPU " in describe_cpu(shares)


def test_a_server_that_cannot_be_read_is_left_out() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert cpu_seconds(gone.pid) is None
    meter = CpuMeter(gone.pid)
    meter.start()
    meter.stop()
    assert "server" not in meter.take()
    wrk_like = CpuMeter(None, load=False)  # the load is another process: nothing of ours
    wrk_like.start()
    wrk_like.stop()
    assert wrk_like.take() == {}
    assert describe_cpu({}) == ""
