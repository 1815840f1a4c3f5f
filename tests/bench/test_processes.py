"""The bench's CPU meter: how busy its own process and the server were."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulator_app.bench.processes import (
    CpuMeter,
    cpu_seconds,
    describe_cpu,
    machine_ticks,
    steal_share,
)

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


def test_steal_is_read_from_the_machine_line_of_proc_stat(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    stat.write_text("cpu  700 0 100 1000 0 0 50 150 40 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n")
    before = machine_ticks(str(stat))
    assert before == (2000, 150)  # guest time (40) is inside user already
    stat.write_text("cpu  1000 0 200 1500 0 0 50 250 40 0\n")
    after = machine_ticks(str(stat))
    assert steal_share(before, after) == 0.1  # 100 stolen of 1000
    assert steal_share(after, before) is None  # not a span
    assert steal_share(None, after) is None
    stat.write_text("intr 1 2 3\n")
    assert machine_ticks(str(stat)) is None
    assert machine_ticks(str(tmp_path / "absent")) is None
    if Path("/proc/stat").exists():
        now = machine_ticks()
        assert now is not None and 0 <= now[1] <= now[0]
