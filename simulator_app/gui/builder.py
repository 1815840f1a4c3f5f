"""The scenario builder: journeys, the selected journey's steps, a step palette, the step editor
and the funnel the scenario implies.

Steps are added from the palette (select a type and press Add, double-click
it, or drag it into the steps list), reordered by drag and drop or the
arrow buttons, duplicated and removed; every change is one undoable edit.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QItemSelectionModel, QMimeData, QModelIndex, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from simulator_app.core.contract import STEP_TYPES
from simulator_app.core.funnel import FUNNEL_ORDER, expected_funnel
from simulator_app.gui.document import ScenarioDocument
from simulator_app.gui.funnel_view import FunnelTargets, FunnelView
from simulator_app.gui.journey_models import STEP_TYPE_MIME, JourneysModel, StepsModel
from simulator_app.gui.step_editor import StepEditor
from simulator_app.gui.widgets import ElidedLabel, scrolled

STEP_HELP = {
    "view": "a page view",
    "categoryview": "a category page",
    "productview": "a product page",
    "updatecart": "add to cart",
    "removefromcart": "remove from cart",
    "checkout": "start checkout (needs a cart)",
    "identify": "the visitor gives contact details",
    "buy": "the order (needs a checkout)",
}


class StepPalette(QListWidget):
    """The 8 step types; drag one into the steps list, or double-click to add it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for kind in FUNNEL_ORDER:
            item = QListWidgetItem(kind)
            item.setToolTip(STEP_HELP.get(kind, kind))
            item.setData(Qt.ItemDataRole.UserRole, kind)
            self.addItem(item)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setCurrentRow(0)

    def mimeTypes(self) -> list[str]:
        return [STEP_TYPE_MIME]

    def mimeData(self, items: list[QListWidgetItem]) -> QMimeData:  # type: ignore[override]
        data = QMimeData()
        if items:
            kind = str(items[0].data(Qt.ItemDataRole.UserRole))
            data.setData(STEP_TYPE_MIME, QByteArray(kind.encode("ascii")))
        return data

    def current_type(self) -> str:
        item = self.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else STEP_TYPES[0]


