"""Target and IDs: where traffic goes, and the org_id and visitor ID strategies.

The target is the embedded collector (started by the app; its counts and a
link to its page are shown here) or a URL the user types, checked inline with
:func:`~simulator_app.core.safety.target_problem`. The ID fields edit the
scenario's ``ids`` section; each is checked as typed with
:func:`~simulator_app.core.contract.id_problem`, the message next to it.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from simulator_app.core.contract import NULL_NITROX_ID, ROAMING_PREFIX, id_problem
from simulator_app.core.safety import LOW_RATE, is_loopback, target_problem
from simulator_app.gui.collector_service import CollectorService
from simulator_app.gui.document import ScenarioDocument
from simulator_app.gui.edits import SetValue, get
from simulator_app.gui.widgets import ProblemLabel, number, plural
from simulator_app.net.proxies import ProxySettingError, parse_proxy
from simulator_app.net.trust import TrustError
from simulator_app.sender.network import NetworkSettings, use_by_default

_STRATEGIES = {
    "roaming_id": ("random", "fixed"),
    "nitro_id": ("random", "fixed"),
    "nitrox_id": ("null", "random", "fixed"),
}
_STRATEGY_TEXT = {
    "random": "random per visitor",
    "fixed": "fixed value",
    "null": "the text null (unknown visitor)",
}
_DEFAULT_STRATEGY = {"roaming_id": "random", "nitro_id": "random", "nitrox_id": "null"}


def new_id(kind: str) -> str:
    """A fresh, valid value for an ID of ``kind``."""
    value = str(uuid.uuid4())
    return ROAMING_PREFIX + value if kind == "roaming_id" else value


class IdField(QWidget):
    """One ID: its strategy (except org_id), its value, a Generate button and its problem."""

    def __init__(self, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.strategy = QComboBox()
        for strategy in _STRATEGIES.get(kind, ()):
            self.strategy.addItem(_STRATEGY_TEXT[strategy], strategy)
        self.strategy.setVisible(kind in _STRATEGIES)
        row.addWidget(self.strategy)
        self.value = QLineEdit()
        self.value.setPlaceholderText(
            "biscuit_<uuid>" if kind == "roaming_id" else "8-4-4-4-12 hex digits"
        )
        row.addWidget(self.value, 1)
        self.generate = QPushButton("Generate")
        self.generate.setToolTip(f"a fresh {kind}")
        row.addWidget(self.generate)
        layout.addLayout(row)
        self.problem = ProblemLabel()
        self.problem.setObjectName(f"problem_{kind}")
        layout.addWidget(self.problem)


class TargetPanel(QWidget):
    """The target URL (embedded collector or custom) and the scenario's ``ids``.

    Signals:
        target_changed(str): the usable target URL ("" while there is none).
        collector_port_changed(int): the user asked for the collector on this port.
    """

    target_changed = Signal(str)
    collector_port_changed = Signal(int)

    def __init__(
        self,
        document: ScenarioDocument,
        collector: CollectorService,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._document = document
        self._collector = collector
        self._loading = False
        self.target = ""
        layout = QVBoxLayout(self)

        target_box = QGroupBox("Target")
        target_form = QVBoxLayout(target_box)
        self.use_collector = QRadioButton("Embedded collector (on this machine)")
        self.use_custom = QRadioButton("Custom URL")
        group = QButtonGroup(self)
        group.addButton(self.use_collector)
        group.addButton(self.use_custom)
        target_form.addWidget(self.use_collector)
        collector_row = QHBoxLayout()
        collector_row.addSpacing(24)
        self.collector_status = QLabel("starting…")
        self.collector_status.setOpenExternalLinks(True)
        self.collector_port = QSpinBox()
        self.collector_port.setRange(0, 65535)
        self.collector_port.setSpecialValueText("any free")
        self.collector_port.setToolTip(
            "the port the collector listens on (any free: a new one each start)"
        )
        collector_row.addWidget(self.collector_port)
        self.collector_tls = QCheckBox("HTTPS")
        self.collector_tls.setToolTip(
            "serve HTTPS with a certificate of a CA made for this session (the app trusts it)"
        )
        collector_row.addWidget(self.collector_tls)
        self.restart = QPushButton("Restart collector")
        collector_row.addWidget(self.restart)
        target_form.addLayout(collector_row)
        self.collector_counts = QLabel("")
        self.collector_counts.setContentsMargins(24, 0, 0, 0)
        target_form.addWidget(self.collector_counts)
        self.collector_problem = ProblemLabel()
        self.collector_problem.setContentsMargins(24, 0, 0, 0)
        target_form.addWidget(self.collector_problem)
        target_form.addWidget(self.use_custom)
        custom_row = QHBoxLayout()
        custom_row.addSpacing(24)
        self.custom_url = QLineEdit()
        self.custom_url.setPlaceholderText("http://127.0.0.1:8787")
        custom_row.addWidget(self.custom_url)
        target_form.addLayout(custom_row)
        self.target_problem = ProblemLabel()
        self.target_problem.setContentsMargins(24, 0, 0, 0)
        target_form.addWidget(self.target_problem)
        self.target_note = QLabel("")
        self.target_note.setWordWrap(True)
        self.target_note.setStyleSheet("color: #8a5a00;")
        self.target_note.setContentsMargins(24, 0, 0, 0)
        self.target_note.hide()
        target_form.addWidget(self.target_note)
        layout.addWidget(target_box)
        self.trust = TrustBox()
        layout.addWidget(self.trust)

        ids_box = QGroupBox("IDs (the scenario's ids section)")
        ids_form = QFormLayout(ids_box)
        self.fields: dict[str, IdField] = {}
        for kind in ("org_id", "roaming_id", "nitro_id", "nitrox_id"):
            field = IdField(kind)
            self.fields[kind] = field
            ids_form.addRow(kind, field)
            field.value.textEdited.connect(lambda _text, k=kind: self._id_edited(k))
            field.strategy.currentIndexChanged.connect(lambda _i, k=kind: self._id_edited(k))
            field.generate.clicked.connect(lambda _c=False, k=kind: self._generate(k))
        layout.addWidget(ids_box)
        layout.addStretch(1)

        self.use_collector.setChecked(True)
        self.use_collector.toggled.connect(self._target_edited)
        self.custom_url.textEdited.connect(self._target_edited)
        self.restart.clicked.connect(
            lambda: self.collector_port_changed.emit(self.collector_port.value())
        )
        self.collector_tls.toggled.connect(self._collector_tls_toggled)
        collector.started.connect(self._collector_started)
        collector.failed.connect(self._collector_failed)
        collector.stopped.connect(self._collector_stopped)
        collector.summary_changed.connect(self._collector_summary)
        document.replaced.connect(self.load_ids)
        document.changed.connect(self.load_ids)
        self.load_ids()

    # -- target ------------------------------------------------------------

    def set_target_settings(self, custom: bool, url: str, port: int) -> None:
        """Restore the remembered choice (embedded or custom URL) and collector port."""
        self.custom_url.setText(url)
        self.collector_port.setValue(port)
        (self.use_custom if custom else self.use_collector).setChecked(True)
        self._target_edited()

    def _target_edited(self, *_: object) -> None:
        custom = self.use_custom.isChecked()
        self.custom_url.setEnabled(custom)
        self.target_note.hide()
        if custom:
            url = self.custom_url.text().strip()
            problem = target_problem(url) if url else "type the URL of a Nitrox receiver"
            self.target_problem.show_message(problem)
            if problem is None and not is_loopback(url):
                self.target_note.setText(
                    "This address is not on this machine: a run faster than "
                    f"{LOW_RATE:g} requests/s asks for confirmation first."
                )
                self.target_note.show()
            self._set_target(url if problem is None else "")
        else:
            self.target_problem.show_message(None)
            self._set_target(self._collector.url or "")

    def _collector_tls_toggled(self, on: bool) -> None:
        self._collector.tls = on
        self.collector_port_changed.emit(self.collector_port.value())  # restart it so

    def _set_target(self, url: str) -> None:
        embedded = not self.use_custom.isChecked()
        self.trust.set_target(url, self._collector.ca if embedded else None)
        if url != self.target:
            self.target = url
            self.target_changed.emit(url)

    def _collector_started(self, url: str) -> None:
        page = f"{url}/_collector/"
        self.collector_status.setText(f'Running at {url} — <a href="{page}">open its page</a>')
        self.collector_problem.show_message(None)
        self._target_edited()

    def _collector_failed(self, message: str) -> None:
        self.collector_status.setText("Not running.")
        self.collector_problem.show_message(
            f"{message}. Pick another port and restart it, or use a custom URL."
        )
        self.collector_counts.setText("")
        self._target_edited()

    def _collector_stopped(self) -> None:
        self.collector_status.setText("Stopped.")
        self.collector_counts.setText("")
        self._target_edited()

    def _collector_summary(self, summary: dict[str, Any]) -> None:
        self.collector_counts.setText(
            f"Received {plural(int(summary.get('total', 0)), 'request')}: "
            f"{number(summary.get('good', 0))} good, {number(summary.get('bad', 0))} bad"
            + (f"; {summary['store_problem']}" if summary.get("store_problem") else "")
        )

    # -- IDs ---------------------------------------------------------------

    def load_ids(self, *_: object) -> None:
        """Show the document's ids section (after an edit, undo, open...)."""
        self._loading = True
        try:
            for kind, field in self.fields.items():
                raw = get(self._document.data, ("ids", kind), None)
                text = str(raw) if raw is not None else ""
                if kind in _STRATEGIES:
                    strategies = _STRATEGIES[kind]
                    if not text:
                        text = _DEFAULT_STRATEGY[kind]
                    strategy = text if text in strategies[:-1] else "fixed"
                    field.strategy.setCurrentIndex(strategies.index(strategy))
                    field.value.setEnabled(strategy == "fixed")
                    field.generate.setEnabled(strategy == "fixed")
                    if strategy != "fixed":
                        text = ""
                if field.value.text() != text and (field.value.isEnabled() or not text):
                    field.value.setText(text)
        finally:
            self._loading = False
        self._show_problems()

    def _show_problems(self) -> None:
        for kind, field in self.fields.items():
            message = None
            if field.value.isEnabled():
                message = id_problem(kind, field.value.text().strip())
            if message is None:
                problems = self._document.problems_at(("ids", kind))
                message = "\n".join(p.message for p in problems) or None
            field.problem.show_message(message)

    def _id_edited(self, kind: str) -> None:
        if self._loading:
            return
        field = self.fields[kind]
        strategy = field.strategy.currentData() if kind in _STRATEGIES else "fixed"
        fixed = strategy == "fixed"
        field.value.setEnabled(fixed)
        field.generate.setEnabled(fixed)
        if fixed:
            value = field.value.text().strip()
            if not value:
                # A fixed strategy needs a value: start from a valid one.
                value = new_id(kind)
                field.value.setText(value)
        else:
            value = str(strategy)
            field.value.setText("")
        self._write(kind, value)
        self._show_problems()

    def _generate(self, kind: str) -> None:
        field = self.fields[kind]
        field.value.setText(new_id(kind))
        self._write(kind, field.value.text())
        self._show_problems()

    def _write(self, kind: str, value: str) -> None:
        if not isinstance(get(self._document.data, ("ids",), None), dict):
            return  # the problems list says the ids section is missing
        if get(self._document.data, ("ids", kind), None) == value:
            return
        if kind == "nitrox_id" and value == NULL_NITROX_ID:
            value = NULL_NITROX_ID
        self._document.apply(SetValue(("ids", kind), value), f"Change {kind}", f"ids/{kind}")


