"""Locust's stats rows as a table: formatted figures, sortable, the Aggregated row pinned.

:class:`LocustStatsModel` shows each figure with thousands separators and a
fixed number of decimals and keeps the number behind it in ``SORT_ROLE``;
:class:`PinnedTotalProxy` sorts by those numbers and keeps the Aggregated
row last, in bold, whichever way the user sorts.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor, QFont
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
        "Collector good",
        "Collector bad",
        "Median ms",
        "95% ms",
        "99% ms",
        "Average ms",
        "req/s",
    )
    DECIMALS = (0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[LocustRow] = []
        # The collector's verdicts since the run began, per request name: (good, bad).
        self._verdicts: dict[str, tuple[int, int]] | None = None

    def set_verdicts(self, verdicts: dict[str, tuple[int, int]] | None) -> None:
        """The collector's verdicts per request name (None: the target does not judge)."""
        if verdicts == self._verdicts:
            return
        self._verdicts = verdicts
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 4), self.index(len(self._rows) - 1, 5), [Qt.ItemDataRole.DisplayRole]
            )

    def verdicts_of(self, row: LocustRow) -> tuple[int, int] | None:
        verdicts = self._verdicts
        if verdicts is None:
            return None
        if row.is_total:
            return sum(g for g, _ in verdicts.values()), sum(b for _, b in verdicts.values())
        return verdicts.get(row.name, (0, 0))

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
        judged = self.verdicts_of(row)
        values: tuple[str | float, ...] = (
            row.method,
            row.name,
            row.requests,
            row.failures,
            "—" if judged is None else judged[0],
            "—" if judged is None else judged[1],
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
            return -1 if isinstance(value, str) and column >= 2 else value
        if role == Qt.ItemDataRole.ForegroundRole and column == 5 and judged and judged[1]:
            return QBrush(QColor(170, 40, 20))
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
