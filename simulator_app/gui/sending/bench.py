"""Benchmarks of the request log: event-loop stall under load, memory per retained row.

Run ``python -m simulator_app.gui.sending.bench`` (offscreen unless a display
is set up). Goals: the longest stall under 50 ms while the log takes 5,000
requests/s, and at most 300 bytes per retained row at 1,000,000 rows. These
print figures; no test asserts on time. ``--compare`` measures the log alone and
then with the dashboard, side by side: on a loaded machine the ratio, the
longest stretch of the GUI thread's own CPU time and its CPU time in all say
more than one wall-clock gap.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import threading
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from simulator_app.core.journey import JourneyEngine
from simulator_app.core.model import Scenario
from simulator_app.core.record import RequestRecord
from simulator_app.core.scenario_file import load_scenario

ORIGIN = "http://127.0.0.1:8000"
SCENARIO = Path(__file__).resolve().parents[3] / "scenarios" / "demo_mix.yaml"
PRODUCER_TICK = 0.01  # seconds between the synthetic sender's batches
RSS_MIN_ROWS = 100_000  # fewer rows are measured with tracemalloc
WARM_UP_LIMIT = 30.0  # seconds the warm-up waits for the dashboard's visitor lookup, at most


def bench_scenario() -> Scenario:
    """The bundled demo mix: browsers, abandoners and buyers with random IDs per visitor."""
    return load_scenario(SCENARIO)


def synthetic_records(scenario: Scenario, start: float | None = None) -> Iterator[RequestRecord]:
    """Endless records as a collector would answer the scenario's visitors, in order."""
    engine = JourneyEngine(scenario)
    now = time.time() if start is None else start
    visitor = 0
    while True:
        for planned in engine.plan(visitor):
            spec = planned.spec
            yield RequestRecord(
                time=now,
                visitor=visitor,
                journey=planned.journey,
                step=spec.step,
                name=spec.name,
                method=spec.method,
                url=ORIGIN + spec.target(int(now * 1000)),
                status=200,
                latency_ms=3.2,
                request_headers=spec.headers,
                request_body=spec.body,
                response_body=spec.expect or '{"ok":true}',
                response_headers=(("content-type", "application/json"), ("content-length", "11")),
            )
            now += 0.0002
        visitor += 1


@dataclass(frozen=True, slots=True)
class LoopFigures:
    """What one stall measurement saw: the longest gap and the GUI thread's CPU time.

    ``cpu_stall_ms`` is the longest gap counted in the GUI thread's own CPU
    time: the longest piece of work between two turns of the event loop,
    without the time the thread waited for a core (on a loaded machine the
    wall-clock gap mostly measures the other processes).
    """

    stall_ms: float
    cpu_stall_ms: float
    gui_cpu_s: float  # CPU time the GUI thread used while the records were fed
    fed_s: float  # how long that was (wall clock)

    @property
    def gui_load(self) -> float:
        """The GUI thread's share of one core over the measurement."""
        return self.gui_cpu_s / self.fed_s if self.fed_s else 0.0


def measure_stall(
    rows_per_second: int = 5000, seconds: float = 5.0, dashboard: bool = True
) -> float:
    """The event loop's longest gap, in ms, while the log takes ``rows_per_second``."""
    return measure_loop(rows_per_second, seconds, dashboard).stall_ms


