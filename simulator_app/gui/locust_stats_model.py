"""Locust's stats rows as a table: formatted figures, sortable, the Aggregated row pinned.

:class:`LocustStatsModel` shows each figure with thousands separators and a
fixed number of decimals and keeps the number behind it in ``SORT_ROLE``;
:class:`PinnedTotalProxy` sorts by those numbers and keeps the Aggregated
row last, in bold, whichever way the user sorts.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

from simulator_app.exporter.locust_stats import LocustRow
from simulator_app.gui.table_model import ColumnsModel
from simulator_app.gui.widgets import number

_Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # the number behind a formatted cell


class LocustStatsModel(ColumnsModel):
    """Locust's stats rows (per request name, then the aggregate) as a table."""

    COLUMNS = (
        "Method",
        "Name",
        "Requests",
        "Failures",
        "Median ms",
        "95% ms",
        "99% ms",
        "Average ms",
        "req/s",
    )
    DECIMALS = (0, 0, 0, 0, 0, 0, 0, 1, 1)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[LocustRow] = []

    @property
    def rows(self) -> list[LocustRow]:
        return list(self._rows)

    def total(self) -> LocustRow | None:
        """The aggregate row, once Locust has written one."""
        return next((r for r in self._rows if r.is_total), None)

    def set_rows(self, rows: list[LocustRow]) -> None:
        if rows == self._rows:
            return
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_count(self) -> int:
        return len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        values: tuple[str | float, ...] = (
            row.method,
            row.name,
            row.requests,
            row.failures,
            row.median_ms,
            row.p95_ms,
            row.p99_ms,
            row.average_ms,
            row.rps,
        )
        value = values[column]
        if role == Qt.ItemDataRole.DisplayRole:
            return value if isinstance(value, str) else number(value, self.DECIMALS[column])
        if role == SORT_ROLE:
            return value
        if role == Qt.ItemDataRole.FontRole and row.is_total:
            bold = QFont()
            bold.setBold(True)
            return bold
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class PinnedTotalProxy(QSortFilterProxyModel):
    """Sorts Locust's rows by the numbers behind the cells, the Aggregated row always last."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)

    def lessThan(self, left: _Index, right: _Index) -> bool:
        source = self.sourceModel()
        assert isinstance(source, LocustStatsModel)
        rows = source.rows
        left_total, right_total = rows[left.row()].is_total, rows[right.row()].is_total
        if left_total or right_total:
            # Qt flips the result for a descending sort: flip it back so the total stays last.
            last = left_total and not right_total
            ascending = self.sortOrder() == Qt.SortOrder.AscendingOrder
            return (not last) if ascending else last
        return bool(super().lessThan(left, right))
