"""Identities: the Faker locales and the run's seed, and a preview of the next visitors.

The preview calls ``JourneyEngine(scenario).visitor(i)`` for the first
visitors, so it shows exactly the journeys, countries, devices, names,
e-mails, phones and IDs a run will send. It regenerates only when the
scenario changes.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from simulator_app.core.identities import Visitor
from simulator_app.core.journey import JourneyEngine
from simulator_app.core.locales import LOCALES
from simulator_app.core.model import Scenario
from simulator_app.gui.document import ScenarioDocument
from simulator_app.gui.edits import MISSING, DeleteValue, SetValue, get, to_yaml
from simulator_app.gui.table_model import ColumnsModel
from simulator_app.gui.widgets import ProblemLabel

AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
PREVIEW_VISITORS = 20
# Shown first in the locale list: the markets this simulator is mostly used for.
FAVOURITE_LOCALES = ("en_IN", "hi_IN", "en_US", "en_GB", "ta_IN", "bn_BD")


class VisitorsModel(ColumnsModel):
    """The first visitors of a scenario: journeys, place, device, contact details and IDs."""

    COLUMNS = (
        "#",
        "Journey",
        "Country",
        "Device",
        "Locale",
        "Name",
        "E-mail",
        "Phone",
        "roaming_id",
        "nitro_id",
        "nitrox_id",
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, ...]] = []

    def set_visitors(self, visitors: list[Visitor], journeys: list[list[str]]) -> None:
        """Show ``visitors``; ``journeys[i]`` are the journeys of ``visitors[i]``, by session."""
        self.beginResetModel()
        self._rows = [
            (
                str(v.index),
                " then ".join(taken),
                v.country,
                f"{v.device.kind}: {v.device.browser} on {v.device.os}",
                v.locale,
                v.name,
                v.email,
                v.phone,
                v.ids.roaming_id,
                v.ids.nitro_id,
                v.ids.nitrox_id,
            )
            for v, taken in zip(visitors, journeys, strict=True)
        ]
        self.endResetModel()

    def row_count(self) -> int:
        return len(self._rows)

    def names(self) -> list[tuple[str, str]]:
        """(locale, name) of every visitor shown: what the font check looks at."""
        locale, name = self.COLUMNS.index("Locale"), self.COLUMNS.index("Name")
        return [(row[locale], row[name]) for row in self._rows]

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._rows[index.row()][index.column()]
        return None


class IdentitiesPanel(QWidget):
    """Locales (checkable list with a filter), seed, and the visitors preview.

    Signals:
        preview_changed(): the preview shows other visitors (their names may need other fonts).
    """

    preview_changed = Signal()

    def __init__(
        self, document: ScenarioDocument, parent: QWidget | None = None, deferred: bool = False
    ) -> None:
        super().__init__(parent)
        self._document = document
        self._shown: Scenario | None = None
        self._loading = False
        self.deferred = deferred  # True: the preview waits for show_preview() (after first paint)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        form = QFormLayout(left)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("filter locales, e.g. IN")
        self.filter.setClearButtonEnabled(True)
        form.addRow("Locales", self.filter)
        self.locales = QListWidget()
        ordered = [
            *FAVOURITE_LOCALES,
            *(x for x in LOCALES if x not in FAVOURITE_LOCALES),
        ]
        for locale in ordered:
            if locale not in LOCALES:
                continue
            item = QListWidgetItem(locale)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.locales.addItem(item)
        form.addRow(self.locales)
        self.locales_problem = ProblemLabel()
        form.addRow(self.locales_problem)
        self.chosen = QLabel()
        self.chosen.setWordWrap(True)
        form.addRow("Chosen", self.chosen)
        self.seed = QSpinBox()
        self.seed.setRange(-1, 2**31 - 1)
        self.seed.setSpecialValueText("fresh every run")  # -1: no seed in the file
        self.seed.setKeyboardTracking(False)
        self.seed.setToolTip(
            "empty: every run draws a new seed (new visitors, shown when it starts);"
            " a seed replays the same visitors, run after run"
        )
        form.addRow("Seed", self.seed)
        self.seed_problem = ProblemLabel()
        form.addRow(self.seed_problem)
        splitter.addWidget(left)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        header = QHBoxLayout()
        header.addWidget(QLabel(f"<b>The next {PREVIEW_VISITORS} visitors</b>"))
        header.addStretch(1)
        right_layout.addLayout(header)
        self.status = ProblemLabel()
        right_layout.addWidget(self.status)
        self.model = VisitorsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        right_layout.addWidget(self.table)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self.filter.textChanged.connect(self._filter)
        self.locales.itemChanged.connect(self._locales_edited)
        self.seed.valueChanged.connect(self._seed_edited)
        document.validated.connect(self.refresh)
        document.replaced.connect(self.refresh)
        self.refresh()

    # -- reading -------------------------------------------------------------

    def _chosen_locales(self) -> list[str]:
        raw = get(self._document.data, ("identities", "locales"), ["en_US"])
        if isinstance(raw, str):
            return [raw]
        return [str(x) for x in raw] if isinstance(raw, list) else []

    def refresh(self) -> None:
        """Show the document's locales and seed, and regenerate the preview if they changed."""
        self._loading = True
        try:
            chosen = self._chosen_locales()
            for row in range(self.locales.count()):
                item = self.locales.item(row)
                state = Qt.CheckState.Checked if item.text() in chosen else Qt.CheckState.Unchecked
                if item.checkState() != state:
                    item.setCheckState(state)
            self.chosen.setText(", ".join(chosen) or "(none)")
            seed = get(self._document.data, ("seed",), -1)
            if isinstance(seed, int) and self.seed.value() != seed:
                self.seed.setValue(seed)
        finally:
            self._loading = False
        self.locales_problem.show_problems(self._document.problems_at(("identities", "locales")))
        self.seed_problem.show_problems(self._document.problems_at(("seed",)))
        self._preview(self._document.scenario)

    def show_preview(self) -> None:
        """Draw the visitors now: the app calls it once its window is on screen."""
        self.deferred = False
        self._preview(self._document.scenario)

    def _preview(self, scenario: Scenario | None) -> None:
        if self.deferred:  # drawing 20 visitors builds the whole population: ~1.5 s
            return
        if scenario is None:
            self.status.show_message(
                "The scenario has problems (see the Problems list); "
                "the preview shows the last valid settings."
            )
            return
        self.status.show_message(None)
        if scenario == self._shown:
            return
        # Without a seed each run draws its own: the preview shows the visitors of seed 1.
        engine = JourneyEngine(scenario, seed=1 if scenario.seed is None else None)
        shown = range(PREVIEW_VISITORS)
        self.model.set_visitors(
            [engine.visitor(i) for i in shown], [engine.journeys_of(i) for i in shown]
        )
        self._shown = scenario
        self.preview_changed.emit()

    # -- writing -------------------------------------------------------------

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        for row in range(self.locales.count()):
            item = self.locales.item(row)
            item.setHidden(bool(needle) and needle not in item.text().lower())

    def _ensure_identities(self) -> bool:
        if isinstance(get(self._document.data, ("identities",), None), dict):
            return True
        self._document.apply(
            SetValue(("identities",), to_yaml({"locales": ["en_US"]}, {})),
            "Add identities",
        )
        return False

    def _locales_edited(self, item: QListWidgetItem) -> None:
        if self._loading:
            return
        chosen = self._chosen_locales()
        locale = item.text()
        if item.checkState() == Qt.CheckState.Checked and locale not in chosen:
            chosen.append(locale)
        elif item.checkState() != Qt.CheckState.Checked and locale in chosen:
            chosen.remove(locale)
        else:
            return
        self._ensure_identities()
        current = get(self._document.data, ("identities", "locales"))
        value = to_yaml(chosen, current if current is not MISSING else None)
        self._document.apply(SetValue(("identities", "locales"), value), "Change locales")

    def _seed_edited(self, seed: int) -> None:
        if self._loading:
            return
        present = get(self._document.data, ("seed",)) is not MISSING
        if seed < 0:
            if present:
                self._document.apply(DeleteValue(("seed",)), "Fresh seed every run")
            return
        self._document.apply(SetValue(("seed",), seed), "Change seed", "seed")
