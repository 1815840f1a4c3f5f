"""Subprocess plumbing for the benchmarks: free ports, readiness, CPU pins, a clean stop."""

from __future__ import annotations

import os
import re
import selectors
import shutil
import socket
import subprocess
import time
from types import TracebackType
from typing import Any, Self

Pin = tuple[str, ...]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_and_read_url(
    command: list[str], timeout: float = 15.0, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], str]:
    """Start a server that prints its ``http(s)://`` URL once it listens; return it and the URL.

    The server binds the port itself (port 0: any free one) and says so, which,
    unlike probing a port chosen beforehand, cannot be fooled by another
    process that took the same port. Its stdout stays a pipe; stderr is discarded.
    """
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            while (left := deadline - time.monotonic()) > 0:
                if not selector.select(left):
                    continue
                line = proc.stdout.readline()
                if not line:
                    proc.wait(timeout=5)
                    raise RuntimeError(
                        f"{command_name(command)} exited with status {proc.returncode}"
                    )
                found = re.search(r"https?://[\w.\[\]:]+", line)
                if found:
                    return proc, found.group(0)
        raise RuntimeError(f"{command_name(command)} did not start within {timeout:g} s")
    except BaseException:
        stop_process(proc)
        raise


def command_name(command: list[str]) -> str:
    """What to call a command in an error: its module after ``-m``, else its program."""
    if "-m" in command:
        return command[command.index("-m") + 1]
    return os.path.basename(command[0])


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


def raise_fd_limit(needed: int) -> int:
    """Raise this process's soft limit on open files towards ``needed``; the limit now.

    Never past the hard limit (which only root may raise); where there is no
    such limit to read (Windows), ``needed`` itself.
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return needed
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        if target > soft:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
    return needed if soft == resource.RLIM_INFINITY else soft


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


def cpu_seconds(pid: int) -> float | None:
    """The CPU seconds (user and system) process ``pid`` has used; None where /proc cannot say."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            # The fields after the command's ")": state is the 3rd field, utime the 14th.
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class CpuMeter:
    """How busy this process and the server were over measured spans, as shares of one CPU.

    ``start`` marks a span's beginning, ``stop`` adds it; ``take`` returns the
    shares over the spans since the last take (``load``: this process, all its
    threads; ``server``: process ``server_pid``) and starts over. A share that
    cannot be read (no /proc) is left out. A figure whose server share is near
    1.0 measured the server: the load had CPU to spare.
    """

    def __init__(self, server_pid: int | None, load: bool = True) -> None:
        self.server_pid = server_pid
        self.load = load  # False when the load is another process (wrk)
        self._mark: tuple[float, float, float | None] = (0.0, 0.0, None)
        self._wall = self._own = self._server = 0.0
        self._server_known = server_pid is not None

    def _server_now(self) -> float | None:
        return cpu_seconds(self.server_pid) if self.server_pid is not None else None

    def start(self) -> None:
        self._mark = (time.monotonic(), time.process_time(), self._server_now())

    def stop(self) -> None:
        wall, own, server = self._mark
        self._wall += time.monotonic() - wall
        self._own += time.process_time() - own
        server_now = self._server_now()
        if server is None or server_now is None:
            self._server_known = False
        else:
            self._server += server_now - server

    def take(self) -> dict[str, float]:
        wall = self._wall
        shares: dict[str, float] = {}
        if wall > 0:
            if self.load:
                shares["load"] = round(self._own / wall, 3)
            if self._server_known:
                shares["server"] = round(self._server / wall, 3)
        self._wall = self._own = self._server = 0.0
        self._server_known = self.server_pid is not None
        return shares


Ticks = tuple[int, int]  # (all CPU time, the part of it stolen), in clock ticks


def machine_ticks(stat: str = "/proc/stat") -> Ticks | None:
    """The machine's CPU time so far and how much of it the hypervisor took (steal).

    Steal is time a virtual CPU was ready to run and its host ran something
    else: a neighbour's load, invisible from inside. None where ``stat`` cannot
    be read (not Linux).
    """
    try:
        with open(stat, encoding="ascii") as file:
            fields = file.readline().split()
        if fields[0] != "cpu":
            return None
        # user nice system idle iowait irq softirq steal (guest time is inside user)
        ticks = [int(value) for value in fields[1:9]]
        return sum(ticks), ticks[7] if len(ticks) == 8 else 0
    except (OSError, ValueError, IndexError):
        return None


def steal_share(before: Ticks | None, after: Ticks | None) -> float | None:
    """The share of the machine's CPU time the hypervisor took between two readings."""
    if before is None or after is None or after[0] <= before[0]:
        return None
    return round((after[1] - before[1]) / (after[0] - before[0]), 3)


def describe_cpu(shares: dict[str, float]) -> str:
    """``load CPU 99%, server CPU 72%`` (what is known of it), or "" when nothing is."""
    return ", ".join(f"{who} CPU {share:.0%}" for who, share in shares.items())


def describe_pins(server: Pin, load: Pin) -> str:
    """One phrase for the table's header: where the server and the load ran."""
    if not server:
        return "not pinned (one CPU or no taskset)"
    return f"server on CPU {server[-1]}, load on CPU {load[-1]}"


class ServerProcess:
    """A server subprocess that prints its URL once it listens; a context manager.

    ``url`` is set once it listens, ``pid`` while it runs (the bench reads how
    busy it was), ``port`` from the URL.
    """

    def __init__(self, command: list[str]) -> None:
        self.command = command
        self.process: subprocess.Popen[str] | None = None
        self.url = ""

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1]) if self.url else 0

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self) -> Self:
        """Start the subprocess and return it once it listens (:attr:`url` is then set)."""
        self.process, self.url = start_and_read_url(self.command)
        return self

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
