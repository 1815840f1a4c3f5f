"""The Target tab's HTTPS and proxy choices: checked as typed, and used by the app's runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator_app.collector import EmbeddedCollector
from simulator_app.gui.main_window import MainWindow
from simulator_app.sender import SingleSender
from simulator_app.sender.network import NetworkSettings, default_network, use_by_default


@pytest.fixture(autouse=True)
def _reset_network() -> Iterator[None]:
    yield
    use_by_default(NetworkSettings())


def test_a_missing_ca_bundle_and_a_socks_proxy_are_refused(window: MainWindow) -> None:
    trust = window.target_panel.trust
    trust.ca_bundle.setText("/nowhere/ca.pem")
    trust.ca_bundle.editingFinished.emit()
    assert trust.problem.text() == "CA bundle: no file /nowhere/ca.pem"
    assert default_network() == NetworkSettings()  # nothing unusable is used
    trust.ca_bundle.setText("")
    trust.proxy.setText("socks5://127.0.0.1:1080")
    trust.proxy.editingFinished.emit()
    assert "only http:// proxies are supported" in trust.problem.text()


@pytest.mark.slow
def test_insecure_for_the_targets_host_is_warned_and_used(
    window: MainWindow, tmp_path: Path
) -> None:
    panel = window.target_panel
    with EmbeddedCollector(tls=True, tls_folder=str(tmp_path)) as collector:
        url = collector.url.replace("127.0.0.1", "localhost")
        panel.use_custom.setChecked(True)
        panel.custom_url.setText(url)
        panel.custom_url.textEdited.emit(url)
        assert panel.target == url
        panel.trust.insecure.setChecked(True)
        assert "of localhost" in panel.trust.insecure.text()
        assert panel.trust.warning.text().startswith("Warning: TLS certificates of localhost")
        assert default_network().insecure_hosts == ("localhost",)
        # the app's click-through sender (and its runs) now reach it
        from simulator_app.core.journey import JourneyEngine
        from simulator_app.core.scenario_file import load_scenario

        scenario = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "buyer.yaml")
        planned = next(iter(JourneyEngine(scenario, seed=1).plan(0)))
        sender = SingleSender(url)
        try:
            record = sender.send(planned)
        finally:
            sender.close()
        assert record.error is None and record.status == 200


@pytest.mark.slow
def test_the_embedded_collector_over_https_is_trusted_by_the_app(live_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = live_window.target_panel
    qtbot.waitUntil(lambda: panel.target.startswith("http://"), timeout=20_000)
    panel.collector_tls.setChecked(True)
    qtbot.waitUntil(lambda: panel.target.startswith("https://127.0.0.1:"), timeout=20_000)
    ca = live_window.collector.ca
    assert ca is not None
    assert default_network().ca_bundle == ca
    from simulator_app.core.journey import JourneyEngine
    from simulator_app.core.scenario_file import load_scenario

    scenario = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "buyer.yaml")
    planned = next(iter(JourneyEngine(scenario, seed=1).plan(0)))
    sender = SingleSender(panel.target)
    try:
        record = sender.send(planned)
    finally:
        sender.close()
    assert record.error is None and record.status == 200
