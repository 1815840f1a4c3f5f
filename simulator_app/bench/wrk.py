"""wrk, the C load generator that measures a server's capacity rather than a client's."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from simulator_app.bench.processes import Pin
from simulator_app.bench.traffic import BARE_HEADERS, VIEW_BODY, VIEW_PATH

CONNECTIONS = 50  # the bare server's capacity: enough requests in flight to keep it busy
INSTALL_HINT = (
    "wrk is not installed (Debian/Ubuntu: apt-get install -y wrk; macOS: brew install wrk)"
)
WRK_MISSING = (
    "wrk is not installed: the bare server's capacity, and the ratios to it, will not be "
    "measured; install it with `apt-get install -y wrk` (Debian/Ubuntu) or `brew install wrk` "
    "(macOS) and run the bench again"
)
NOT_MEASURED = "not measured (no wrk)"


def wrk_path() -> str | None:
    return shutil.which("wrk")


def lua_script() -> str:
    """wrk's script: POST the fixed view event with the minimal files' headers."""
    # json.dumps yields a valid Lua string literal for these ASCII values.
    lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(VIEW_BODY)}"]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in BARE_HEADERS.items()]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class WrkResult:
    rps: float
    errors: int  # non-2xx answers and socket errors


def parse_output(output: str) -> WrkResult:
    found = re.search(r"Requests/sec:\s*([\d.]+)", output)
    if not found:
        raise RuntimeError(f"wrk printed no Requests/sec: {output.strip()[:200]}")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return WrkResult(rps=float(found.group(1)), errors=errors)


def run_wrk(
    base_url: str,
    seconds: float,
    workdir: Path,
    pin: Pin = (),
    connections: int = CONNECTIONS,
) -> WrkResult:
    """Post the view event to ``base_url`` for ``seconds`` with one wrk thread."""
    wrk = wrk_path()
    if wrk is None:
        raise RuntimeError(INSTALL_HINT)
    script = workdir / "nitrox_view.lua"
    script.write_text(lua_script(), encoding="utf-8")
    command = [
        *pin,
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "-s",
        str(script),
        base_url + VIEW_PATH,
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 30, check=False
    )
    return parse_output(done.stdout)
