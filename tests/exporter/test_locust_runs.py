"""Exported locustfiles, thin and bundled, run by Locust itself in subprocesses.

Each run is bounded (``-t``, ``--stop-timeout``, a subprocess timeout) and
targets 127.0.0.1 only: the embedded collector, or a recording server where
the exact requests matter.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator_app.bench.bare_server import BareServer
from simulator_app.bench.processes import free_port
from simulator_app.collector import EmbeddedCollector
from simulator_app.core.model import Journey, Scenario
from simulator_app.core.scenario_file import load_scenario
from simulator_app.exporter.bundle import bundle_locustfile
from simulator_app.exporter.locustfile import ExportSettings, export_locustfile
from tests.exporter.locust_helpers import (
    LOCUST,
    by_visitor,
    collector_good,
    drawn_seed,
    load_seeded,
    locust,
    master_port,
    planned,
    recorded,
    recorded_headers,
    stats_of,
)
from tests.locust.without_modules import PROJECT_ONLY, command

pytestmark = [pytest.mark.slow, pytest.mark.timeout(400)]

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "demo_mix.yaml"
QUICK = ["--headless", "--stop-timeout", "2", "--json", "--only-summary", "--loglevel", "WARNING"]


FORMS = ["thin", "bundle"]


def export(
    tmp_path: Path,
    scenario: Scenario,
    name: str = "exported.py",
    form: str = "thin",
    think_scale: float = 1.0,
) -> Path:
    path = tmp_path / name
    write = bundle_locustfile if form == "bundle" else export_locustfile
    path.write_text(write(scenario, ExportSettings(think_scale=think_scale)), encoding="utf-8")
    return path


@pytest.fixture
def collector() -> Iterator[EmbeddedCollector]:
    with EmbeddedCollector(host="127.0.0.1", port=0) as running:
        yield running


@pytest.fixture
def recorder(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The bare server on a free port, recording every request to a file."""
    record = tmp_path / "received.jsonl"
    with BareServer(record=record) as server:
        yield server.url, record


