"""What TLS costs: the sender and an exported file over HTTPS, beside the same over HTTP.

Two reference sinks in subprocesses of their own (:mod:`~simulator_app.bench.sink`,
plain and HTTPS with a certificate of the collector's local CA, made in a
temporary folder), pinned to the receivers' CPU, receive in turn: the live
sender at concurrency 10 (a :class:`LoadRun` of view events, no think time, in
this process), Locust's minimal FastHttpUser file over TLS, and the exported demo
file over TLS (``--ca-bundle``) and over HTTP, on the load CPU. The sinks answer
the contract and nothing else, so the ratios are the clients' cost of TLS. It
prints::

    sender c10 over TLS / over HTTP        goal >= 0.6
    exported file over TLS / FastHttpUser over TLS   goal >= 1.0
    exported file over TLS / over HTTP               (no goal: what TLS costs it)
    TLS handshakes of 10,000 requests at c10         goal <= 20

Run it as ``python -m simulator_app.bench.tls [--seconds 5] [--json]``;
``nitrox-sim bench`` runs it as a subprocess (``extras["tls"]``). Loopback
only, bounded in time, leaves no process behind.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from simulator_app.bench.exporter import default_scenario, exported_locustfile
from simulator_app.bench.locust_runs import minimal_locustfile, run_locust
from simulator_app.bench.processes import cpu_pins
from simulator_app.bench.sender import bench_scenario
from simulator_app.bench.sink import Sink
from simulator_app.sender.network import NetworkSettings
from simulator_app.sender.runner import LoadRun, RunSettings

SENDER_GOAL = 0.6  # sender c10 over TLS / over HTTP, at least
EXPORTED_GOAL = 1.0  # exported file over TLS / FastHttpUser over TLS, at least
HANDSHAKE_GOAL = 20  # handshakes of 10,000 requests at concurrency 10, at most


def sender_run(
    url: str, concurrency: int, seconds: float | None, visitors: int | None, ca: str | None
) -> tuple[float, int, int]:
    """The sender's req/s, connections opened and requests, for ``seconds`` or ``visitors``."""
    settings = RunSettings(
        target=url,
        visitors=visitors,
        concurrency=concurrency,
        think_scale=0,
        time_limit=seconds,
        network=NetworkSettings(ca_bundle=ca),
    )
    result = LoadRun(bench_scenario(), settings).run()
    if result.failures:
        raise RuntimeError(f"{result.failures} of {result.requests} requests failed")
    rps = result.requests / result.elapsed if result.elapsed > 0 else 0.0
    return rps, result.connections_opened, result.requests


def measure_tls(seconds: float = 5.0, users: int = 10) -> dict[str, Any]:
    """Every figure of the module docstring, as a JSON-ready dict."""
    server_pin, load_pin = cpu_pins()
    with tempfile.TemporaryDirectory(prefix="nitrox-tls-bench-") as tmp:
        folder = Path(tmp)
        with Sink(pin=server_pin) as plain, Sink(pin=server_pin, tls_dir=folder / "tls") as tls:
            ca = tls.ca
            http_rps, _, _ = sender_run(plain.url, 10, seconds, None, None)
            tls_rps, _, _ = sender_run(tls.url, 10, seconds, None, ca)
            _, handshakes, requests = sender_run(tls.url, 10, None, 200, ca)  # 50 views each
            fast = folder / "fasthttpuser.py"
            fast.write_text(minimal_locustfile("FastHttpUser"), encoding="utf-8")
            # FastHttpUser checks no certificate by default (insecure = True): no CA needed.
            fast_tls = run_locust(fast, tls.url, seconds, users, load_pin)
            exported = folder / "exported.py"
            exported.write_text(exported_locustfile(default_scenario()), encoding="utf-8")
            exported_tls = run_locust(
                exported, tls.url, seconds, users, load_pin, ("--ca-bundle", str(ca))
            )
            exported_http = run_locust(exported, plain.url, seconds, users, load_pin)
    return {
        "sender_rps_c10_http": round(http_rps, 1),
        "sender_rps_c10_tls": round(tls_rps, 1),
        "sender_tls_over_http": round(tls_rps / http_rps, 3) if http_rps else None,
        "fasthttpuser_rps_tls": round(fast_tls.rps, 1),
        "fasthttpuser_tls_failures": fast_tls.failures,
        "exported_rps_tls": round(exported_tls.rps, 1),
        "exported_tls_over_fasthttpuser_tls": (
            round(exported_tls.rps / fast_tls.rps, 3) if fast_tls.rps else None
        ),
        "exported_tls_failures": exported_tls.failures,
        "exported_rps_http": round(exported_http.rps, 1),
        "tls_handshakes": handshakes,
        "tls_handshake_requests": requests,
    }


def report_lines(figures: dict[str, Any]) -> list[str]:
    """The figures against their goals, one line each."""

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    sender = figures.get("sender_tls_over_http")
    exported = figures.get("exported_tls_over_fasthttpuser_tls")
    handshakes = figures.get("tls_handshakes", 0)
    return [
        f"sender c10 over TLS / over HTTP: {figures['sender_rps_c10_tls']:,.0f} / "
        f"{figures['sender_rps_c10_http']:,.0f} req/s = {sender} "
        f"(goal >= {SENDER_GOAL}) {verdict(sender is not None and sender >= SENDER_GOAL)}",
        f"exported file over TLS / FastHttpUser over TLS: {figures['exported_rps_tls']:,.0f} / "
        f"{figures['fasthttpuser_rps_tls']:,.0f} req/s = {exported} "
        f"(goal >= {EXPORTED_GOAL}) {verdict(exported is not None and exported >= EXPORTED_GOAL)}",
        f"exported file over TLS / over HTTP: {figures['exported_rps_tls']:,.0f} / "
        f"{figures.get('exported_rps_http', 0):,.0f} req/s (what TLS costs the file)",
        f"TLS handshakes: {handshakes} for {figures.get('tls_handshake_requests', 0):,} requests"
        f" at concurrency 10 (goal <= {HANDSHAKE_GOAL}) {verdict(handshakes <= HANDSHAKE_GOAL)}",
    ]


def suite_step(seconds: float, progress: Callable[[str], None]) -> dict[str, Any]:
    """``nitrox-sim bench``'s TLS step: this module in a subprocess; its figures, or the
    reason it could not measure them (``{"error": ...}``), said through ``progress``."""
    started = time.monotonic()
    command = [
        sys.executable,
        "-m",
        "simulator_app.bench.tls",
        "--seconds",
        f"{seconds:g}",
        "--json",
    ]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=8 * seconds + 180, check=False
        )
        figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError) as exc:
        progress(f"TLS: not measured ({exc or type(exc).__name__})")
        return {"error": str(exc) or type(exc).__name__}
    for line in report_lines(figures):
        progress(f"TLS: {line}")
    progress(f"TLS: measured in {time.monotonic() - started:.0f} s")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulator_app.bench.tls")
    parser.add_argument("--seconds", type=float, default=5.0, help="each measurement")
    parser.add_argument("--users", type=int, default=10, help="Locust users")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = parser.parse_args(argv)
    figures = measure_tls(args.seconds, args.users)
    if args.json:
        print(json.dumps(figures))
    else:
        print("\n".join(report_lines(figures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
