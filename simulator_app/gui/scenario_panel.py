"""The scenario's own settings: its name and description, and the tracker behaviours.

Each field edits the document through :meth:`ScenarioDocument.apply`, one
undo step per field (typing merges); a field the file leaves out shows the
default the validator uses, and is only written once the user changes it.
Problems of a field show next to it, as everywhere else.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from simulator_app.core.model import Tracker
from simulator_app.gui.document import ScenarioDocument
from simulator_app.gui.edits import MISSING, SetValue, get, to_yaml
from simulator_app.gui.edits import Path as DocPath
from simulator_app.gui.widgets import ProblemLabel

_DEFAULTS = Tracker()
_IP_OFF = "off"

#: The tracker's flags: key, label, what it does.
TRACKER_FLAGS = (
    ("tracker_headers", "Tracker headers", "send Accept, X-Nitro-Id and X-Organisation"),
    ("cache_buster", "Cache-buster", "add ?_=<epoch ms> to every request, as the tracker does"),
    ("full_cart", "Full cart", "line_items carry every cart line, not just the change"),
)


def write_field(
    document: ScenarioDocument, path: DocPath, value: Any, text: str, merge: bool = False
) -> None:
    """Set ``path`` as one undoable edit, adding its missing section (``tracker:``) with it.

    ``merge``: typing into the same field makes one undo step, not one per key.
    """
    if get(document.data, path) == value:
        return
    parent = path[:-1]
    if parent and not isinstance(get(document.data, parent, None), dict):
        document.apply(SetValue(parent, to_yaml({path[-1]: value}, {})), text)
        return
    document.apply(SetValue(path, value), text, "/".join(map(str, path)) if merge else None)


class ScenarioPanel(QWidget):
    """Name, description and tracker settings of the open scenario."""

    def __init__(self, document: ScenarioDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._loading = False
        layout = QVBoxLayout(self)

        about = QGroupBox("Scenario")
        form = QFormLayout(about)
        self.name = QLineEdit()
        self.name.setToolTip("the scenario's name (it also keys the visitors of a seed)")
        self.name_problem = ProblemLabel(reserve=True)
        form.addRow("Name", self.name)
        form.addRow("", self.name_problem)
        self.description = QPlainTextEdit()
        self.description.setPlaceholderText("what this scenario is for")
        self.description.setMaximumHeight(5 * self.fontMetrics().height() + 12)
        self.description_problem = ProblemLabel()
        form.addRow("Description", self.description)
        form.addRow("", self.description_problem)
        layout.addWidget(about)

        tracker = QGroupBox("Tracker (how the requests imitate the Nitrox tracker)")
        tracker_form = QFormLayout(tracker)
        self.view_method = QComboBox()
        self.view_method.addItem("POST (page in the body)", "POST")
        self.view_method.addItem("GET (page in the query)", "GET")
        tracker_form.addRow("View method", self.view_method)
        self.flags: dict[str, QCheckBox] = {}
        for key, label, help_text in TRACKER_FLAGS:
            box = QCheckBox(help_text)
            self.flags[key] = box
            tracker_form.addRow(label, box)
            box.toggled.connect(lambda on, k=key: self._flag_edited(k, on))
        self.ip_on = QCheckBox("send each visitor's address in a header")
        self.ip_header = QLineEdit()
        self.ip_header.setPlaceholderText(_DEFAULTS.client_ip_header)
        self.ip_header.setToolTip("the API geolocates the visitor from this header")
        tracker_form.addRow("Client IP", self.ip_on)
        tracker_form.addRow("Header name", self.ip_header)
        self.tracker_problem = ProblemLabel()
        tracker_form.addRow("", self.tracker_problem)
        layout.addWidget(tracker)
        layout.addStretch(1)

        self.name.textEdited.connect(self._name_edited)
        self.description.textChanged.connect(self._description_edited)
        self.view_method.currentIndexChanged.connect(self._view_method_edited)
        self.ip_on.toggled.connect(self._ip_edited)
        self.ip_header.textEdited.connect(self._ip_edited)
        document.replaced.connect(self.reload)
        document.changed.connect(self.reload)
        document.validated.connect(self._show_problems)
        self.reload()

    # -- reading -------------------------------------------------------------

    def _value(self, path: DocPath, default: Any) -> Any:
        value = get(self._document.data, path)
        return default if value is MISSING or value is None else value

    def reload(self, *_: object) -> None:
        """Show the document's values (after an edit, undo, open...)."""
        self._loading = True
        try:
            name = str(self._value(("name",), ""))
            if self.name.text() != name:
                self.name.setText(name)
            description = str(self._value(("description",), ""))
            if self.description.toPlainText() != description:
                self.description.setPlainText(description)
            method = str(self._value(("tracker", "view_method"), _DEFAULTS.view_method)).upper()
            self.view_method.setCurrentIndex(max(0, self.view_method.findData(method)))
            for key, box in self.flags.items():
                box.setChecked(bool(self._value(("tracker", key), getattr(_DEFAULTS, key))))
            header = str(self._value(("tracker", "client_ip_header"), _DEFAULTS.client_ip_header))
            on = header != _IP_OFF
            self.ip_on.setChecked(on)
            self.ip_header.setEnabled(on)
            if on and self.ip_header.text() != header:
                self.ip_header.setText(header)
        finally:
            self._loading = False
        self._show_problems()

    def _show_problems(self) -> None:
        problems = self._document.problems_at
        self.name_problem.show_problems(problems(("name",)))
        self.description_problem.show_problems(problems(("description",)))
        self.tracker_problem.show_problems(problems(("tracker",)))

    def focus_field(self, path: DocPath) -> None:
        """Focus the control of ``path`` (``name``, ``tracker.full_cart``...)."""
        key = str(path[-1]) if path else ""
        controls: dict[str, QWidget] = {
            "name": self.name,
            "description": self.description,
            "view_method": self.view_method,
            "client_ip_header": self.ip_header if self.ip_on.isChecked() else self.ip_on,
            **self.flags,
        }
        controls.get(key, self.name if path[:1] != ("tracker",) else self.view_method).setFocus()

    # -- writing -------------------------------------------------------------

    def _name_edited(self, text: str) -> None:
        write_field(self._document, ("name",), text, "Rename the scenario", merge=True)

    def _description_edited(self) -> None:
        if not self._loading:
            text = self.description.toPlainText()
            write_field(
                self._document, ("description",), text, "Change the description", merge=True
            )

    def _view_method_edited(self, *_: object) -> None:
        if not self._loading:
            method = str(self.view_method.currentData())
            write_field(self._document, ("tracker", "view_method"), method, "Change view method")

    def _flag_edited(self, key: str, on: bool) -> None:
        if not self._loading:
            label = next(label for k, label, _ in TRACKER_FLAGS if k == key)
            write_field(
                self._document,
                ("tracker", key),
                on,
                f"Turn {label.lower()} {'on' if on else 'off'}",
            )

    def _ip_edited(self, *_: object) -> None:
        if self._loading:
            return
        on = self.ip_on.isChecked()
        self.ip_header.setEnabled(on)
        header = (self.ip_header.text().strip() or _DEFAULTS.client_ip_header) if on else _IP_OFF
        merge = on and self.ip_header.hasFocus()
        write_field(
            self._document,
            ("tracker", "client_ip_header"),
            header,
            "Change client-IP header",
            merge,
        )
