"""The collector's store when the disk is full, and when --db is not the collector's file.

A request is answered 2xx only once its row is in the database: on a real
full disk (a small tmpfs) every 2xx answer has its row, the others are 503,
counted in ``/_collector/all``, said at exit, and the exit status is 1.
A file that is not the collector's own is left byte for byte as it was.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from simulator_app.collector import CollectorStartError, EmbeddedCollector
from simulator_app.collector.store import APPLICATION_ID, EventStore, StoreError
from tests.full_disk import fill, small_disk

ORG = "34a3f9a2-5057-431b-bd3f-aa9fdf9ff733"
NITRO = "7d1f0c1e-2b7a-4d8e-9f00-5a1b2c3d4e5f"


def view_path(i: int) -> str:
    roaming = f"biscuit_5e0c6a52-63a4-4e0a-9bb8-{i:012d}"
    page = "https%3A%2F%2Fshop.example.com%2F" + "p" * 200
    return f"/jsv1/{ORG}/{roaming}/{NITRO}/null/event/view?page={page}&_={i}"


def send_views(url: str, count: int, post_every: int = 3) -> Counter[int]:
    """``count`` view events on one kept-alive connection (some POSTed: the other way in)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    statuses: Counter[int] = Counter()
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        for i in range(count):
            if i % post_every == 0:
                path = view_path(i).split("?")[0]
                body = json.dumps({"page": "https://shop.example.com/" + "p" * 200})
                headers = {"Content-Type": "application/json"}
                connection.request("POST", path, body, headers)
            else:
                connection.request("GET", view_path(i))
            answer = connection.getresponse()
            answer.read()
            statuses[answer.status] += 1
    finally:
        connection.close()
    return statuses


