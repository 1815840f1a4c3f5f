"""Identities preview, the embedded collector's counts and failures, settings, the excepthook."""

from __future__ import annotations

import argparse
import socket
import sys

import httpx
import pytest
from PySide6.QtCore import QSettings

from simulator_app.cli._common import CliError
from simulator_app.core.contract import VisitorIds, build_event
from simulator_app.core.journey import JourneyEngine
from simulator_app.gui.app import install_excepthook
from simulator_app.gui.main_window import MainWindow


def test_identities_preview_follows_the_seed_and_locales(window: MainWindow) -> None:
    panel = window.identities_panel
    model = panel.model
    col = {name: n for n, name in enumerate(model.COLUMNS)}
    assert model.rowCount() == 20
    first = model.index(0, col["Name"]).data()
    panel.seed.setValue(7)
    assert window.document.scenario is not None
    assert window.document.scenario.seed == 7
    engine = JourneyEngine(window.document.scenario)
    assert model.index(0, col["Name"]).data() == engine.visitor(0).name != first
    assert model.index(3, col["E-mail"]).data() == engine.visitor(3).email
    assert model.index(5, col["nitro_id"]).data() == engine.visitor(5).ids.nitro_id
    # Each visitor's journeys, country and device: the ones a run sends.
    for row in range(20):
        visitor = engine.visitor(row)
        assert model.index(row, col["Journey"]).data() == " then ".join(engine.journeys_of(row))
        assert model.index(row, col["Country"]).data() == visitor.country
        assert visitor.device.browser in model.index(row, col["Device"]).data()
    assert len({model.index(r, col["Journey"]).data() for r in range(20)}) > 1
    # Only Hindi: every visitor is hi_IN with an Indian phone number.
    for row in range(panel.locales.count()):
        item = panel.locales.item(row)
        if item.checkState().value and item.text() != "hi_IN":
            item.setCheckState(type(item.checkState())(0))
    assert window.document.scenario.identities.locales == ("hi_IN",)
    assert {model.index(r, col["Locale"]).data() for r in range(20)} == {"hi_IN"}
    assert all(model.index(r, col["Phone"]).data().startswith("+91") for r in range(20))
    window.undo_action.trigger()  # one undo step per locale unchecked
    window.undo_action.trigger()
    assert window.document.scenario.identities.locales == ("en_IN", "hi_IN", "en_US")


def test_collector_counts_show_up(live_window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    collector = live_window.collector
    qtbot.waitUntil(lambda: collector.running, timeout=10_000)
    url = collector.url
    assert url is not None and url.startswith("http://127.0.0.1:")
    assert live_window.target_panel.target == url  # the default target
    assert f'href="{url}/_collector/"' in live_window.target_panel.collector_status.text()
    ids = VisitorIds(
        "34a3f9a2-5057-431b-bd3f-aa9fdf9ff733",
        "biscuit_4c6e224d-96f6-430c-bfc4-d41ec31e38a4",
        "de8daa44-ac2e-4ba2-8e1c-987a06817353",
    )
    good = build_event(ids, "view", {"page": "https://shop.example.com/"}, live_window_options())
    with httpx.Client(base_url=url) as client:
        client.request(good.method, good.path, headers=dict(good.headers), content=good.body)
        client.post("/jsv1/not-an-org/x/y/null/event/view", json={"page": 1})
    with qtbot.waitSignal(collector.summary_changed, timeout=30_000):
        pass  # the next poll (once a second)
    qtbot.waitUntil(lambda: "1 good, 1 bad" in live_window.target_panel.collector_counts.text())
    assert "1 good, 1 bad" in live_window.collector_label.text()


def live_window_options():  # type: ignore[no-untyped-def]
    from simulator_app.core.contract import TrackerOptions

    return TrackerOptions()


def test_a_taken_port_is_a_message_and_another_target_works(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        panel = window.target_panel
        panel.collector_port.setValue(port)
        with qtbot.waitSignal(window.collector.failed, timeout=10_000):
            panel.restart.click()
    message = panel.collector_problem.text()
    assert str(port) in message and "another port" in message
    assert panel.target == ""  # nothing to send to yet
    with qtbot.waitSignal(panel.target_changed) as changed:
        panel.use_custom.setChecked(True)
        panel.custom_url.setText("http://127.0.0.1:8787")
        panel.custom_url.textEdited.emit("http://127.0.0.1:8787")
    assert changed.args == ["http://127.0.0.1:8787"]
    panel.custom_url.setText("ftp://example")
    panel.custom_url.textEdited.emit("ftp://example")
    assert "not an http:// or https:// URL" in panel.target_problem.text()
    assert panel.target == ""
    panel.custom_url.setText("http://192.0.2.10:8080")
    panel.custom_url.textEdited.emit("http://192.0.2.10:8080")
    assert panel.target == "http://192.0.2.10:8080"
    assert "not on this machine" in panel.target_note.text()


def test_settings_are_remembered(settings: QSettings, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    first = MainWindow(settings, start_collector=False)
    first.target_panel.use_custom.setChecked(True)
    first.target_panel.custom_url.setText("http://localhost:9999")
    first.resize(1000, 700)
    assert first.close()
    first.shutdown()
    second = MainWindow(settings, start_collector=False)
    assert second.target_panel.use_custom.isChecked()
    assert second.target_panel.target == "http://localhost:9999"
    assert settings.contains("window/geometry")
    second.shutdown()
    assert str(tmp_path) in settings.fileName()


def test_excepthook_reports_in_the_status_bar(window: MainWindow, capsys) -> None:  # type: ignore[no-untyped-def]
    previous = install_excepthook(window)
    try:
        try:
            raise ValueError("something odd")
        except ValueError as exc:
            sys.excepthook(ValueError, exc, exc.__traceback__)
    finally:
        sys.excepthook = previous
    assert "ValueError: something odd" in window.statusBar().currentMessage()
    assert "Traceback" in capsys.readouterr().err


def test_gui_command_without_a_display_is_one_line(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from simulator_app.cli import gui

    monkeypatch.setattr(sys, "platform", "linux")
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(CliError, match="QT_QPA_PLATFORM=offscreen"):
        gui.run(argparse.Namespace(scenario=None, collector_port=None))
    with pytest.raises(CliError, match="not a port"):
        gui.run(argparse.Namespace(scenario=None, collector_port=70000))