def test_locust_sends_what_nitrox_sim_run_sends(tmp_path: Path) -> None:
    """Parity: same scenario, seed and visitors 0..N-1 give the collector the same requests."""
    visitors = 30
    scenario = load_seeded(DEMO)
    with EmbeddedCollector() as by_run:
        done = subprocess.run(
            [
                *(sys.executable, "-m", "simulator_app", "run", str(DEMO), "--target", by_run.url),
                *("--visitors", str(visitors), "--duration", "0", "--think-scale", "0"),
                *("--seed", str(scenario.seed)),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        from_run = collector_good(by_run.url)
        assert by_run.summary()["bad"] == 0
    file = export(tmp_path, scenario)
    with EmbeddedCollector() as by_locust:
        done = locust(
            [
                *("-f", str(file), "AllJourneys", *QUICK, "--host", by_locust.url, "-u", "1"),
                *("-r", "1", "-t", "30s", "--visitors", str(visitors), "--think-scale", "0"),
                *("--max-fail-ratio", "0", "--max-p95-ms", "5000"),
            ],
            tmp_path,
        )
        assert done.returncode == 0, done.stderr
        from_locust = collector_good(by_locust.url)
        summary = by_locust.summary()
    assert summary["bad"] == 0
    assert stats_of(done) == {"requests": summary["total"], "failures": 0}
    assert sorted(from_locust, key=repr) == sorted(from_run, key=repr)
    plans = planned(scenario, range(visitors))
    # one user runs the visitors one after another, each exactly as planned
    assert from_locust == [r for i in range(visitors) for r in plans[i]]


TEAM_CLASS = '\n\nclass TeamJourneys(AllJourneys):\n    default_headers = {"X-Team": "qa"}\n'
ORG = "0b6c1d56-3f43-4c5e-9a55-2f1f2a0f6a11"


def test_both_forms_send_hostile_text_to_a_host_path_byte_for_byte(tmp_path: Path) -> None:
    """Thin file and bundle (the bundle with this project unimportable, as on a worker that
    has only locust and Faker), each on a ``--host`` with a path outside ASCII and
    credentials, a class with ``default_headers``, and ``--seed``/``--org-id`` given:

    - what reaches the server is the plan, byte for byte (quotes, backslashes, Devanagari,
      Japanese and Arabic names, GET views, full carts), in order, with the path prefixed
      once and percent-encoded (``/ł a/`` -> ``/%C5%82%20a/jsv1/...``);
    - the seed and org ID of the command line are the ones sent (not the file's);
    - what FastHttpSession adds to a request, NitroxUser adds: ``default_headers`` and
      ``user:password@`` as Basic authorization, never in Host;
    - both forms send the same stream, and Locust counts every request.
    """
    base = load_seeded(ROOT / "scenarios" / "buyer.yaml")
    scenario = dataclasses.replace(
        base,
        name="He said \"hi\"\n'''",
        identities=dataclasses.replace(base.identities, locales=("hi_IN", "ja_JP", "ar_SA")),
        tracker=dataclasses.replace(base.tracker, view_method="GET", full_cart=True),
        journeys=tuple(
            Journey(name="मराठी \\ '''", weight=j.weight, steps=j.steps) for j in base.journeys
        ),
    )
    visitors = 4
    changed = dataclasses.replace(
        scenario, ids=dataclasses.replace(scenario.ids, org_id=ORG), seed=99
    )
    plans = planned(changed, range(visitors))
    expected = [r for i in range(visitors) for r in plans[i]]
    assert expected != [r for i in range(visitors) for r in planned(scenario, range(visitors))[i]]
    streams = {}
    for form in FORMS:
        file = export(tmp_path, scenario, name=f"{form}.py", form=form, think_scale=0.0)
        file.write_text(file.read_text(encoding="utf-8") + TEAM_CLASS, encoding="utf-8")
        record = tmp_path / f"{form}.jsonl"
        with BareServer(record=record) as server:
            host = server.url.replace("http://", "http://user:secret@") + "/ł a/"
            args = [
                *("-f", str(file), "TeamJourneys", *QUICK, "--host", host, "-u", "1", "-r", "1"),
                *("-t", "30s", "--visitors", str(visitors), "--seed", "99", "--org-id", ORG),
            ]
            if form == "bundle":
                done = subprocess.run(
                    command(PROJECT_ONLY, "locust", *args),
                    cwd=tmp_path,
                    capture_output=True,
                    text=True,
                    timeout=120,
                    check=False,
                )
            else:
                done = locust(args, tmp_path, timeout=120)
        assert "Traceback" not in done.stderr
        got = recorded(record)
        assert got and all(path.startswith("/%C5%82%20a/jsv1/") for _, path, _ in got), form
        streams[form] = [(m, path.removeprefix("/%C5%82%20a"), body) for m, path, body in got]
        assert streams[form] == expected, form
        # The recording server answers identify with its nitro_id only on an unprefixed path
        # (/jsv1/identify/...): here it answers 'ok', which the runtime judges a failure.
        identifies = sum("/identify/" in path for _, path, _ in expected)
        assert identifies and stats_of(done) == {"requests": len(expected), "failures": identifies}
        assert done.stderr.count("identify answered 'ok', expected the nitro_id") == identifies
        for sent in recorded_headers(record):
            assert sent["x-team"] == "qa"
            assert sent["authorization"] == "Basic dXNlcjpzZWNyZXQ="  # user:secret
            assert "user" not in sent.get("host", "")
    assert streams["bundle"] == streams["thin"]


def test_journey_classes_share_visitors_and_each_test_draws_its_own_seed(
    tmp_path: Path, collector: EmbeddedCollector
) -> None:
    """A file whose scenario pins no seed: each test draws one, logs how to replay it, and
    sends that seed's visitors. In the first test ten users of the journey classes share
    the visitors: every visitor of a journey that had users ran once and whole. The second
    test's visitors are new: no order or cart of one test met the other's."""
    scenario = load_scenario(DEMO)
    assert scenario.seed is None
    file = export(tmp_path, scenario, think_scale=0.0)
    first = locust(
        [
            *("-f", str(file), *QUICK, "--host", collector.url, "-u", "10", "-r", "10"),
            *("-t", "30s", "--visitors", "60", "--loglevel", "INFO"),
        ],
        tmp_path,
        timeout=120,
    )
    assert first.returncode == 0, first.stderr
    seed = drawn_seed(first)
    plans = planned(scenario, range(60), seed=seed)
    index_of = {next(iter(by_visitor(p))): i for i, p in plans.items() if p}
    got = by_visitor(collector_good(collector.url))
    ran = {index_of[v] for v in got}
    for visitor, requests in got.items():
        assert requests == plans[index_of[visitor]], (
            f"visitor {index_of[visitor]} sent other requests"
        )
    from simulator_app.core.journey import JourneyEngine

    engine = JourneyEngine(scenario, seed=seed)
    journey = {i: engine.journey_for(engine.rng(i)).name for i in range(60)}
    served = {journey[i] for i in ran}
    assert ran == {i for i in range(60) if journey[i] in served and plans[i]}
    assert "browser" in served and len(served) >= 2
    assert collector.summary()["total"] == stats_of(first)["requests"]

    second = locust(
        [
            *("-f", str(file), "AllJourneys", *QUICK, "--host", collector.url, "-u", "1"),
            *("-r", "1", "-t", "30s", "--visitors", "3", "--loglevel", "INFO"),
        ],
        tmp_path,
        timeout=120,
    )
    assert second.returncode == 0, second.stderr
    assert drawn_seed(second) != seed
    again = planned(scenario, range(3), seed=drawn_seed(second))
    new = {v: r for v, r in by_visitor(collector_good(collector.url)).items() if v not in got}
    assert sorted(new.values(), key=repr) == sorted((p for p in again.values() if p), key=repr)
    assert collector.summary()["bad"] == 0


def test_a_bundle_runs_on_workers_with_only_locust_and_faker(
    tmp_path: Path, collector: EmbeddedCollector
) -> None:
    """Distributed: workers without this project fetch the bundle (-f -); nothing is lost.

    The scenario pins no seed: the master draws the test's and every worker sends the
    visitors of that one seed (were it each its own, no request would match a plan).
    """
    scenario = load_scenario(DEMO)
    assert scenario.seed is None
    file = export(tmp_path, scenario, form="bundle")
    visitors = 400
    port = master_port()  # see master_port: workers dial it before the master listens
    workers = [
        subprocess.Popen(
            command(
                PROJECT_ONLY,
                "locust",
                *("-f", "-", "--worker", "--master-host", "127.0.0.1"),
                *("--master-port", str(port), "--loglevel", "WARNING"),
            ),
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        try:
            done = locust(
                [
                    *("-f", str(file), "--master", "--expect-workers", "2"),
                    *("--master-bind-host", "127.0.0.1", "--master-bind-port", str(port), *QUICK),
                    *("--host", collector.url, "-u", "6", "-r", "6", "-t", "6s"),
                    *("--think-scale", "0.02", "--visitors", str(visitors), "--loglevel", "INFO"),
                ],
                tmp_path,
                timeout=180,
            )
        except subprocess.TimeoutExpired as exc:  # a worker that never came
            for worker in workers:
                worker.kill()
                worker.wait(60)
            said = [(w.returncode, w.stderr.read()[-2000:] if w.stderr else "") for w in workers]
            master = exc.stderr[-2000:] if exc.stderr else ""
            pytest.fail(f"the master timed out; workers (exit code, stderr): {said}; {master!r}")
        for worker in workers:
            worker.wait(timeout=120)
        errors = [w.stderr.read() if w.stderr else "" for w in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait(60)
            if worker.stderr:
                worker.stderr.close()
    assert done.returncode == 0, done.stderr
    assert all("Traceback" not in e for e in errors), errors
    stats = stats_of(done)
    summary = collector.summary()
    assert stats["requests"] > 50, (summary, done.stderr[-4000:], errors)
    assert stats == {"requests": summary["total"], "failures": 0}
    assert summary["bad"] == 0
    # no visitor twice: each visitor's requests are the start of its own plan, sent once
    plans = planned(scenario, range(visitors), seed=drawn_seed(done))
    index_of = {next(iter(by_visitor(p))): i for i, p in plans.items() if p}
    got = by_visitor(collector_good(collector.url))
    for visitor, requests in got.items():
        plan = plans[index_of[visitor]]
        assert requests == plan[: len(requests)], f"visitor {index_of[visitor]} repeated or changed"
    assert {index_of[v] % 2 for v in got} == {0, 1}, "both workers should have run visitors"


def test_failures_are_counted_with_their_cause_and_pass_within_the_ratio_given(
    tmp_path: Path,
) -> None:
    """A 5xx answer, a dropped connection and identify answered 'Payload Error' (with 200)
    are failures in plain words in Locust's stats, never a crash; with ``--max-fail-ratio``
    the run passes while the failures stay within it (Locust alone would exit 1)."""
    from simulator_app.collector import FaultSettings

    file = export(tmp_path, load_seeded(ROOT / "scenarios" / "buyer.yaml"), think_scale=0.0)
    faults = FaultSettings(error_rate=0.2, drop_rate=0.2, payload_error_rate=1.0, seed=1)
    with EmbeddedCollector(faults=faults) as collector:
        done = locust(
            [
                *("-f", str(file), "AllJourneys", *QUICK, "--host", collector.url),
                *("-u", "1", "-r", "1", "-t", "30s", "--visitors", "30"),
                *("--max-fail-ratio", "0.95", "--max-p95-ms", "5000"),
            ],
            tmp_path,
            timeout=120,
        )
    assert "Traceback" not in done.stderr
    stats = stats_of(done)
    assert 0 < stats["failures"] < stats["requests"]  # some failed, within the ratio
    assert done.returncode == 0, done.stderr
    entries = {e["name"]: e for e in json.loads(done.stdout)}
    assert entries["identify"]["num_failures"] == entries["identify"]["num_requests"] > 0
    # Locust's error report: "<count>   <METHOD> <name>: <error>" between two rules
    report = done.stderr.partition("Error report")[2].split("-|-")[1].splitlines()[1:-1]
    errors = {line.split(":", 1)[1].strip() for line in report if ":" in line}
    drops = ("connection closed without an answer", "connection reset by peer")
    assert all(e.startswith(("HTTP 5", "HTTP 200: Payload Error", *drops)) for e in errors), errors
    assert any(e.startswith("HTTP 5") for e in errors), errors
    assert any(e.startswith(drops) for e in errors), errors
    assert "HTTP 200: Payload Error" in errors, errors


def test_broken_thresholds_fail_the_run_and_say_why(tmp_path: Path) -> None:
    """Every request fails (nothing listens): above the ratio given, exit 1 and one line.

    The other decisions (p95, no request at all, failures without a ratio) are
    tests/locust/test_options.py::test_thresholds_pass_fail_and_decide_the_exit_code.
    """
    file = export(tmp_path, load_seeded(DEMO), think_scale=0.0)
    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens: every request fails
    done = locust(
        [
            *("-f", str(file), *QUICK, "--host", nobody, "-u", "1", "-r", "1", "-t", "3s"),
            *("--visitors", "3", "--max-fail-ratio", "0.5"),
        ],
        tmp_path,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "nitrox thresholds failed: failure ratio 1.0000 > 0.5" in done.stderr


def test_a_target_off_this_machine_stops_locust_before_any_request(tmp_path: Path) -> None:
    """Refused at start-up with one line, no traceback. Each setting's message is
    tests/locust/test_options.py::test_bad_values_are_one_line and ::test_only_this_machine..."""
    file = export(tmp_path, load_seeded(DEMO))
    done = locust(
        ["-f", str(file), "--headless", "-u", "1", "-t", "5s", "--host", "http://192.0.2.1:8080"],
        tmp_path,
        timeout=120,
    )
    assert done.returncode != 0
    assert "nitrox: " in done.stderr and "not this machine; pass --allow-remote" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_web_ui_cannot_start_a_test_off_this_machine(
    tmp_path: Path, recorder: tuple[str, Path]
) -> None:
    """The settings are checked again when a test starts: the web UI sets the host per test."""
    import time

    import httpx

    url, record = recorder
    port = url.rsplit(":", 1)[1]
    file = export(tmp_path, load_seeded(DEMO), think_scale=0.0)
    web = free_port()
    log = tmp_path / "locust.log"
    with log.open("w", encoding="utf-8") as out:
        ui = subprocess.Popen(
            [LOCUST, "-f", str(file), "--web-host", "127.0.0.1", "--web-port", str(web)],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90  # generous: a busy machine starts Locust slowly
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{web}/", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        # 0.0.0.0 is not this machine's loopback, though a connection to it lands here:
        # if the refusal broke, the recorder would see the requests, nothing else would.
        answer = httpx.post(
            f"http://127.0.0.1:{web}/swarm",
            data={"user_count": "1", "spawn_rate": "1", "host": f"http://0.0.0.0:{port}"},
            timeout=10,
        )
        assert answer.status_code == 403  # the web UI's door refuses it before Locust
        time.sleep(3)
    finally:
        ui.terminate()
        ui.wait(timeout=20)
    assert "not this machine; pass --allow-remote" in log.read_text(encoding="utf-8")
    assert recorded(record) == []
