"""``nitrox-sim import-har`` and ``nitrox-sim run --replay / --exact`` end to end.

Runs go to the embedded collector on 127.0.0.1; the round trip:
run -> HAR (the app's export, core.har) -> import -> run, twice over.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from simulator_app.core.catalog import resolve_catalog
from simulator_app.core.recording.har_reader import read_har_file
from simulator_app.core.recording.importer import import_recording
from simulator_app.core.scenario_file import load_scenario
from tests.conftest import SCENARIOS
from tests.har.helpers import CHROME, FIREFOX, export_har, records_of, run_cli, step_sequences

pytestmark = pytest.mark.slow


def _collector_line(out: str) -> str:
    found = re.search(r"^(?:embedded )?collector(?: at \S+)?: .*$", out, re.M)
    assert found, out
    return found.group(0)


def test_import_har_prints_a_summary_and_writes_a_valid_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "chrome.yaml"
    code, out, err = run_cli(capsys, "import-har", str(CHROME), "-o", str(out_file))
    assert code == 0, err
    assert out.splitlines()[0] == (
        "chrome.har: 1 visitor, 8 tracker requests of 15; 2 products, 1 category, 1 page"
    )
    assert "journey 1: view -> categoryview -> productview x2 -> updatecart -> checkout -> " \
        "identify -> buy" in out  # fmt: skip
    assert "collector: 8 good, 0 warned, 0 bad" in out
    assert f"written to {out_file}" in out
    assert "products with no title in the recording" in err
    assert load_scenario(out_file).journeys[0].name == "visitor 1"
    code, out, _ = run_cli(capsys, "validate", str(out_file))
    assert code == 0


def test_unreadable_entries_and_files_are_single_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(capsys, "import-har", str(FIREFOX))
    assert code == 0
    assert (
        f"{FIREFOX}: entry 11: event/updatecart: no body recorded (postData.text is absent)" in err
    )
    not_har = tmp_path / "page.har"
    not_har.write_text("<html></html>")
    code, out, err = run_cli(capsys, "import-har", str(not_har))
    assert code == 2 and out == ""
    assert err == (
        f"nitrox-sim import-har: error: {not_har}: not a HAR file: not JSON "
        "(Expecting value at line 1, column 1)\n"
    )
    empty = tmp_path / "empty.har"
    empty.write_text('{"log": {"entries": []}}')
    code, _, err = run_cli(capsys, "import-har", str(empty))
    assert code == 2 and "no Nitrox tracker request among its 0 entries" in err
    assert "Traceback" not in err


def test_a_broken_recording_reports_the_collectors_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(FIREFOX.read_text())
    for entry in document["log"]["entries"]:
        post = entry["request"].get("postData")
        if post and '"order_id":"7001"' in post["text"]:
            post["text"] = post["text"].replace('"price":73.98', '"price":7.98')
    broken = tmp_path / "broken.har"
    broken.write_text(json.dumps(document))
    code, out, _ = run_cli(capsys, "import-har", str(broken))
    assert code == 1
    assert "collector: 12 good, 0 warned, 1 bad" in out
    assert re.search(r"^  entry 18: event/buy: bad: body\.items.*\(\w+\)$", out, re.M), out


def _run(capsys: pytest.CaptureFixture[str], log: Path, *args: str) -> str:
    code, out, err = run_cli(
        capsys, "run", *args, "--think-scale", "0", "--concurrency", "1", "--log", str(log)
    )
    assert code == 0, err
    collector = _collector_line(out)
    assert collector.endswith(" 0 bad"), collector
    return err


@pytest.mark.parametrize("scenario", ["buyer.yaml", "demo_mix.yaml"])
def test_round_trip_reproduces_the_journeys_and_the_catalog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], scenario: str
) -> None:
    source = SCENARIOS / scenario
    _run(capsys, tmp_path / "1.jsonl", str(source), "--visitors", "6", "--duration", "0")
    export_har(tmp_path / "1.jsonl", tmp_path / "1.har")
    code, _, err = run_cli(
        capsys, "import-har", str(tmp_path / "1.har"), "-o", str(tmp_path / "a.yaml")
    )
    assert code == 0, err
    first = load_scenario(tmp_path / "a.yaml")

    _run(capsys, tmp_path / "2.jsonl", str(tmp_path / "a.yaml"), "--exact")
    export_har(tmp_path / "2.jsonl", tmp_path / "2.har")
    second = import_recording(read_har_file(str(tmp_path / "2.har"))).scenario

    assert step_sequences(second) == step_sequences(first)
    assert second.store.catalog == first.store.catalog
    assert second.store.pages == first.store.pages
    assert second.tracker == first.tracker
    # and what the events carried agrees with the catalog the first run drew from
    original = {p.id: p for p in resolve_catalog(load_scenario(source).store).products}
    assert first.store.catalog is not None
    for category in first.store.catalog.categories:
        for product in category.products:  # what the file lists: None where no event said
            known = original[product.id]
            assert product.price_cents == known.price_cents
            for said, truth in (
                (product.url, known.url),
                (product.variant_id, known.variant_id),
                (product.image_url, known.image_url),
            ):
                assert said in (None, truth)
            assert product.title in (known.title, f"Product {product.id}")


def test_replay_sends_the_recorded_requests_with_fresh_visitors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _run(capsys, tmp_path / "a.jsonl", "--replay", str(FIREFOX), "--seed", "7")
    assert f"replaying {FIREFOX}: 2 visitors, 13 requests over 98.6 s" in err
    _run(capsys, tmp_path / "b.jsonl", "--replay", str(FIREFOX), "--seed", "7")
    _run(capsys, tmp_path / "c.jsonl", "--replay", str(FIREFOX))
    recorded = read_har_file(str(FIREFOX))
    sent = records_of(tmp_path / "a.jsonl")
    assert len(sent) == 13
    # bodies as recorded, in the recorded order of each visitor, under fresh IDs
    for visitor in recorded.visitors().values():
        ids = {r.nitro_id for r in visitor}
        assert not any(i in s.url for s in sent for i in ids)
    bodies = [r.body_text for r in recorded.requests if r.body_text is not None]
    assert sorted(s.request_body for s in sent if s.request_body) == sorted(bodies)
    paths = [re.sub(r"\?.*", "", s.url).split("/jsv1/")[1] for s in sent]
    nitro = {p.split("/")[3] if p.startswith("identify/") else p.split("/")[2] for p in paths}
    assert len(nitro) == 2  # one fresh ID per recorded visitor, kept for all its requests

    def ids_of(log: str) -> list[str]:
        return [r.url.split("/jsv1/")[1].split("?")[0] for r in records_of(tmp_path / log)]

    assert ids_of("a.jsonl") == ids_of("b.jsonl")  # the same seed: the same visitors
    assert set(ids_of("a.jsonl")).isdisjoint(ids_of("c.jsonl"))  # a fresh seed: new ones
    # the replay, recorded again, imports to the same journeys
    export_har(tmp_path / "a.jsonl", tmp_path / "a.har")
    again = import_recording(read_har_file(str(tmp_path / "a.har"))).scenario
    assert step_sequences(again) == step_sequences(import_recording(recorded).scenario)


def test_replay_options_that_do_not_fit(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "run", "--replay", str(CHROME), "--visitors", "3")
    assert code == 2 and "--visitors: a replay sends every recorded visitor once" in err
    code, _, err = run_cli(capsys, "run")
    assert code == 2 and "give a SCENARIO file, or --replay FILE.har" in err
    code, _, err = run_cli(capsys, "run", "--exact")
    assert code == 2 and "--exact: give the imported SCENARIO file" in err
