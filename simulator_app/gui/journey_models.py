"""Qt models of the scenario's journeys and of one journey's steps.

Both adapt :class:`~simulator_app.gui.document.ScenarioDocument`: they read
the YAML document and turn every user change into an undoable edit, then
refresh when the document says it changed (which also covers undo and redo).
The steps model supports drag and drop: rows move inside the list
(``moveRows``, or the ``STEP_ROWS_MIME`` payload), and step types dragged
from the palette (``STEP_TYPE_MIME``) insert a new step where they land.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor

from simulator_app.core.contract import STEP_TYPES
from simulator_app.gui.document import ScenarioDocument
from simulator_app.gui.edits import (
    DeleteValue,
    InsertItem,
    MoveItem,
    SetValue,
    duplicate,
    get,
    to_yaml,
)
from simulator_app.gui.table_model import ColumnsModel

STEP_ROWS_MIME = "application/x-nitrox-step-rows"
STEP_TYPE_MIME = "application/x-nitrox-step-type"
AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


def _number(value: float) -> int | float:
    """Whole numbers written as integers, so files stay as the user would write them."""
    return int(value) if float(value).is_integer() else float(value)


def _range_text(value: Any) -> str:
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2:
        return f"{value[0]}–{value[1]}"
    return str(value)


def describe_step(step: Any) -> str:
    """One line saying what a step (its file form) does, for the steps list."""
    if not isinstance(step, Mapping):
        return f"(not a step: {step!r})"
    kind = str(step.get("type", "?"))
    parts = [kind]
    for key in ("page", "category", "product"):
        if key in step:
            parts.append(f"{key} {step[key]}")
    if "quantity" in step:
        parts.append(f"× {_range_text(step['quantity'])}")
    if "repeat" in step:
        parts.append(f"repeat {_range_text(step['repeat'])}")
    if "source" in step:
        parts.append(f"source {step['source']}")
    if "continue" in step:
        try:
            parts.append(f"continue {float(step['continue']):.0%}")
        except (TypeError, ValueError):
            parts.append(f"continue {step['continue']}")
    if "think" in step:
        parts.append(f"think {_range_text(step['think'])} s")
    return " · ".join(parts)


def default_step(kind: str) -> dict[str, Any]:
    """The file form of a new step of ``kind`` from the palette."""
    return {"type": kind, "page": "random"} if kind == "view" else {"type": kind}


class JourneysModel(ColumnsModel):
    """The journeys: name and weight (editable), and how many steps each has."""

    COLUMNS = ("Journey", "Weight", "Steps")

    def __init__(self, document: ScenarioDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._count = len(self._journeys())
        document.changed.connect(self._refresh)
        document.replaced.connect(self._refresh)

    def _journeys(self) -> list[Any]:
        journeys = get(self._document.data, ("journeys",), [])
        return journeys if isinstance(journeys, list) else []

    def _refresh(self, *_: object) -> None:
        count = len(self._journeys())
        if count != self._count:
            self.beginResetModel()
            self._count = count
            self.endResetModel()
        elif count:
            self.cells_changed()

    def row_count(self) -> int:
        return self._count

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() in (0, 1):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._count:
            return None
        journey = self._journeys()[index.row()]
        if not isinstance(journey, Mapping):
            return None
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == 0:
                return str(journey.get("name", ""))
            if column == 1:
                weight = journey.get("weight", 1)
                return float(weight) if role == Qt.ItemDataRole.EditRole else str(weight)
            steps = journey.get("steps", [])
            return len(steps) if isinstance(steps, list) else 0
        if role == Qt.ItemDataRole.ToolTipRole:
            problems = self._document.problems_at(("journeys", index.row()))
            return "\n".join(p.message for p in problems) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole or index.column() not in (0, 1):
            return False
        row = index.row()
        if index.column() == 0:
            name = str(value).strip()
            if not name:
                return False
            self._document.apply(SetValue(("journeys", row, "name"), name), "Rename journey")
        else:
            try:
                weight = float(value)
            except (TypeError, ValueError):
                return False
            if weight < 0:
                return False
            self._document.apply(
                SetValue(("journeys", row, "weight"), _number(weight)), "Change journey weight"
            )
        return True

    def add_journey(self, name: str) -> int:
        """Append a journey with one view step; returns its row."""
        journeys = self._journeys()
        like = journeys[-1] if journeys else None
        steps_like = get(like, ("steps",), None)
        step_like = steps_like[0] if isinstance(steps_like, list) and steps_like else None
        journey = to_yaml({"name": name, "weight": 1}, like)
        journey["steps"] = to_yaml([], steps_like)
        journey["steps"].append(to_yaml(default_step("view"), step_like))
        row = len(journeys)
        self._document.apply(InsertItem(("journeys",), row, journey), "Add journey")
        return row

    def remove_journey(self, row: int) -> None:
        self._document.apply(DeleteValue(("journeys", row)), "Remove journey")


class StepsModel(QAbstractListModel):
    """The steps of one journey, in order; rows can be dragged to reorder them."""

    def __init__(self, document: ScenarioDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._journey: int | None = None
        self._count = 0
        self._moving = False
        document.changed.connect(self._refresh)
        document.replaced.connect(self._refresh)

    @property
    def journey(self) -> int | None:
        return self._journey

    def set_journey(self, journey: int | None) -> None:
        """Show the steps of journey ``journey`` (None: no journey)."""
        self.beginResetModel()
        self._journey = journey
        self._count = len(self._steps())
        self.endResetModel()

    def steps_path(self) -> tuple[str | int, ...]:
        return ("journeys", self._journey if self._journey is not None else -1, "steps")

    def _steps(self) -> list[Any]:
        if self._journey is None:
            return []
        steps = get(self._document.data, self.steps_path(), [])
        return steps if isinstance(steps, list) else []

    def _refresh(self, *_: object) -> None:
        if self._moving:
            return
        if (
            self._journey is not None
            and get(self._document.data, ("journeys", self._journey), None) is None
        ):
            self.set_journey(None)
            return
        count = len(self._steps())
        if count != self._count:
            self.beginResetModel()
            self._count = count
            self.endResetModel()
        elif count:
            self.dataChanged.emit(self.index(0, 0), self.index(count - 1, 0))

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else self._count

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._count:
            return None
        step = self._steps()[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{index.row() + 1}. {describe_step(step)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            path = (*self.steps_path(), index.row())
            problems = self._document.problems_at(path)
            return "\n".join(f"{p.field}: {p.message}" for p in problems) or None
        if role == Qt.ItemDataRole.ForegroundRole:
            path = (*self.steps_path(), index.row())
            if self._document.problems_at(path):
                return QColor("#b00020")
        return None

    # -- edits -------------------------------------------------------------

    def _like(self) -> Any:
        steps = self._steps()
        return steps[0] if steps else None

    def insert_step(self, row: int, kind: str) -> int:
        """Insert a new ``kind`` step before ``row`` (clamped); returns its row."""
        row = max(0, min(row, self._count))
        step = to_yaml(default_step(kind), self._like())
        self._document.apply(InsertItem(self.steps_path(), row, step), f"Add {kind} step")
        return row

    def remove_step(self, row: int) -> None:
        self._document.apply(DeleteValue((*self.steps_path(), row)), "Remove step")

    def duplicate_step(self, row: int) -> int:
        copy = duplicate(self._steps()[row])
        self._document.apply(InsertItem(self.steps_path(), row + 1, copy), "Duplicate step")
        return row + 1

    def move_step(self, source: int, destination: int) -> None:
        """Move step ``source`` so it ends up at row ``destination``."""
        if source == destination or not (
            0 <= source < self._count and 0 <= destination < self._count
        ):
            return
        before = destination + 1 if destination > source else destination
        self.moveRows(_ROOT, source, 1, _ROOT, before)

    def moveRows(
        self,
        sourceParent: AnyIndex,
        sourceRow: int,
        count: int,
        destinationParent: AnyIndex,
        destinationChild: int,
    ) -> bool:
        if count != 1 or sourceParent.isValid() or destinationParent.isValid():
            return False
        if not 0 <= sourceRow < self._count or not 0 <= destinationChild <= self._count:
            return False
        if not self.beginMoveRows(_ROOT, sourceRow, sourceRow, _ROOT, destinationChild):
            return False
        final = destinationChild - 1 if destinationChild > sourceRow else destinationChild
        self._moving = True
        try:
            self._document.apply(MoveItem(self.steps_path(), sourceRow, final), "Move step")
        finally:
            self._moving = False
        self.endMoveRows()
        return True

    # -- drag and drop -----------------------------------------------------

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            # Drops land between rows, never on a step.
            return (
                Qt.ItemFlag.ItemIsDropEnabled
                if self._journey is not None
                else Qt.ItemFlag.NoItemFlags
            )
        return (
            Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
        )

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [STEP_ROWS_MIME, STEP_TYPE_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        rows = sorted({i.row() for i in indexes if i.isValid()})
        data = QMimeData()
        data.setData(STEP_ROWS_MIME, QByteArray(",".join(map(str, rows)).encode("ascii")))
        return data

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: AnyIndex
    ) -> bool:
        if self._journey is None or parent.isValid():
            return False
        return data.hasFormat(STEP_ROWS_MIME) or data.hasFormat(STEP_TYPE_MIME)

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: AnyIndex
    ) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        before = self._count if row < 0 else row
        if data.hasFormat(STEP_TYPE_MIME):
            kind = bytes(data.data(STEP_TYPE_MIME).data()).decode("ascii", "replace")
            if kind not in STEP_TYPES:
                return False
            self.insert_step(before, kind)
            return True
        text = bytes(data.data(STEP_ROWS_MIME).data()).decode("ascii", "replace")
        try:
            rows = [int(x) for x in text.split(",") if x]
        except ValueError:
            return False
        if len(rows) != 1:
            return False
        # The move is complete here; removeRows is not implemented, so a view that
        # follows a MoveAction drop with removeRows on the source removes nothing.
        return self.moveRows(_ROOT, rows[0], 1, _ROOT, before)
