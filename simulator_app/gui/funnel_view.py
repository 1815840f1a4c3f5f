"""The funnel the scenario implies: the share of visitors reaching each step type.

:class:`FunnelModel` adapts a :class:`~simulator_app.core.funnel.Funnel`
(from :func:`~simulator_app.core.funnel.expected_funnel`); the view draws
each share as a bar so the drop between steps is visible at a glance.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from simulator_app.core.funnel import FUNNEL_ORDER, Funnel
from simulator_app.gui.table_model import ColumnsModel

AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
SHARE_ROLE = Qt.ItemDataRole.UserRole + 1


class FunnelModel(ColumnsModel):
    """Step type, share of visitors and a bar, in funnel order."""

    COLUMNS = ("Step", "Visitors", "")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, float]] = [(t, 0.0) for t in FUNNEL_ORDER]

    def set_funnel(self, funnel: Funnel | None) -> None:
        """Show ``funnel`` (None: every share 0, e.g. while the scenario has problems)."""
        rows = funnel.ordered() if funnel is not None else [(t, 0.0) for t in FUNNEL_ORDER]
        self._rows = rows
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
                return f"{share:.1%}"
            return None
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
