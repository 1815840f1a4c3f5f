"""The sender over HTTPS to the collector's own --tls: trust, the failures' words, reuse."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from simulator_app.cli import main
from simulator_app.collector import EmbeddedCollector
from simulator_app.core.scenario_file import load_scenario
from simulator_app.net import failures
from simulator_app.sender.network import NetworkSettings
from simulator_app.sender.runner import LoadRun, RunSettings
from tests.sender.conftest import REQUESTS_PER_VISITOR, write_scenario
from tests.tls.conftest import expired, self_signed, serve_certificate

pytestmark = pytest.mark.slow


def run(target: str, folder: Path, visitors: int = 4, concurrency: int = 2, **network: object):
    scenario = load_scenario(write_scenario(folder))
    settings = RunSettings(
        target=target,
        visitors=visitors,
        concurrency=concurrency,
        think_scale=0,
        network=NetworkSettings(**network),  # type: ignore[arg-type]
    )
    errors: list[str] = []
    load = LoadRun(
        scenario, settings, on_records=lambda b: errors.extend(r.error for r in b if r.error)
    )
    return load.run(), errors


def test_the_collectors_ca_bundle_makes_every_request_arrive_exactly_once(
    https_collector: EmbeddedCollector, tmp_path: Path
) -> None:
    assert https_collector.url.startswith("https://127.0.0.1:")
    assert https_collector.certificate is not None and https_collector.certificate.ca
    before = https_collector.summary()["total"]
    result, errors = run(https_collector.url, tmp_path, ca_bundle=https_collector.certificate.ca)
    assert errors == []
    assert result.requests == 4 * REQUESTS_PER_VISITOR
    assert https_collector.summary()["total"] - before == result.requests
    assert result.connections_opened == 2  # one per worker, kept alive
    assert any("trusting the CA bundle" in n for n in result.network_notes)


def test_ssl_cert_file_is_read_like_ca_bundle(
    https_collector: EmbeddedCollector, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert https_collector.certificate is not None
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(https_collector.certificate.ca))
    result, errors = run(https_collector.url, tmp_path, visitors=1, concurrency=1)
    assert errors == []
    assert result.network_notes == (
        f"TLS: trusting the CA bundle {https_collector.certificate.ca} (REQUESTS_CA_BUNDLE)",
    )


def test_an_untrusted_ca_is_named_with_its_remedy(
    https_collector: EmbeddedCollector, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    result, errors = run(https_collector.url, tmp_path, visitors=1, concurrency=1)
    assert result.unreached == result.requests > 0
    port = https_collector.url.rsplit(":", 1)[1]
    assert set(errors) == {
        "connection error: certificate not trusted (unknown issuer): "
        f"127.0.0.1:{port}'s certificate is signed by a CA this machine does not trust "
        "(a TLS-inspecting proxy's?); give its CA with --ca-bundle FILE, "
        "or --insecure 127.0.0.1 for a test server"
    }


def test_insecure_names_one_host_and_says_so(
    https_collector: EmbeddedCollector, tmp_path: Path
) -> None:
    url = https_collector.url.replace("127.0.0.1", "localhost")
    result, errors = run(url, tmp_path, visitors=1, concurrency=1, insecure_hosts=("localhost",))
    assert errors == []
    assert result.network_notes[0].startswith("warning: TLS certificates of localhost are NOT")
    # another host is still checked
    result, errors = run(
        https_collector.url, tmp_path, visitors=1, concurrency=1, insecure_hosts=("localhost",)
    )
    assert errors and all(e.startswith("connection error: certificate not trusted") for e in errors)


@pytest.mark.parametrize(
    ("make", "cause"),
    [
        (lambda f: serve_certificate(f, "shop.test"), failures.CERT_WRONG_HOST),
        (expired, failures.CERT_EXPIRED),
        (self_signed, failures.CERT_SELF_SIGNED),
    ],
    ids=["wrong-host", "expired", "self-signed"],
)
def test_each_certificate_problem_has_its_own_words(tmp_path: Path, make, cause: str) -> None:
    certificate = make(tmp_path)
    with EmbeddedCollector(tls=certificate) as collector:
        _, errors = run(
            collector.url, tmp_path, visitors=1, concurrency=1, ca_bundle=certificate.ca
        )
    assert errors
    assert {failures.cause_of(e.removeprefix("connection error: ")) for e in errors} == {cause}


def test_a_closed_port_is_connection_refused_with_its_remedy(tmp_path: Path) -> None:
    _, errors = run("https://127.0.0.1:1", tmp_path, visitors=1, concurrency=1)
    assert set(errors) == {
        "connection error: connection refused: nothing listens on 127.0.0.1:1; "
        "is the target running, on this port?"
    }


def test_ten_thousand_requests_at_concurrency_ten_make_at_most_twenty_handshakes(
    https_collector: EmbeddedCollector, tmp_path: Path
) -> None:
    assert https_collector.certificate is not None
    visitors = 10_000 // REQUESTS_PER_VISITOR + 1
    result, errors = run(
        https_collector.url,
        tmp_path,
        visitors=visitors,
        concurrency=10,
        ca_bundle=https_collector.certificate.ca,
    )
    assert errors == []
    assert result.requests >= 10_000
    print(f"{result.requests} requests over TLS, {result.connections_opened} handshakes")
    assert result.connections_opened <= 20


def test_cli_run_over_https_says_the_ca_and_insecure_in_its_summary(
    https_collector: EmbeddedCollector, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = write_scenario(tmp_path)
    url = https_collector.url.replace("127.0.0.1", "localhost")
    code = main(["run", str(scenario), "--target", url, "--insecure", "localhost"])
    out, err = capsys.readouterr()
    assert code == 0, err
    warning = "warning: TLS certificates of localhost are NOT checked"
    assert warning in err and warning in out
    code = main(["run", str(scenario), "--target", url, "--ca-bundle", str(tmp_path / "nope")])
    _, err = capsys.readouterr()
    assert code == 2
    assert f"--ca-bundle: no file {tmp_path / 'nope'}" in err


def test_collector_cli_refuses_a_cert_without_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["collector", "--port", "0", "--cert", os.devnull]) == 2
    assert "--cert and --key go together" in capsys.readouterr().err
