"""``GET /_collector/good?limit=...`` never stalls the tracking endpoints (it is queried
off the event loop), is bounded (a maximum limit) and pages with a ``before=<id>``
cursor named in a ``Link`` header; a large page is streamed."""

from __future__ import annotations

import re
import threading
from typing import Any

import httpx
import pytest

from simulator_app.collector import EmbeddedCollector
from simulator_app.collector.inspection import CHUNK, MAX_LIMIT

from .conftest import URL, event, new_ids, send


def fill(client: httpx.Client, n: int, visitor_ids: Any = None) -> None:
    ids = visitor_ids or new_ids()
    for i in range(n):
        assert send(client, event(ids, "view", {"page": f"{URL}/{i}"})).status_code == 200


def test_pages_follow_the_link_until_every_request_is_read() -> None:
    with EmbeddedCollector() as collector, httpx.Client(base_url=collector.url) as client:
        fill(client, 250)
        send(client, event(new_ids(), "view", {"page": "bad"}))
        seen: list[int] = []
        url: str | None = "/_collector/good?limit=60"
        pages = 0
        while url:
            answer = client.get(url)
            assert answer.status_code == 200
            seen += [row["id"] for row in answer.json()]
            found = re.match(r'<([^>]+)>; rel="next"', answer.headers.get("link", ""))
            url = found.group(1) if found else None
            pages += 1
        assert pages == 5
        assert len(seen) == len(set(seen)) == 250
        assert seen == sorted(seen, reverse=True)  # newest first, across pages
        page = client.get(f"/_collector/good?limit=10&before={seen[100]}").json()
        assert [r["id"] for r in page] == seen[101:111]
        assert client.get("/_collector/bad?before=1").json() == []


def test_a_large_page_is_streamed_and_equals_the_small_pages() -> None:
    with EmbeddedCollector() as collector, httpx.Client(base_url=collector.url) as client:
        fill(client, CHUNK * 2 + 17)
        whole = client.get(f"/_collector/good?limit={CHUNK * 3}")
        assert whole.headers.get("transfer-encoding") == "chunked"
        assert "link" not in whole.headers
        rows = whole.json()
        assert len(rows) == CHUNK * 2 + 17
        small = client.get("/_collector/good?limit=50").json()
        assert rows[:50] == small


@pytest.mark.parametrize(
    ("query", "error"),
    [
        (f"limit={MAX_LIMIT + 1}", f"from 1 to {MAX_LIMIT}"),
        ("limit=" + "9" * 5000, f"from 1 to {MAX_LIMIT}"),
        ("limit=00000000199999", f"from 1 to {MAX_LIMIT}"),
        ("limit=-1", "from 1 to"),
        ("limit=%C2%B2", "from 1 to"),  # a superscript two: a digit to str.isdigit
        ("before=abc", "must be the id of a stored request"),
        ("before=" + "9" * 40, "must be the id of a stored request"),
        ("visitor=%FF", "not UTF-8"),
    ],
)
def test_bad_paging_is_a_400_in_one_line(client: httpx.Client, query: str, error: str) -> None:
    answer = client.get(f"/_collector/good?{query}")
    assert answer.status_code == 400
    assert error in answer.json()["error"]


def test_a_slow_query_does_not_stall_tracking(monkeypatch: pytest.MonkeyPatch) -> None:
    """The query is held in its thread; a tracking request is answered meanwhile."""
    with (
        EmbeddedCollector() as collector,
        httpx.Client(base_url=collector.url, timeout=10) as client,
    ):
        fill(client, 5)
        store = collector.app.store
        entered, release = threading.Event(), threading.Event()
        real = store.page_ids

        def held(*args: Any, **kwargs: Any) -> list[int]:
            entered.set()
            release.wait(60)
            return real(*args, **kwargs)

        monkeypatch.setattr(store, "page_ids", held)
        answers: list[httpx.Response] = []
        query = threading.Thread(
            target=lambda: answers.append(
                httpx.get(collector.url + "/_collector/good?limit=10000", timeout=10)
            )
        )
        query.start()
        try:
            assert entered.wait(60)
            # were the query on the event loop, this would wait for it (and time out)
            with httpx.Client(base_url=collector.url, timeout=30) as other:
                assert send(other, event(new_ids(), "view", {"page": f"{URL}/"})).status_code == 200
                assert other.get("/_collector/all").json()["total"] == 6
        finally:
            release.set()
            query.join(10)
        assert len(answers[0].json()) == 6
