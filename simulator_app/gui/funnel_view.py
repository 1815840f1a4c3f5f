"""The funnel the scenario implies: the share of visitors reaching each step type.

:class:`FunnelModel` adapts a :class:`~simulator_app.core.funnel.Funnel`
(from :func:`~simulator_app.core.funnel.expected_funnel`); the view draws
each share as a bar so the drop between steps is visible at a glance.
:class:`FunnelTargets` works back from the shares a dashboard should show
(``buy=3%``): :func:`~simulator_app.core.targets.solve` finds the ``continue``
probabilities, written into the scenario as one undoable edit.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from simulator_app.core.funnel import FUNNEL_ORDER, Funnel
from simulator_app.core.targets import Change, TargetError, parse_target, solve
from simulator_app.gui.document import ScenarioDocument
from simulator_app.gui.edits import Compound, DeleteValue, Edit, SetValue, get
from simulator_app.gui.table_model import ColumnsModel
from simulator_app.gui.widgets import ProblemLabel

AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
SHARE_ROLE = Qt.ItemDataRole.UserRole + 1


class FunnelModel(ColumnsModel):
    """Step type, share of visitors and a bar, in funnel order."""

    COLUMNS = ("Step", "Visitors", "")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, float]] = [(t, 0.0) for t in FUNNEL_ORDER]
        self.available = False  # False while there is no valid scenario to work it out from

    def set_funnel(self, funnel: Funnel | None) -> None:
        """Show ``funnel`` (None: unavailable, e.g. while the scenario has problems)."""
        rows = funnel.ordered() if funnel is not None else [(t, 0.0) for t in FUNNEL_ORDER]
        self._rows = rows
        self.available = funnel is not None
        self.cells_changed()

    def share(self, step_type: str) -> float:
        return dict(self._rows).get(step_type, 0.0)

    def row_count(self) -> int:
        return len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        kind, share = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 0:
                return kind
            if index.column() == 1:
                return f"{share:.1%}" if self.available else "unavailable"
            return None
        if role == Qt.ItemDataRole.ToolTipRole and not self.available:
            return "funnel unavailable: the scenario has problems (see the Problems list)"
        if role == SHARE_ROLE:
            return share
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class BarDelegate(QStyledItemDelegate):
    """Draws a cell's ``SHARE_ROLE`` value (0..1) as a horizontal bar."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        super().paint(painter, option, index)
        share = index.data(SHARE_ROLE)
        if not isinstance(share, float) or share <= 0:
            return
        rect = option.rect.adjusted(2, 4, -2, -4)
        rect.setWidth(max(1, round(rect.width() * min(share, 1.0))))
        painter.save()
        painter.fillRect(rect, QColor("#3d7edb"))
        painter.restore()


class FunnelView(QTableView):
    """A compact table of the expected funnel with bars."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.funnel_model = FunnelModel(self)
        self.setModel(self.funnel_model)
        self.setItemDelegateForColumn(2, BarDelegate(self))
        self.verticalHeader().hide()
        self.setSelectionMode(QTableView.SelectionMode.NoSelection)
        self.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)


def parse_targets(text: str) -> dict[str, float]:
    """``"buy=3%, checkout=10%"`` → ``{"buy": 0.03, "checkout": 0.1}``; ValueError says why not."""
    parts = [p for p in text.replace(";", ",").split(",") if p.strip()]
    if not parts:
        raise ValueError("type the shares to reach, e.g. buy=3%, checkout=10%")
    return dict(parse_target(part) for part in parts)


def change_edits(document: ScenarioDocument, changes: list[Change]) -> list[Edit]:
    """The edits that write ``changes`` (a certain step loses its ``continue`` key, as in the CLI)."""
    edits: list[Edit] = []
    for change in changes:
        path = ("journeys", change.journey, "steps", change.step, "continue")
        present = get(document.data, path, None) is not None
        if change.after == 1.0:
            if present:
                edits.append(DeleteValue(path))
        else:
            edits.append(SetValue(path, change.after))
    return edits


class FunnelTargets(QWidget):
    """A line for the shares a dashboard should show, and Apply (one undoable edit)."""

    def __init__(self, document: ScenarioDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self.shares = QLineEdit()
        self.shares.setPlaceholderText("target shares, e.g. buy=3%, checkout=10%")
        self.shares.setToolTip(
            "the share of visitors each step should reach; Apply sets the continue"
            " probabilities that give it"
        )
        self.apply_button = QPushButton("Apply")
        self.message = ProblemLabel()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.shares, 1)
        row.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.apply_button.clicked.connect(self.apply)
        self.shares.returnPressed.connect(self.apply)

    def apply(self) -> bool:
        """Write the drop-offs for the typed shares; False (with the reason) when impossible."""
        scenario = self._document.scenario
        if scenario is None:
            self.message.show_message("Fix the scenario's problems first.")
            return False
        try:
            targets = parse_targets(self.shares.text())
            _, changes = solve(scenario, targets)
        except (ValueError, TargetError) as exc:
            self.message.show_message(str(exc))
            return False
        shown = ", ".join(f"{kind}={share:.1%}" for kind, share in targets.items())
        edits = change_edits(self._document, changes)
        if edits:
            self._document.apply(Compound(tuple(edits)), f"Drop-offs for {shown}")
        self.message.show_message(None)
        return True
