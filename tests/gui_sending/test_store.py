"""The log's compact store: bounded, filterable, and able to rebuild older rows."""

from __future__ import annotations

import dataclasses

from simulator_app.core.model import Scenario
from simulator_app.gui.sending.columns import LogFilter
from simulator_app.gui.sending.store import CHUNK_ROWS, LogStore, path_of, split_url
from tests.gui_sending.conftest import make_records


def test_split_url_drops_only_the_cache_buster() -> None:
    assert split_url("http://h/jsv1/a/event/view?_=123") == ("http://h/jsv1/a/event/", "view", 123)
    assert split_url("http://h/e/view?page=x&_=5") == ("http://h/e/", "view?page=x", 5)
    # not the tracker's (last in the query): kept in place, so the URL stays exact
    assert split_url("http://h/e/view?_=5&page=x") == ("http://h/e/", "view?_=5&page=x", None)
    assert split_url("http://h/e/view") == ("http://h/e/", "view", None)
    assert path_of("http://h:1/a/b?c=d") == "/a/b?c=d"


def test_rows_read_back_as_sent(buyer: Scenario) -> None:
    records = make_records(buyer, range(5), fail_every=7)
    store = LogStore(capacity=1000)
    store.begin_run(buyer)
    store.append(records)
    assert len(store) == len(records)
    for row_id, record in zip(store.ids(), records, strict=True):
        row = store.row(row_id)
        assert (row.visitor, row.step, row.method) == (record.visitor, record.step, record.method)
        assert row.status == record.status
        assert row.failed == (not record.ok)
        assert record.url.endswith(row.path + f"?_={round(record.time * 1000)}")
        assert abs(row.latency_ms - record.latency_ms) < 1e-3
        assert store.entry(row_id).record is record


def test_capacity_trims_the_oldest_rows_across_chunks(buyer: Scenario) -> None:
    records = make_records(buyer, range(40))
    store = LogStore(capacity=CHUNK_ROWS + 500, recent=100, failed_cap=10)
    appended = 0
    while appended < 2 * CHUNK_ROWS + 1234:
        batch = records[: min(len(records), 2 * CHUNK_ROWS + 1234 - appended)]
        store.trim(store.overflow(len(batch)))
        store.append(batch)
        appended += len(batch)
    assert len(store) == store.capacity
    assert store.end == appended
    assert store.first == appended - store.capacity
    # The oldest held row and the newest are the right records.
    assert store.row(store.first).visitor == records[store.first % len(records)].visitor
    assert store.row(store.end - 1).step == records[(appended - 1) % len(records)].step
    assert len(store._chunks) <= 3  # whole chunks of trimmed rows are gone


def test_filters_by_step_result_visitor_and_text(buyer: Scenario) -> None:
    records = make_records(buyer, range(30), fail_every=5)
    store = LogStore()
    store.append(records)

    def ids(flt: LogFilter) -> list[int]:
        return store.match(flt, store.first, store.end)

    def expected(keep: object) -> list[int]:
        return [i for i, r in enumerate(records) if keep(r)]  # type: ignore[operator]

    assert ids(LogFilter(steps=frozenset({"identify"}))) == expected(lambda r: r.step == "identify")
    assert ids(LogFilter(result="failed")) == expected(lambda r: not r.ok)
    assert ids(LogFilter(result="ok")) == expected(lambda r: r.ok)
    assert ids(LogFilter(visitor=7)) == expected(lambda r: r.visitor == 7)
    nitro = records[0].request_headers[-2][1]  # X-Nitro-Id of visitor 0
    assert ids(LogFilter(text=nitro.upper())) == expected(lambda r: nitro in r.url)
    # (a bare "500" may also be in a cache-buster or an ID: search the error text)
    assert ids(LogFilter(text="http 500")) == expected(lambda r: r.status == 500)
    both = LogFilter(steps=frozenset({"checkout"}), result="failed", visitor=None)
    assert ids(both) == expected(lambda r: r.step == "checkout" and not r.ok)
    assert ids(LogFilter(text="no such thing")) == []


def test_older_rows_are_rebuilt_from_the_scenario(buyer: Scenario) -> None:
    scenario = dataclasses.replace(buyer)
    records = make_records(scenario, range(20))
    store = LogStore(recent=10, failed_cap=0)
    store.begin_run(scenario)
    store.append(records)
    old = store.entry(3)
    assert not old.complete
    assert "rebuilt" in old.note
    original = records[3]
    assert old.record.request_body == original.request_body
    assert old.record.request_headers == original.request_headers
    assert old.record.url == original.url
    assert old.record.response_body == ""
    assert store.entry(store.end - 1).complete


def test_failed_rows_keep_their_full_record(buyer: Scenario) -> None:
    records = make_records(buyer, range(10), fail_every=4)
    store = LogStore(recent=2, failed_cap=100)
    store.append(records)
    failed = next(i for i, r in enumerate(records) if not r.ok)
    entry = store.entry(failed)
    assert entry.complete
    assert entry.record.response_body == "boom"


def test_clearing_mid_run_keeps_later_rows_rebuildable(buyer: Scenario) -> None:
    records = make_records(buyer, range(4))
    half = len(records) // 2
    store = LogStore(recent=1, failed_cap=0)
    store.begin_run(buyer)
    store.append(records[:half])
    store.clear()
    assert len(store) == 0 and store.first == store.end == 0
    store.append(records[half:])
    rebuilt = store.entry(0)  # the first row after the clear, mid-journey of its visitor
    assert not rebuilt.complete
    assert rebuilt.record.request_body == records[half].request_body
    assert rebuilt.record.url == records[half].url


def test_rebuilt_rows_keep_the_sent_url_and_the_verdict(buyer: Scenario) -> None:
    # The sender stamps the cache-buster a little after the row's time: keep the sent one.
    records = [
        dataclasses.replace(
            r,
            url=r.url.rsplit("_=", 1)[0] + f"_={round(r.time * 1000) + 37 + n}",
            verdict="bad" if n % 3 == 0 else "good",
            verdict_messages=({"fieldPath": "items", "description": "empty cart", "code": "x"},)
            if n % 3 == 0
            else (),
        )
        for n, r in enumerate(make_records(buyer, range(6)))
    ]
    store = LogStore(capacity=1000, recent=0, failed_cap=0)  # every row rebuilt
    store.begin_run(buyer)
    store.append(records)
    for row_id, sent in zip(store.ids(), records, strict=True):
        entry = store.entry(row_id)
        assert not entry.complete
        assert entry.record.url == sent.url
        assert entry.record.request_body == sent.request_body
        assert entry.record.verdict == sent.verdict
        assert store.contract_failed(row_id) == (sent.verdict == "bad")
        if sent.verdict == "bad":
            assert store.row(row_id).verdict_message == "x · items: empty cart"  # code first
    bad = store.match(LogFilter(result="contract"), store.first, store.end)
    assert len(bad) == sum(r.verdict == "bad" for r in records) > 0
    assert store.match(LogFilter(result="failed"), store.first, store.end) == []
    assert store.match(LogFilter(result="unjudged"), store.first, store.end) == []
    assert store.match(LogFilter(text="empty cart"), store.first, store.end) == bad
