"""The collector's memory is capped in bytes, whatever it is sent.

The in-memory store is measured where its bytes are (SQLite's own allocator, read
with ``sqlite3_memory_used``), the checks' state with tracemalloc: each stays within
its budget for 63 KiB bodies as for small ones.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time
import tracemalloc
from typing import Any

import pytest

from simulator_app.collector.checks import (
    LINE_BYTES,
    MAX_CART_LINES,
    VISITOR_BYTES,
    Checker,
)
from simulator_app.collector.rows import RecentRows, Row
from simulator_app.collector.store import EventStore
from tests.factory import ORG

URL = "https://shop.example.com"
PATH = f"/jsv1/{ORG}/biscuit_4c6e224d-96f6-430c-bfc4-d41ec31e38a4/de8daa44-ac2e-4ba2-8e1c-987a06817353/null/event/view"


def sqlite_memory() -> int:
    name = ctypes.util.find_library("sqlite3")
    if name is None:
        pytest.skip("libsqlite3 not found: SQLite's memory cannot be read")
    used = ctypes.CDLL(name).sqlite3_memory_used
    used.restype = ctypes.c_int64
    return int(used())


def row(i: int, body: str | None, good: bool = True) -> Row:
    return (time.time(), "view", good, 200, "POST", f"{PATH}?_={i}", "v", [], [], body)


@pytest.mark.parametrize(("body_bytes", "rows", "every"), [(63 * 1024, 300, 5), (60, 20_000, 500)])
def test_the_in_memory_store_keeps_bytes_not_rows(body_bytes: int, rows: int, every: int) -> None:
    budget = 4 * 1024 * 1024
    body = '{"page": "' + "x" * (body_bytes - 12) + '"}'
    before = sqlite_memory()
    store = EventStore(memory_budget=budget)
    try:
        for i in range(rows):
            store.add(row(i, body))
            if i % every == every - 1:
                store.flush()  # as the writer does every 50 ms
        store.flush()
        used = sqlite_memory() - before
        # the pages within the budget, plus at most one batch that arrived before a flush
        assert used < budget + every * (body_bytes + 1500) + 256 * 1024, used
        summary = store.summary()
        assert summary["total"] == rows  # counted, every one
        assert summary["stored_bytes"] <= budget
        kept = store.query(limit=rows)
        assert len(kept) == summary["stored"] < rows
        assert kept[0]["path"].endswith(f"?_={rows - 1}")  # the latest are the ones kept
        assert len(kept) * (body_bytes + len(PATH) + 100) > budget / 2  # the budget is used
    finally:
        store.close()


def test_recent_lists_are_bounded_in_bytes_and_keep_the_newest() -> None:
    recent = RecentRows(max_rows=50, max_bytes=100_000)
    for i in range(40):
        recent.add(row(i, "x" * 30_000), 30_300)
    assert len(recent) == 3 and recent.bytes <= 100_000
    assert [r[5][-2:] for r in recent.latest(10)] == ["37", "38", "39"]
    recent.add(row(99, "y" * 500_000), 500_300)  # one alone over the bound: kept, alone
    assert len(recent) == 1 and recent.latest(5)[0][5].endswith("=99")
    store = EventStore()
    try:
        for i in range(500):
            store.add(row(i, "z" * 63 * 1024, good=i % 2 == 0))
        assert store.recent.bytes <= 512 * 1024 and store.recent_bad.bytes <= 2 * 1024 * 1024
        assert len(store.recent_bad) >= 20  # enough for the page's table
    finally:
        store.close()


def cart(pid: int, lines: list[dict[str, Any]], value: float) -> dict[str, Any]:
    return {"cart_url": f"{URL}/cart", "product_id": pid, "line_items": lines, "cart_value": value}


def line(pid: int) -> dict[str, Any]:
    return {
        "quantity": 1,
        "title": "t",
        "line_price": 1.0,
        "id": str(pid),
        "product_id": pid,
        "image_url": f"{URL}/{pid}.jpg",
    }


def test_order_ids_are_remembered_within_a_bound() -> None:
    checker = Checker(max_order_ids=100)
    ids = (
        ORG,
        "biscuit_4c6e224d-96f6-430c-bfc4-d41ec31e38a4",
        "de8daa44-ac2e-4ba2-8e1c-987a06817353",
    )

    def buy(order: str) -> list[dict[str, str]]:
        item = {"product_id": 1, "price": 1.0, "product_url": f"{URL}/p/1"}
        checker.check_event((*ids, "null"), "updatecart", cart(1, [line(1)], 1.0))
        checker.check_event(
            (*ids, "null"), "checkout", {"checkout": f"{URL}/c", "items": [item], "cart_value": 1.0}
        )
        body = {"checkout_url": f"{URL}/c", "order_id": order, "items": [item]}
        return checker.check_event((*ids, "null"), "buy", body)

    for n in range(1000):
        assert buy(f"ORD-{n}" + "x" * 1000) == []
    assert len(checker.order_ids) == 100  # a hash each, however long the order_id
    assert buy("ORD-999" + "x" * 1000)[0]["fieldPath"] == "body.order_id"  # recent: caught
    assert buy("ORD-0" + "x" * 1000) == []  # older than the latest 100: not caught


def visitor_ids(n: int) -> tuple[str, str, str, str]:
    return (
        ORG,
        f"biscuit_4c6e224d-96f6-430c-bfc4-{n:012d}",
        f"de8daa44-ac2e-4ba2-8e1c-{n:012d}",
        "null",
    )


def test_the_checks_remember_visitors_within_a_byte_budget() -> None:
    budget = 1024 * 1024
    checker = Checker(visitor_budget=budget)
    tracemalloc.start()
    try:
        start = tracemalloc.take_snapshot()
        body = cart(1, [line(10**6 + p) for p in range(200)], 200.0)
        for n in range(300):  # each with a 200-line cart, about 30 KB
            checker.check_event(visitor_ids(n), "updatecart", body)
        held = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(start, "filename"))
    finally:
        tracemalloc.stop()
    assert checker.visitor_bytes <= budget
    assert held < 2 * budget, held  # the estimate is in the right range of what is held
    assert 10 < len(checker.visitors) < 300
    assert checker.seen == 300


def test_the_estimates_match_what_a_visitor_holds() -> None:
    checker = Checker()
    tracemalloc.start()
    try:
        start = tracemalloc.take_snapshot()
        for n in range(2000):
            body = cart(1, [line(10**6 + p) for p in range(5)], 5.0)
            checker.check_event(visitor_ids(n), "updatecart", body)
        held = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(start, "filename"))
    finally:
        tracemalloc.stop()
    estimated = 2000 * (VISITOR_BYTES + 36 + 44 + 5 * LINE_BYTES)
    assert checker.visitor_bytes == estimated
    assert 0.8 < held / estimated < 1.25, (held, estimated)


def test_a_cart_holds_at_most_its_limit_of_lines() -> None:
    checker = Checker()
    ids = visitor_ids(1)
    for start in range(0, MAX_CART_LINES + 300, 250):
        lines = [line(p) for p in range(start, start + 250)]
        messages = checker.check_event(ids, "updatecart", cart(1, lines, 0.0))
    assert len(checker.visitors[ids[2]].lines) == MAX_CART_LINES
    assert any("more than 1000 lines" in m["description"] for m in messages)
