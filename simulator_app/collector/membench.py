"""How many bytes the collector keeps per stored request and per visitor, measured.

The in-memory store's bytes are SQLite's own (read with ``sqlite3_memory_used``
through ctypes, so they include the page cache and b-tree overhead); a
visitor's are the Python objects the checks keep (tracemalloc). The README's
figures come from here::

    python -m simulator_app.collector.membench
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import sys
import time
import tracemalloc
from collections.abc import Callable

from simulator_app.collector.checks import Checker
from simulator_app.collector.store import MEMORY_BUDGET, EventStore

ORG = "34a3f9a2-5057-431b-bd3f-aa9fdf9ff733"
ROAMING = "biscuit_4c6e224d-96f6-430c-bfc4-d41ec31e38a4"
NITRO = "de8daa44-ac2e-4ba2-8e1c-987a06817353"
PATH = f"/jsv1/{ORG}/{ROAMING}/{NITRO}/null/event/view?_=1767225600000"
BODIES = (40, 600, 2 * 1024, 63 * 1024)  # bytes: a view, a cart, a large cart, the 64 KiB limit
URL = "https://shop.example.com"


def sqlite_memory() -> Callable[[], int] | None:
    """SQLite's ``sqlite3_memory_used`` (bytes it holds in this process), or None."""
    name = ctypes.util.find_library("sqlite3")
    if name is None:
        return None
    used = ctypes.CDLL(name).sqlite3_memory_used
    used.restype = ctypes.c_int64
    return lambda: int(used())


def bytes_per_row(body_bytes: int, rows: int, measure: Callable[[], int]) -> float:
    """SQLite bytes per stored request with a body of ``body_bytes``, no budget reached."""
    before = measure()
    store = EventStore(memory_budget=2**62)
    body = '{"page": "' + "x" * max(0, body_bytes - 12) + '"}'
    try:
        for i in range(rows):
            store.add((time.time(), "view", True, 200, "POST", PATH, NITRO, [], [], body))
            if i % 100 == 99:
                store.flush()
        store.flush()
        return (measure() - before) / rows
    finally:
        store.close()


def bytes_per_visitor(lines: int, visitors: int = 2000) -> float:
    """Python bytes the checks keep per visitor whose cart holds ``lines`` lines."""
    checker = Checker()
    items = [
        {
            "quantity": 1,
            "title": "Black Box",
            "line_price": 24.0,
            "id": str(10**6 + p),
            "product_id": 10**6 + p,
            "image_url": f"{URL}/i/{p}.jpg",
        }
        for p in range(lines)
    ]
    tracemalloc.start()
    try:
        start = tracemalloc.take_snapshot()
        for n in range(visitors):
            ids = (ORG, f"{ROAMING[:-12]}{n:012d}", f"{NITRO[:-12]}{n:012d}", "null")
            if lines:
                body = {
                    "cart_url": f"{URL}/cart",
                    "product_id": 1,
                    "line_items": items,
                    "cart_value": 24.0 * lines,
                }
                checker.check_event(ids, "updatecart", body)
            else:
                checker.check_event(ids, "view", {"page": f"{URL}/"})
        diff = tracemalloc.take_snapshot().compare_to(start, "filename")
    finally:
        tracemalloc.stop()
    return sum(stat.size_diff for stat in diff) / visitors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simulator_app.collector.membench",
        description="bytes the collector keeps per stored request and per visitor",
    )
    parser.add_argument("--rows", type=int, default=2000, help="requests per body size")
    args = parser.parse_args(argv)
    if not 100 <= args.rows <= 100_000:
        parser.error("--rows must be between 100 and 100000")
    measure = sqlite_memory()
    if measure is None:
        print("libsqlite3 not found: cannot read SQLite's memory", file=sys.stderr)
        return 1
    print(f"stored request (in-memory store), path of {len(PATH)} bytes:")
    for size in BODIES:
        rows = args.rows if size < 10_000 else max(100, args.rows // 10)
        per_row = bytes_per_row(size, rows, measure)
        kept = MEMORY_BUDGET / per_row
        print(
            f"  body {size:>6,} B: {per_row:>8,.0f} B a request; the default "
            f"{MEMORY_BUDGET // 2**20} MiB keep about {kept:,.0f}"
        )
    print("visitor remembered by the checks:")
    for lines in (0, 1, 10):
        print(f"  cart of {lines:>2} lines: {bytes_per_visitor(lines):>6,.0f} B")
    return 0


if __name__ == "__main__":
    sys.exit(main())