class TrustBox(QGroupBox):
    """HTTPS and proxy: the CA bundle, the one host not checked, the proxy (as ``run``'s
    ``--ca-bundle``, ``--insecure HOST`` and ``--proxy``).

    What it holds is what every later run and click-through request of the app uses
    (:func:`~simulator_app.sender.network.use_by_default`), once it is usable.

    Signals:
        network_changed(object): the usable :class:`NetworkSettings`.
    """

    network_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("HTTPS and proxy", parent)
        form = QFormLayout(self)
        self._host = ""
        self._collector_ca: str | None = None
        bundle_row = QHBoxLayout()
        self.ca_bundle = QLineEdit()
        self.ca_bundle.setPlaceholderText("the system's trust store (or SSL_CERT_FILE)")
        self.ca_bundle.setToolTip("a PEM file of the CA certificates to trust instead")
        bundle_row.addWidget(self.ca_bundle, 1)
        self.browse = QPushButton("Choose…")
        bundle_row.addWidget(self.browse)
        form.addRow("CA bundle", bundle_row)
        self.insecure = QCheckBox("Do not check this host's certificate (a test server's)")
        form.addRow("", self.insecure)
        self.proxy = QLineEdit()
        self.proxy.setPlaceholderText("HTTPS_PROXY / HTTP_PROXY, or none")
        self.proxy.setToolTip("http://[user:password@]host:port; loopback targets too")
        form.addRow("Proxy", self.proxy)
        self.problem = ProblemLabel()
        form.addRow("", self.problem)
        self.warning = QLabel("")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #8a5a00;")
        self.warning.hide()
        form.addRow("", self.warning)
        self.settings = NetworkSettings()
        self.ca_bundle.editingFinished.connect(self._edited)
        self.proxy.editingFinished.connect(self._edited)
        self.insecure.toggled.connect(self._edited)
        self.browse.clicked.connect(self._choose)

    def set_target(self, url: str, collector_ca: str | None = None) -> None:
        """The target the settings are for (the insecure host is its host); ``collector_ca``:
        the embedded collector's CA, trusted when no CA bundle is given."""
        from urllib.parse import urlsplit

        host = (urlsplit(url).hostname or "") if url else ""
        if collector_ca != self._collector_ca:
            self._collector_ca = collector_ca
            self._edited()
        if host != self._host:
            self._host = host
            self.insecure.setText(
                f"Do not check the certificate of {host} (a test server's)"
                if host
                else "Do not check this host's certificate (a test server's)"
            )
            self._edited()

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "CA bundle", "", "PEM files (*.pem *.crt)")
        if path:
            self.ca_bundle.setText(path)
            self._edited()

    def _edited(self, *_: object) -> None:
        insecure = (self._host,) if self.insecure.isChecked() and self._host else ()
        bundle, source = self.ca_bundle.text().strip() or None, "CA bundle"
        if bundle is None and self._collector_ca is not None:
            bundle, source = self._collector_ca, "the embedded collector's CA"
        settings = NetworkSettings(
            ca_bundle=bundle,
            insecure_hosts=insecure,
            proxy=self.proxy.text().strip() or None,
            bundle_from=source,
        )
        try:
            trust = settings.trust()
            if settings.ca_bundle is not None:
                trust.check()
            if settings.proxy is not None:
                parse_proxy(settings.proxy, "Proxy")
        except (TrustError, ProxySettingError) as exc:
            self.problem.show_message(str(exc))
            return
        self.problem.show_message(None)
        warning = trust.warning()
        self.warning.setText(warning[:1].upper() + warning[1:] if warning else "")
        self.warning.setVisible(bool(warning))
        if settings != self.settings:
            self.settings = settings
            use_by_default(settings)
            self.network_changed.emit(settings)
