"""Subprocess plumbing for the benchmarks: free ports, readiness, CPU pins, a clean stop."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from typing import Any

Pin = tuple[str, ...]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(
    port: int, proc: subprocess.Popen[Any] | None = None, timeout: float = 15.0
) -> None:
    """Return once 127.0.0.1:``port`` accepts connections; fail if ``proc`` dies first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited with status {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:g} s")


def stop_process(proc: subprocess.Popen[Any], timeout: float = 5.0) -> None:
    """End a subprocess: terminate, kill if it has not gone after ``timeout``, close its pipes."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def cpu_pins() -> tuple[Pin, Pin]:
    """``taskset`` prefixes for (the server, the load generator).

    With two or more CPUs the server gets the first and the load the second,
    so neither steals the other's time and the ratios mean something; with one
    CPU (or no taskset) nothing is pinned.
    """
    taskset = shutil.which("taskset")
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if taskset is None or len(cpus) < 2:
        return (), ()
    return (taskset, "-c", str(cpus[0])), (taskset, "-c", str(cpus[1]))


def describe_pins(server: Pin, load: Pin) -> str:
    """One phrase for the table's header: where the server and the load ran."""
    if not server:
        return "not pinned (one CPU or no taskset)"
    return f"server on CPU {server[-1]}, load on CPU {load[-1]}"