def rows_in(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as reader:
        return int(reader.execute("SELECT count(*) FROM events").fetchone()[0])


def start_cli_collector(db: Path, tmp_path: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator_app", "collector", "--port", "0", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if "listening on" not in line:
        process.kill()
        _, err = process.communicate(timeout=10)
        pytest.fail(f"the collector did not start: {line!r} {err!r}")
    return process, line.split("listening on ")[1].split()[0]


@pytest.mark.parametrize("free_kib", [0, 24, 96])
def test_on_a_full_disk_no_request_is_answered_2xx_without_its_row(
    tmp_path: Path, free_kib: int
) -> None:
    with small_disk(tmp_path / "disk", 512) as disk:
        db = disk / "events.sqlite"
        process, url = start_cli_collector(db, tmp_path)
        try:
            fill(disk, leave=free_kib * 1024)
            statuses = send_views(url, 600)
            host, port = url.removeprefix("http://").rsplit(":", 1)
            inspection = http.client.HTTPConnection(host, int(port), timeout=10)
            inspection.request("GET", "/_collector/all")
            shown = json.loads(inspection.getresponse().read())
            inspection.close()
        finally:
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=30)
        stored = rows_in(db)
    assert statuses[503] > 0, statuses  # the disk did fill
    assert set(statuses) <= {200, 503}, statuses
    assert statuses[200] <= stored, (statuses, stored, err)  # never a 2xx without its row
    assert statuses[200] == stored, (statuses, stored)  # and nothing else was stored
    assert shown["refused_unstorable"] == statuses[503]
    assert shown["store_failing"] is True and shown["write_error"]
    assert process.returncode == 1, (out, err)
    assert "Traceback" not in err
    error_lines = [line for line in err.splitlines() if line.startswith("nitrox-sim collector:")]
    assert len(error_lines) == 1, err
    assert f"{statuses[503]} requests were answered 503 and not stored" in error_lines[0]
    assert f"{stored} stored in {db}" in out


def test_once_the_disk_has_room_again_requests_are_stored_and_answered_2xx(
    tmp_path: Path,
) -> None:
    with small_disk(tmp_path / "disk", 8192) as disk:  # room for a write per request
        db = disk / "events.sqlite"
        with EmbeddedCollector(db=str(db)) as collector:
            fill(disk)
            first = send_views(collector.url, 100)
            (disk / "filler").unlink()
            time.sleep(1.1)  # the store refuses unjudged for a second after a failure
            second = send_views(collector.url, 100)
            summary = collector.summary()
            lines = collector.unstored_lines()
        stored = rows_in(db)
    assert first[503] > 0 and second == Counter({200: 100}), (first, second)
    assert stored == first[200] + second[200]
    assert summary["refused_unstorable"] == first[503]
    assert summary["store_failing"] is False
    assert lines and f"{first[503]} requests were answered 503" in lines[0]


class FullStore(EventStore):
    """The run's embedded collector keeps rows in memory: this one may not grow past its
    pages, and SQLite then fails as on a full disk ("database or disk is full")."""

    def __init__(self, path: str = ":memory:", memory_budget: int = 2**28) -> None:
        super().__init__(path, memory_budget)
        pages = self._db.execute("PRAGMA page_count").fetchone()[0]
        self._db.execute(f"PRAGMA max_page_count = {pages}")


def test_a_run_whose_embedded_collector_cannot_store_keeps_its_summary_and_exits_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from simulator_app.cli import main
    from simulator_app.collector import embedded

    monkeypatch.setattr(embedded, "EventStore", FullStore)
    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "buyer.yaml"
    code = main(["run", str(scenario), "--visitors", "20", "--think-scale", "0"])
    captured = capsys.readouterr()
    assert code == 1
    assert "run finished" in captured.out  # the summary is kept
    assert "throttled" not in captured.out  # a store that cannot write is no throttling
    assert "Traceback" not in captured.err
    lines = [line for line in captured.err.splitlines() if "embedded collector:" in line]
    assert len(lines) == 1 and "answered 503 and not stored" in lines[0], captured.err


def foreign_files(tmp_path: Path) -> dict[str, Path]:
    """Files --db must not open: SQLite files of other programs, and files that are not SQLite."""
    files: dict[str, Path] = {}
    other = tmp_path / "other.sqlite"  # another program's table called events
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, what TEXT, at REAL)")
        db.execute("INSERT INTO events (what, at) VALUES ('meeting', 1.0)")
    files["another events table"] = other
    marked = tmp_path / "marked.sqlite"  # a program that marks its files
    with sqlite3.connect(marked) as db:
        db.execute("PRAGMA application_id = 1179603537")
        db.execute("CREATE TABLE notes (body TEXT)")
    files["another application_id"] = marked
    lookalike = tmp_path / "lookalike.sqlite"  # the collector's columns, and one table more
    with sqlite3.connect(lookalike) as db:
        db.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, time REAL, type TEXT, good INTEGER,"
            " status INTEGER, method TEXT, path TEXT, visitor TEXT, messages TEXT, body TEXT)"
        )
        db.execute("CREATE TABLE users (name TEXT)")
    files["a lookalike with more tables"] = lookalike
    versioned = tmp_path / "versioned.sqlite"
    with sqlite3.connect(versioned) as db:
        db.execute("PRAGMA user_version = 7")
        db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY)")
    files["another user_version"] = versioned
    wal = tmp_path / "wal.sqlite"  # in WAL mode already, and holding a table of its own
    db = sqlite3.connect(wal)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    files["another program's WAL file"] = wal
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 20, "utf-8")
    files["a text file"] = text
    short = tmp_path / "short.bin"
    short.write_bytes(b"SQLite format 3\x00")
    files["a cut SQLite header"] = short
    return files


def snapshot(path: Path) -> tuple[bytes, int, list[str]]:
    return path.read_bytes(), path.stat().st_mtime_ns, sorted(os.listdir(path.parent))


