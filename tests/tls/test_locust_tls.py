"""Exported files, thin and bundled, over HTTPS and through a proxy, master and workers too:
every request Locust counts reached the collector once, and failures have the sender's words."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator_app.collector import EmbeddedCollector, FaultSettings
from simulator_app.core.scenario_file import load_scenario
from tests.exporter.locust_helpers import locust, master_port, stats_of
from tests.exporter.test_locust_runs import DEMO, FORMS, QUICK, export
from tests.locust.without_modules import PROJECT_ONLY, command
from tests.tls.conftest import ProxyServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

WORKER_ONLY = (*PROJECT_ONLY, "truststore", "trustme")  # a worker with locust and Faker alone


@pytest.fixture
def fresh_https(tls_folder: Path) -> Iterator[EmbeddedCollector]:
    with EmbeddedCollector(tls=True, tls_folder=str(tls_folder)) as collector:
        yield collector


def ca_of(collector: EmbeddedCollector) -> str:
    assert collector.certificate is not None and collector.certificate.ca
    return collector.certificate.ca


@pytest.mark.parametrize("form", FORMS)
def test_an_exported_file_over_https_counts_exactly(
    tmp_path: Path, fresh_https: EmbeddedCollector, form: str
) -> None:
    file = export(tmp_path, load_scenario(DEMO), form=form)
    args = [
        *("-f", str(file), *QUICK, "--host", fresh_https.url, "-u", "3", "-r", "3", "-t", "20s"),
        *("--think-scale", "0", "--visitors", "30", "--ca-bundle", ca_of(fresh_https)),
    ]
    if form == "bundle":
        done = subprocess.run(
            command(WORKER_ONLY, "locust", *args),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
    else:
        done = locust(args, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = fresh_https.summary()
    assert stats_of(done) == {"requests": summary["total"], "failures": 0}
    assert summary["total"] > 30 and summary["bad"] == 0


def test_an_untrusted_certificate_is_named_in_locusts_failures(
    tmp_path: Path, fresh_https: EmbeddedCollector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    file = export(tmp_path, load_scenario(DEMO))
    done = locust(
        [
            *("-f", str(file), "--headless", "--stop-timeout", "2", "--host", fresh_https.url),
            *("-u", "1", "-r", "1", "-t", "3s", "--think-scale", "0", "--visitors", "2"),
        ],
        tmp_path,
    )
    assert "certificate not trusted (unknown issuer)" in done.stdout + done.stderr
    assert fresh_https.summary()["total"] == 0


def test_a_throttled_answer_has_its_own_name_in_locusts_stats(tmp_path: Path) -> None:
    file = export(tmp_path, load_scenario(DEMO))
    faults = FaultSettings(throttle_rate=0.3, retry_after=1.0, seed=1)
    with EmbeddedCollector(faults=faults) as collector:
        done = locust(
            [
                *("-f", str(file), "--headless", "--stop-timeout", "2", "--host", collector.url),
                *("-u", "1", "-r", "1", "-t", "5s", "--think-scale", "0", "--visitors", "5"),
            ],
            tmp_path,
        )
        throttled = collector.app.fault_counts["throttle"]
    out = done.stdout + done.stderr
    assert throttled > 0
    assert "throttled: the target answered 429, Retry-After 1; it asks to slow down" in out


def test_master_and_bundle_workers_over_https_through_a_proxy(
    tmp_path: Path, fresh_https: EmbeddedCollector, auth_proxy: ProxyServer
) -> None:
    file = export(tmp_path, load_scenario(DEMO), form="bundle")
    port = master_port()
    workers = [
        subprocess.Popen(
            command(
                WORKER_ONLY,
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
        done = locust(
            [
                *("-f", str(file), "--master", "--expect-workers", "2"),
                *("--master-bind-host", "127.0.0.1", "--master-bind-port", str(port), *QUICK),
                *("--host", fresh_https.url, "-u", "4", "-r", "4", "-t", "40s"),
                *("--think-scale", "0", "--visitors", "40", "--loglevel", "INFO"),
                *("--ca-bundle", ca_of(fresh_https), "--proxy", auth_proxy.url),
            ],
            tmp_path,
            timeout=120,
        )
        for worker in workers:
            worker.wait(timeout=30)
        errors = [w.stderr.read() if w.stderr else "" for w in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait(10)
            if worker.stderr:
                worker.stderr.close()
    assert done.returncode == 0, done.stderr[-3000:]
    assert all("Traceback" not in e for e in errors), errors
    summary = fresh_https.summary()
    stats = stats_of(done)
    assert stats["requests"] > 50
    assert stats == {"requests": summary["total"], "failures": 0}
    assert summary["bad"] == 0


def test_insecure_host_is_warned_once_and_reaches_a_self_signed_target(
    tmp_path: Path, fresh_https: EmbeddedCollector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    file = export(tmp_path, load_scenario(DEMO))
    url = fresh_https.url.replace("127.0.0.1", "localhost")
    done = locust(
        [
            *("-f", str(file), *QUICK[:-2], "--loglevel", "INFO", "--host", url),
            *("-u", "3", "-r", "3", "-t", "20s", "--think-scale", "0", "--visitors", "9"),
            *("--insecure-host", "localhost"),
        ],
        tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr.count("TLS certificates of localhost are NOT checked") == 1
    summary = fresh_https.summary()
    assert stats_of(done) == {"requests": summary["total"], "failures": 0}
