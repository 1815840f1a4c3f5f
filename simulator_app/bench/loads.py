"""The load the bare server and the collector both get: wrk when installed, else Locust.

The collector's goal is a ratio to the bare server under the *same* load, so
one :class:`Load` object measures both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from simulator_app.bench.locust_runs import minimal_locustfile, run_locust
from simulator_app.bench.processes import Pin
from simulator_app.bench.wrk import CONNECTIONS, run_wrk


class Load(Protocol):
    """Something that loads a server at ``base_url`` for ``seconds`` and says its req/s."""

    name: str

    def measure(self, base_url: str, seconds: float) -> float: ...


class WrkLoad:
    """wrk with one thread and 50 connections: the server's capacity."""

    def __init__(self, workdir: Path, pin: Pin = ()) -> None:
        self.name = f"wrk, {CONNECTIONS} connections"
        self.workdir = workdir
        self.pin = pin

    def measure(self, base_url: str, seconds: float) -> float:
        result = run_wrk(base_url, seconds, self.workdir, self.pin)
        if result.errors:
            raise RuntimeError(f"{result.errors} of wrk's requests failed")
        return result.rps


class LocustLoad:
    """The minimal FastHttpUser file: a Python client, so it may be the limit, not the server."""

    def __init__(self, workdir: Path, users: int, pin: Pin = ()) -> None:
        self.name = f"Locust FastHttpUser, {users} users"
        self.file = workdir / "minimal_fasthttpuser.py"
        self.file.write_text(minimal_locustfile("FastHttpUser"), encoding="utf-8")
        self.users = users
        self.pin = pin

    def measure(self, base_url: str, seconds: float) -> float:
        result = run_locust(self.file, base_url, seconds, self.users, self.pin)
        if result.failures or not result.requests:
            raise RuntimeError(f"locust: {result.requests} requests, {result.failures} failed")
        return result.rps