class ScenarioBuilder(QWidget):
    """Journeys, steps, palette, step editor and expected funnel of one document."""

    def __init__(self, document: ScenarioDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._document = document

        # Journeys and funnel (left).
        journeys_box = QGroupBox("Journeys")
        journeys_layout = QVBoxLayout(journeys_box)
        self.journeys_model = JourneysModel(document, self)
        self.journeys = QTableView()
        self.journeys.setModel(self.journeys_model)
        self.journeys.verticalHeader().hide()
        self.journeys.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.journeys.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.journeys.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.journeys.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        journeys_layout.addWidget(self.journeys)
        row = QHBoxLayout()
        self.add_journey = QPushButton("Add journey")
        self.remove_journey = QPushButton("Remove journey")
        row.addWidget(self.add_journey)
        row.addWidget(self.remove_journey)
        row.addStretch(1)
        journeys_layout.addLayout(row)

        funnel_box = QGroupBox("Expected funnel")
        funnel_box.setToolTip("the share of visitors reaching each step")
        funnel_layout = QVBoxLayout(funnel_box)
        self.funnel = FunnelView()
        funnel_layout.addWidget(self.funnel)
        self.funnel_targets = FunnelTargets(document)
        funnel_layout.addWidget(self.funnel_targets)

        # Few journeys fit in a short table; the funnel takes the rest of the column.
        self.journeys.setMaximumHeight(6 * (self.fontMetrics().height() + 8))
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(journeys_box)
        left_layout.addWidget(funnel_box, 1)

        # Steps and palette (middle).
        steps_box = QGroupBox("Steps of the selected journey")
        steps_layout = QVBoxLayout(steps_box)
        self.steps_model = StepsModel(document, self)
        self.steps = QListView()
        self.steps.setModel(self.steps_model)
        self.steps.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.steps.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.steps.setDragEnabled(True)
        self.steps.setAcceptDrops(True)
        self.steps.setDropIndicatorShown(True)
        self.steps.setSelectionMode(QListView.SelectionMode.SingleSelection)
        steps_layout.addWidget(self.steps, 3)
        buttons = QHBoxLayout()
        self.remove_step = QPushButton("Remove step")
        self.remove_step.setToolTip("remove the selected step (Delete)")
        self.duplicate_step = QPushButton("Duplicate")
        self.step_up = QPushButton("Up")
        self.step_down = QPushButton("Down")
        for button in (self.remove_step, self.duplicate_step, self.step_up, self.step_down):
            buttons.addWidget(button)
        buttons.addStretch(1)
        steps_layout.addLayout(buttons)
        palette_row = QHBoxLayout()
        palette_row.addWidget(ElidedLabel("Palette (drag a step type into the list, or):"), 1)
        self.add_step = QPushButton("Add step")
        self.add_step.setToolTip("add the palette's selected type after the selected step")
        palette_row.addWidget(self.add_step)
        steps_layout.addLayout(palette_row)
        self.step_palette = StepPalette()
        self.step_palette.setFlow(QListView.Flow.LeftToRight)
        self.step_palette.setWrapping(True)
        self.step_palette.setSpacing(2)
        self.step_palette.setMaximumHeight(64)
        steps_layout.addWidget(self.step_palette)

        # Step editor (right).
        self.editor = StepEditor(document)
        editor_box = QGroupBox("Step parameters")
        editor_layout = QVBoxLayout(editor_box)
        editor_layout.setContentsMargins(2, 2, 2, 2)
        editor_layout.addWidget(scrolled(self.editor))

        right = editor_box
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(steps_box)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 3)
        splitter.setSizes([250, 350, 400])  # in proportion: the editor's rows are the widest
        splitter.setCollapsible(1, False)  # the steps stay; the sides can be dragged shut
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self.journeys.selectionModel().currentRowChanged.connect(self._journey_selected)
        self.journeys_model.modelReset.connect(self._journeys_reset)
        self.steps.selectionModel().currentRowChanged.connect(self._step_selected)
        self.steps_model.modelReset.connect(self._steps_reset)
        self.steps_model.rowsMoved.connect(self._step_moved)
        self.add_journey.clicked.connect(self._add_journey)
        self.remove_journey.clicked.connect(self._remove_journey)
        self.add_step.clicked.connect(lambda: self.add_step_of(self.step_palette.current_type()))
        self.step_palette.itemDoubleClicked.connect(lambda item: self.add_step_of(item.text()))
        self.remove_step.clicked.connect(self._remove_step)
        # Delete in the steps list only: in a text field it deletes a character.
        self.delete_step_action = QAction("Remove the selected step", self.steps)
        self.delete_step_action.setShortcut(QKeySequence.StandardKey.Delete)
        self.delete_step_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.delete_step_action.triggered.connect(self._remove_step)
        self.steps.addAction(self.delete_step_action)
        self.duplicate_step.clicked.connect(self._duplicate_step)
        self.step_up.clicked.connect(lambda: self._move_step(-1))
        self.step_down.clicked.connect(lambda: self._move_step(+1))
        document.validated.connect(self._update_funnel)
        document.replaced.connect(lambda: self.select_journey(0))
        self._update_funnel()
        self.select_journey(0)

    # -- selection -----------------------------------------------------------

    def current_journey(self) -> int | None:
        return self.steps_model.journey

    def current_step(self) -> int | None:
        index = self.steps.currentIndex()
        return index.row() if index.isValid() else None

    def select_journey(self, row: int) -> None:
        count = self.journeys_model.rowCount()
        if count == 0:
            self.steps_model.set_journey(None)
            self.editor.set_step(None)
            return
        row = max(0, min(row, count - 1))
        self.journeys.selectionModel().setCurrentIndex(
            self.journeys_model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        if self.steps_model.journey != row:
            self._journey_selected(self.journeys_model.index(row, 0))

    def select_step(self, row: int) -> None:
        count = self.steps_model.rowCount()
        if count == 0:
            self.editor.set_step(None)
            return
        row = max(0, min(row, count - 1))
        self.steps.selectionModel().setCurrentIndex(
            self.steps_model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self._step_selected(self.steps_model.index(row, 0))

    def _journey_selected(self, current: QModelIndex, *_: object) -> None:
        journey = current.row() if current.isValid() else None
        if journey == self.steps_model.journey:
            return
        self.steps_model.set_journey(journey)
        self.select_step(0)

    def _journeys_reset(self) -> None:
        previous = self.steps_model.journey
        self.select_journey(previous if previous is not None else 0)

    def _step_selected(self, current: QModelIndex, *_: object) -> None:
        journey = self.steps_model.journey
        if current.isValid() and journey is not None:
            self.editor.set_step(("journeys", journey, "steps", current.row()))
        else:
            self.editor.set_step(None)

    def _steps_reset(self) -> None:
        path = self.editor.path
        self.select_step(int(path[3]) if path is not None else 0)

    def _step_moved(self, *_: object) -> None:
        self._step_selected(self.steps.currentIndex())

    # -- edits ---------------------------------------------------------------

    def _add_journey(self) -> None:
        names = {
            str(self.journeys_model.index(r, 0).data())
            for r in range(self.journeys_model.rowCount())
        }
        n = 1
        while f"journey {n}" in names:
            n += 1
        row = self.journeys_model.add_journey(f"journey {n}")
        self.select_journey(row)

    def _remove_journey(self) -> None:
        journey = self.current_journey()
        if journey is not None:
            self.journeys_model.remove_journey(journey)
            self.select_journey(journey)

    def add_step_of(self, kind: str) -> None:
        """Add a ``kind`` step after the selected step (at the end when none)."""
        if self.current_journey() is None:
            return
        step = self.current_step()
        row = self.steps_model.insert_step(
            step + 1 if step is not None else self.steps_model.rowCount(), kind
        )
        self.select_step(row)

    def _remove_step(self) -> None:
        step = self.current_step()
        if step is not None:
            self.steps_model.remove_step(step)
            self.select_step(step)

    def _duplicate_step(self) -> None:
        step = self.current_step()
        if step is not None:
            self.select_step(self.steps_model.duplicate_step(step))

    def _move_step(self, delta: int) -> None:
        step = self.current_step()
        if step is None:
            return
        target = step + delta
        if 0 <= target < self.steps_model.rowCount():
            self.steps_model.move_step(step, target)
            self.select_step(target)

    def _update_funnel(self) -> None:
        scenario = self._document.scenario
        self.funnel.funnel_model.set_funnel(expected_funnel(scenario) if scenario else None)
