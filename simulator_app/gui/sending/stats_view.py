"""The stats tab's widgets: endpoint table, requests-per-second chart, funnel table."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from simulator_app.core.stats import StatsRow
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
    """Per endpoint: requests, failures, p50/p95/p99 and mean latency (ms)."""

    COLUMNS = ("Endpoint", "Requests", "Failures", "p50", "p95", "p99", "Mean")

    def refresh(self, rows: list[StatsRow]) -> None:
        self.set_rows(
            [
                (
                    r.name,
                    str(r.count),
                    str(r.failures),
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


class RpsChart(QWidget):
    """Requests per second over the last minutes, drawn with QPainter (no QtCharts here)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.points: list[tuple[int, int]] = []
        self.setMinimumHeight(110)

    def set_points(self, points: list[tuple[int, int]]) -> None:
        self.points = points
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, painter: QPainter) -> None:
        rect = self.rect().adjusted(44, 8, -8, -18)
        painter.fillRect(self.rect(), self.palette().base())
        painter.setPen(QPen(self.palette().mid().color()))
        painter.drawRect(rect)
        if not self.points or rect.width() < 10 or rect.height() < 10:
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "requests per second")
            return
        top = max(count for _, count in self.points) or 1
        text = self.palette().text().color()
        painter.setPen(text)
        painter.drawText(0, rect.top() + 10, f"{top}/s")
        painter.drawText(0, rect.bottom(), "0")
        points = (
            self.points if len(self.points) > 1 else self.points * 2
        )  # one second: a level line
        span = len(points) - 1
        painter.drawText(rect.left(), rect.bottom() + 14, f"{len(self.points)} s")
        line = QPolygonF(
            [
                QPointF(
                    rect.left() + rect.width() * i / span,
                    rect.bottom() - rect.height() * count / top,
                )
                for i, (_, count) in enumerate(points)
            ]
        )
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(30, 110, 200), 2))
        painter.drawPolyline(line)


def _table(model: ColumnsModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class StatsPanel(QWidget):
    """The stats tab: totals line, endpoint table, requests-per-second chart, funnel."""

    def __init__(self, stats: LiveStats, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stats = stats
        self.summary = QLabel("No requests yet.")
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.endpoints = StatsModel(self)
        self.funnel = FunnelModel(self)
        self.chart = RpsChart()
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(_table(self.endpoints), 3)
        layout.addWidget(QLabel("Requests per second"))
        layout.addWidget(self.chart, 2)
        layout.addWidget(QLabel("Funnel: share of visitors reaching each step"))
        layout.addWidget(_table(self.funnel), 3)
        self.refresh()

    def refresh(self) -> None:
        """Show the figures as they are now (called once per flush tick)."""
        stats = self.stats
        self.endpoints.refresh(stats.table.rows() if stats.requests else [])
        self.funnel.refresh(stats.funnel_rows())
        self.chart.set_points(stats.rates())
        if stats.requests:
            self.summary.setText(
                f"{stats.requests} requests, {stats.failures} failed,"
                f" {stats.measured.visitors} visitors"
            )
        else:
            self.summary.setText("No requests yet.")
