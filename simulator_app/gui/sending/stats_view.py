"""The stats tables under the dashboard's charts: a totals line, endpoints, the funnel."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from simulator_app.core.stats import StatsRow
from simulator_app.core.words import plural
from simulator_app.gui.sending.live_stats import LiveStats
from simulator_app.gui.table_model import ColumnsModel

Index = QModelIndex | QPersistentModelIndex
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class _TableModel(ColumnsModel):
    """A small read-only table whose rows are replaced wholesale on refresh."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, ...]] = []

    def row_count(self) -> int:
        return len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if index.column() > 0 else None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._rows[index.row()][index.column()]
        return None

    def set_rows(self, rows: list[tuple[str, ...]]) -> None:
        if len(rows) == len(self._rows) and [r[0] for r in rows] == [r[0] for r in self._rows]:
            # Same rows, new figures: keep the selection and scroll position.
            self._rows = rows
            self.cells_changed()
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def text(self, row: int, column: int) -> str:
        return self._rows[row][column]


class StatsModel(_TableModel):
    """Per endpoint: requests, failures, bad verdicts, p50/p95/p99 and mean latency (ms)."""

    COLUMNS = ("Endpoint", "Requests", "Failures", "Judged bad", "p50", "p95", "p99", "Mean")

    def refresh(self, rows: list[StatsRow], bad: dict[str, int] | None = None) -> None:
        bad = bad or {}
        total_bad = sum(bad.values())
        self.set_rows(
            [
                (
                    r.name,
                    str(r.count),
                    str(r.failures),
                    str(total_bad if r.name == "Total" else bad.get(r.name, 0)),
                    f"{r.p50:g}",
                    f"{r.p95:g}",
                    f"{r.p99:g}",
                    f"{r.mean:.1f}",
                )
                for r in rows
            ]
        )


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


class FunnelModel(_TableModel):
    """Per step type: the share of visitors the scenario implies and the share measured."""

    COLUMNS = ("Step", "Expected", "Measured")

    def refresh(self, rows: list[tuple[str, float | None, float | None]]) -> None:
        self.set_rows([(t, _share(e), _share(m)) for t, e, m in rows])


def _table(model: ColumnsModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class StatsPanel(QWidget):
    """A totals line above the endpoint table and the funnel table, side by side."""

    def __init__(self, stats: LiveStats, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stats = stats
        self.summary = QLabel("No requests yet.")
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.endpoints = StatsModel(self)
        self.funnel = FunnelModel(self)
        tables = QHBoxLayout()
        tables.addWidget(_table(self.endpoints), 3)
        tables.addWidget(_table(self.funnel), 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addLayout(tables, 1)
        self.refresh()

    def refresh(self) -> None:
        """Show the figures as they are now (called once per flush tick)."""
        stats = self.stats
        self.endpoints.refresh(stats.table.rows() if stats.requests else [], stats.bad_by_name)
        self.funnel.refresh(stats.funnel_rows())
        if stats.requests:
            self.summary.setText(
                f"{stats.tally.line()} · {plural(stats.measured.visitors, 'visitor')}"
            )
        else:
            self.summary.setText("No requests yet.")