def test_another_programs_file_is_left_untouched_by_the_cli(tmp_path: Path) -> None:
    for what, path in foreign_files(tmp_path).items():
        before = snapshot(path)
        time.sleep(0.01)
        done = subprocess.run(
            [sys.executable, "-m", "simulator_app", "collector", "--port", "0", "--db", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2, (what, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1, done.stderr
        assert "left untouched" in done.stderr and str(path) in done.stderr, done.stderr
        assert snapshot(path) == before, what  # same bytes, same mtime, no -wal, no -shm


def test_another_programs_file_is_refused_by_the_embedded_collector(tmp_path: Path) -> None:
    for what, path in foreign_files(tmp_path).items():
        before = snapshot(path)
        with pytest.raises(CollectorStartError, match="left untouched"):
            EmbeddedCollector(db=str(path)).start()
        with pytest.raises(StoreError, match="left untouched"):
            EventStore(str(path))
        assert snapshot(path) == before, what


def test_the_collector_marks_its_own_files_and_opens_them_again(tmp_path: Path) -> None:
    db = tmp_path / "mine.sqlite"
    with EmbeddedCollector(db=str(db)) as collector:
        assert send_views(collector.url, 5) == Counter({200: 5})
    with sqlite3.connect(db) as reader:
        assert reader.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert reader.execute("PRAGMA user_version").fetchone()[0] >= 1
    with EmbeddedCollector(db=str(db)) as again:
        assert send_views(again.url, 3) == Counter({200: 3})
        assert again.summary()["total"] == 8


def test_a_database_of_an_earlier_collector_is_marked_and_kept(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    with sqlite3.connect(db) as old:  # as the collector made its files before the mark
        old.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, time REAL NOT NULL, type TEXT NOT NULL,"
            " good INTEGER NOT NULL, status INTEGER NOT NULL, method TEXT NOT NULL,"
            " path TEXT NOT NULL, visitor TEXT, messages TEXT NOT NULL, body TEXT)"
        )
        old.execute(
            "INSERT INTO events (time, type, good, status, method, path, visitor, messages)"
            " VALUES (1.0, 'view', 1, 200, 'GET', '/jsv1/x', 'v', '[]')"
        )
    store = EventStore(str(db))
    assert store.summary()["total"] == 1
    store.close()
    with sqlite3.connect(db) as reader:
        assert reader.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


@pytest.mark.parametrize("kind", ["fifo", "folder", "device", "dangling link"])
def test_a_db_that_is_not_a_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "db"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "device":
        path.symlink_to("/dev/null")
    else:
        path.symlink_to(tmp_path / "missing" / "x.sqlite")
    with pytest.raises(StoreError) as caught:
        EventStore(str(path))
    assert "\n" not in str(caught.value) and str(path) in str(caught.value)
    assert os.path.lexists(path)


def pipelined(url: str, paths: list[str]) -> list[int]:
    """Every path sent at once on one connection (pipelined); the statuses, in order."""
    import socket

    host, port = url.removeprefix("http://").rsplit(":", 1)
    requests = [f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode() for p in paths]
    requests[-1] = requests[-1].replace(b"Host:", b"Connection: close\r\nHost:")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"".join(requests))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return [int(status) for status in re.findall(rb"HTTP/1\.1 (\d{3}) ", data)]


@pytest.mark.parametrize("immediate", [True, False], ids=["wire", "asgi"])
@pytest.mark.parametrize("where", ["file", "memory"])
def test_both_ways_in_answer_503_once_the_store_cannot_write(
    tmp_path: Path, immediate: bool, where: str
) -> None:
    db = str(tmp_path / "events.sqlite") if where == "file" else ":memory:"
    with EmbeddedCollector(db=db, immediate=immediate) as collector:
        store = collector.app.store
        assert send_views(collector.url, 6) == Counter({200: 6})
        with store._lock:  # the database may not grow: SQLite fails as on a full disk
            pages = store._db.execute("PRAGMA page_count").fetchone()[0]
            store._db.execute(f"PRAGMA max_page_count = {pages}")
        statuses = send_views(collector.url, 300) + Counter(
            pipelined(collector.url, [view_path(i) for i in range(50)])
        )
        summary = collector.summary()
        kept = store.stored_rows
    assert statuses[503] > 0 and set(statuses) <= {200, 503}, statuses
    assert 6 + statuses[200] == kept, (statuses, kept)  # every 2xx has its row, no more
    assert summary["refused_unstorable"] == statuses[503], (statuses, summary)
    assert summary["total"] == kept  # requests not stored are not counted as filed
