"""The embedded collector's API, as ``nitrox-sim run`` and the desktop app use it."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import httpx
import pytest

from simulator_app.collector import CollectorStartError, EmbeddedCollector
from simulator_app.collector.server import host_warning
from simulator_app.collector.store import EventStore

from .conftest import URL, event, new_ids, send


def threads() -> set[str]:
    return {t.name for t in threading.enumerate()}


def test_start_stop_and_the_url(tmp_path: Path) -> None:
    collector = EmbeddedCollector(db=str(tmp_path / "c.sqlite"))
    with pytest.raises(RuntimeError, match="not started"):
        _ = collector.url
    url = collector.start()
    assert url.startswith("http://127.0.0.1:") and collector.url == url
    assert collector.start() == url  # already running: same URL
    assert httpx.get(url + "/_collector/all").status_code == 200
    collector.stop()
    collector.stop()  # idempotent
    assert "embedded-collector" not in threads()
    assert "collector-store" not in threads()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/_collector/all")


def test_a_taken_port_is_a_one_line_error() -> None:
    with EmbeddedCollector() as first:
        port = int(first.url.rsplit(":", 1)[1])
        with pytest.raises(CollectorStartError) as caught:
            EmbeddedCollector(port=port).start()
    assert str(caught.value) == f"port {port} is already in use on 127.0.0.1"


def test_an_unopenable_database_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(CollectorStartError, match="cannot open database"):
        EmbeddedCollector(db=str(tmp_path / "missing" / "dir" / "c.sqlite")).start()


def test_every_answered_request_is_in_the_file_after_stop(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    with EmbeddedCollector(db=str(db)) as collector, httpx.Client(base_url=collector.url) as client:
        for i in range(120):
            assert send(client, event(new_ids(), "view", {"page": f"{URL}/{i}"})).status_code == 200
        send(client, event(new_ids(), "view", {"page": "nowhere"}))
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT good, COUNT(*) FROM events GROUP BY good").fetchall()
    assert dict(rows) == {1: 120, 0: 1}
    # A collector reopening the file counts what is already in it.
    with EmbeddedCollector(db=str(db)) as again:
        assert (again.summary()["good"], again.summary()["bad"]) == (120, 1)


def test_summary_recent_bad_and_reset() -> None:
    with EmbeddedCollector() as collector, httpx.Client(base_url=collector.url) as client:
        ids = new_ids()
        send(client, event(ids, "view", {"page": f"{URL}/"}))
        for page in ("one", "two", "three"):
            send(client, event(ids, "view", {"page": page}))
        summary = collector.summary()
        assert {k: summary[k] for k in ("total", "good", "bad")} == {
            "total": 4,
            "good": 1,
            "bad": 3,
        }
        assert summary["by_type"]["view"] == 4 and summary["bad_by_type"]["view"] == 3
        collector.app.store.flush()  # rows reach the store from its writer thread
        summary = collector.summary()
        assert summary["stored"] == 4
        assert summary == client.get("/_collector/all").json()
        bad = collector.recent_bad(2)
        assert [b["body"]["page"] for b in bad] == ["three", "two"]
        assert bad[0]["messages"][0]["fieldPath"] == "body.page"
        assert client.post("/_collector/reset").json()["total"] == 0
        assert collector.summary()["total"] == 0
        assert collector.recent_bad() == []
        assert client.get("/_collector/good").json() == []
        # The visitor was forgotten too: its funnel starts again.
        assert collector.app.checker.funnel()["view"] == 0
    # The counts stay readable after stop, for a run's final summary.
    assert collector.summary()["total"] == 0


def test_binding_off_loopback_warns() -> None:
    assert host_warning("127.0.0.1") is None
    assert host_warning("::1") is None
    assert host_warning("localhost") is None
    warning = host_warning("0.0.0.0")
    assert warning is not None and "other machines" in warning and "\n" not in warning


def test_the_store_flushes_its_queue_on_close(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    store = EventStore(str(db))
    store.start()
    for i in range(1000):
        store.add((float(i), "view", True, 200, "POST", f"/p/{i}", "v", [], [], None))
    store.close()  # at once: the writer's 50 ms tick has not come round
    store.close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 1000


def test_memory_keeps_the_latest_requests_and_counts_them_all(tmp_path: Path) -> None:
    """A long run against the in-memory store stays within its budget; a file keeps all."""
    budget = 200_000
    memory = EventStore(memory_budget=budget)
    on_disk = EventStore(str(tmp_path / "all.sqlite"), memory_budget=budget)
    body = '{"page": "' + "x" * 1000 + '"}'
    try:
        for batch in range(10):  # several flushes, as a running collector makes
            for i in range(batch * 60, (batch + 1) * 60):
                row = (float(i), "view", i % 7 != 0, 200, "POST", f"/p/{i}", "v", [], [], body)
                memory.add(row)
                on_disk.add(row)
            memory.flush()
            on_disk.flush()
        summary = memory.summary()
        assert summary["total"] == 600 and summary["bad"] == 86  # every request counted
        assert summary["memory_budget"] == budget
        assert summary["stored_bytes"] <= budget
        kept = memory.query(limit=1000)
        assert len(kept) == summary["stored"]
        assert 100 <= len(kept) < 200  # about budget / 1.1 KB, never more
        first = 600 - len(kept)
        assert [r["path"] for r in kept] == [f"/p/{i}" for i in range(599, first - 1, -1)]
        assert len(memory.query(good=False, limit=1000)) == sum(
            1 for i in range(first, 600) if i % 7 == 0
        )
        assert on_disk.summary()["memory_budget"] is None
        assert len(on_disk.query(limit=1000)) == on_disk.summary()["stored"] == 600
    finally:
        memory.close()
        on_disk.close()


def test_the_page_says_when_older_requests_were_let_go() -> None:
    from simulator_app.collector.page import render_page

    def page(total: int, stored: int, budget: int | None) -> str:
        summary = {"total": total, "good": total, "bad": 0, "by_type": {}, "bad_by_type": {}}
        return render_page(
            {**summary, "stored": stored, "memory_budget": budget}, {}, 0, [], [], {}
        )

    mib = 1024 * 1024
    assert "the latest 200,000 requests, in at most 256 MiB" in page(250_000, 200_000, 256 * mib)
    assert "--db FILE" in page(250_000, 200_000, 256 * mib)
    assert "the latest" not in page(150_000, 150_000, 256 * mib)
    assert "the latest" not in page(250_000, 250_000, None)