def measure_loop(
    rows_per_second: int = 5000, seconds: float = 5.0, dashboard: bool = True
) -> LoopFigures:
    """The event loop's longest gap while the log takes ``rows_per_second``, and its CPU time.

    A thread feeds records through the real path (pending buffer, 100 ms
    flush timer, log model, table view, stats); a 1 ms timer measures how
    long the GUI thread goes without turning the event loop. With
    ``dashboard`` the dashboard is detached to its own window, so the log and
    the live charts are both on screen and both redrawn (the worst case).
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from simulator_app.gui.sending.area import SendingArea

    app = QApplication.instance() or QApplication([])
    scenario = bench_scenario()
    feed = synthetic_records(scenario)
    total = int(rows_per_second * seconds)
    records = [next(feed) for _ in range(total)]  # made before timing: only the GUI is measured
    area = SendingArea()
    area.resize(1400, 800)
    area.show()
    if dashboard:
        area.dashboard_host.detach()
    area.begin_run(scenario)
    per_tick = max(1, round(rows_per_second * PRODUCER_TICK))
    stop = threading.Event()

    def produce() -> None:
        sent, next_at = per_tick, time.perf_counter()
        while sent < total and not stop.is_set():
            area.buffer.put(records[sent : sent + per_tick])
            sent += per_tick
            next_at += PRODUCER_TICK
            stop.wait(max(0.0, next_at - time.perf_counter()))

    gaps = [0.0, 0.0]  # the longest gap in wall-clock time, and in the GUI thread's CPU time
    last = [time.perf_counter(), time.thread_time()]

    def probe() -> None:
        now, cpu_now = time.perf_counter(), time.thread_time()
        gaps[0] = max(gaps[0], now - last[0])
        gaps[1] = max(gaps[1], cpu_now - last[1])
        last[0], last[1] = now, cpu_now

    loop = QEventLoop()
    probe_timer = QTimer()
    probe_timer.setInterval(1)
    probe_timer.timeout.connect(probe)
    producer = threading.Thread(target=produce, name="bench-producer")
    cpu = fed = 0.0
    try:
        # Warm up as a window that has been open a while would be: painted, with
        # glyphs cached. The records made above are bench scaffolding, not app
        # state: freeze them out of the garbage collector's full passes.
        area.buffer.put(records[:per_tick])
        area.flush()
        if dashboard:  # its charts drawn once, the visitors' engine made, as in a window in use
            deadline = time.monotonic() + WARM_UP_LIMIT
            while area.stats.resolve_visitors() and time.monotonic() < deadline:
                time.sleep(0.01)
            area.dashboard.refresh()
        app.processEvents()
        gc.collect()
        gc.freeze()
        last[0] = began = time.perf_counter()
        last[1] = cpu = time.thread_time()
        probe_timer.start()
        producer.start()
        QTimer.singleShot(int(seconds * 1000) + 300, loop.quit)
        loop.exec()
        cpu = time.thread_time() - cpu
        fed = time.perf_counter() - began
    finally:
        stop.set()
        if producer.is_alive():
            producer.join()
        probe_timer.stop()
        gc.unfreeze()
        rows = area.log.model.rowCount()
        area.shutdown()
        area.close()
        area.deleteLater()
        app.processEvents()
    if rows < total - per_tick * 20:
        print(f"warning: only {rows} of {total} rows reached the log", file=sys.stderr)
    return LoopFigures(gaps[0] * 1000, gaps[1] * 1000, cpu, fed)


def _rss() -> int | None:
    """This process's resident memory in bytes (Linux), or None where /proc is missing."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def measure_bytes_per_row(rows: int = 1_000_000) -> float:
    """Memory per retained row once ``rows`` rows are in the log's store.

    Measured as the growth of resident memory (allocator overhead included),
    or with tracemalloc where /proc is missing (slower) or for fewer than
    :data:`RSS_MIN_ROWS` rows, which may fit in memory the process freed
    earlier and so not grow its resident size at all. Realistic rows: the
    demo mix's visitors, each with its own random IDs, and the store's usual
    full records for the most recent rows.
    """
    from simulator_app.gui.sending.store import LogStore

    scenario = bench_scenario()
    feed = synthetic_records(scenario)
    batch = 500
    warm = [next(feed) for _ in range(batch)]  # engine, Faker and caches loaded first
    del warm
    gc.collect()
    traced = rows < RSS_MIN_ROWS or _rss() is None
    if traced:
        tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0] if traced else _rss() or 0
    store = LogStore(capacity=rows)
    store.begin_run(scenario)
    left = rows
    while left:
        n = min(batch, left)
        records = [next(feed) for _ in range(n)]
        store.trim(store.overflow(n))
        store.append(records)
        left -= n
    del records
    gc.collect()
    after = tracemalloc.get_traced_memory()[0] if traced else _rss() or 0
    if traced:
        tracemalloc.stop()
    return (after - before) / max(1, len(store))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulator_app.gui.sending.bench")
    parser.add_argument("--rate", type=int, default=5000, help="rows per second fed to the log")
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to feed them")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows for the memory figure")
    parser.add_argument(
        "--no-dashboard",
        action="store_true",
        help="measure the stall with the dashboard closed (default: open in its own window)",
    )
    parser.add_argument(
        "--compare",
        action="store_true",
        help="measure the log alone, then with the dashboard, and print both side by side",
    )
    parser.add_argument(
        "--json",
        metavar="FILE",
        help="also write gui_max_stall_ms and gui_bytes_per_row to FILE (nitrox-sim bench reads it)",
    )
    args = parser.parse_args(argv)
    if args.rate < 1 or args.seconds <= 0 or args.rows < 1:
        parser.error("--rate, --seconds and --rows must be positive")
    modes = (False, True) if args.compare else (not args.no_dashboard,)
    figures_of = {}
    for dashboard in modes:
        figures_of[dashboard] = loop = measure_loop(args.rate, args.seconds, dashboard=dashboard)
        print(
            f"longest event-loop stall at {args.rate} rows/s for {args.seconds:g} s"
            f" ({'log and dashboard on screen' if dashboard else 'log only'}):"
            f" {loop.stall_ms:.1f} ms (goal < 50 ms), {loop.cpu_stall_ms:.1f} ms of it CPU;"
            f" GUI thread CPU {loop.gui_cpu_s:.2f} s ({loop.gui_load:.0%} of a core)",
            flush=True,
        )
    if args.compare:
        alone, both = figures_of[False], figures_of[True]
        print(
            f"with the dashboard / log only: stall x{both.stall_ms / alone.stall_ms:.2f},"
            f" CPU stall x{both.cpu_stall_ms / max(alone.cpu_stall_ms, 1e-3):.2f},"
            f" GUI thread CPU +{both.gui_cpu_s - alone.gui_cpu_s:.2f} s"
            f" ({(both.gui_cpu_s - alone.gui_cpu_s) / args.seconds * 1000:.0f} ms per second fed)",
            flush=True,
        )
    stall = figures_of[modes[-1]].stall_ms
    per_row = measure_bytes_per_row(args.rows)
    print(f"memory per retained row at {args.rows:,} rows: {per_row:.0f} bytes (goal <= 300)")
    if args.json:
        figures = {
            "gui_max_stall_ms": round(stall, 1),
            "gui_bytes_per_row": round(per_row, 1),
            "rate": args.rate,
            "seconds": args.seconds,
            "rows": args.rows,
        }
        Path(args.json).write_text(json.dumps(figures) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
