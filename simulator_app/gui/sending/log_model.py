"""The request log's Qt model: one table model over the bounded :class:`LogStore`.

Rows arrive in batches (:meth:`LogModel.ingest`, once per flush tick): the
oldest rows beyond capacity go with one ``beginRemoveRows`` and the new ones
come with one ``beginInsertRows``. Filtering happens in the store, not in a
proxy: with a filter the model shows a list of matching row ids, built by a
scan that runs in slices of :data:`SCAN_SLICE` rows between events, so
changing a filter over a million rows never freezes the window.
"""

from __future__ import annotations

import bisect
import time
from array import array
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from simulator_app.core.record import RequestRecord
from simulator_app.gui.sending.columns import LogFilter
from simulator_app.gui.sending.describe import verdict_label
from simulator_app.gui.sending.store import LogStore, Row

# The Verdict sits before the long Path, which comes last: it is never scrolled away.
COLUMNS: tuple[str, ...] = (
    "Time",
    "Visitor",
    "Step",
    "Status",
    "Verdict",
    "Method",
    "Latency (ms)",
    "Path",
)
VERDICT_COLUMN = COLUMNS.index("Verdict")
PATH_COLUMN = COLUMNS.index("Path")
SCAN_SLICE = 40_000  # rows a filter scan looks at per event-loop turn
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_FAILED = QBrush(QColor(190, 30, 30))
_BAD = QBrush(QColor(170, 80, 0))  # answered, but the receiver judged it bad
Index = QModelIndex | QPersistentModelIndex
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_ROLES = frozenset({_DISPLAY, _FOREGROUND, _TOOLTIP, _ALIGN, _BACKGROUND})
# The Verdict cell as a chip: its background says the verdict before the words are read.
_CHIPS = {
    "bad": QBrush(QColor(250, 222, 220)),
    "failed": QBrush(QColor(250, 222, 220)),
    "warn": QBrush(QColor(253, 239, 208)),
    "good": QBrush(QColor(222, 242, 226)),
}
_CELL_CACHE = 1024  # formatted rows kept: a screenful or two
Cells = tuple[str, str, str, str, str, str, str, str, QBrush | None, str | None, QBrush | None]


def clock(epoch: float) -> str:
    """Local wall-clock time with milliseconds: 14:03:27.412."""
    return time.strftime("%H:%M:%S", time.localtime(epoch)) + f".{int(epoch % 1 * 1000):03d}"


def _format(row: Row) -> Cells:
    verdict = "failed" if row.failed else row.verdict or ""
    return (
        clock(row.time),
        str(row.visitor),
        row.step,
        "—" if row.status is None else str(row.status),
        ("failed · " if row.failed else "") + verdict_label(row.verdict, row.verdict_message),
        row.method,
        f"{row.latency_ms:.1f}",
        row.path,
        _FAILED if row.failed else _BAD if row.verdict == "bad" else None,
        "\n".join(t for t in (row.error, row.verdict_message) if t) or None,
        _CHIPS.get(verdict),
    )


class LogModel(QAbstractTableModel):
    """The log table's model.

    Signals: ``scan_progress(float)`` while a filter scan runs (0..1, then 1.0
    when done).
    """

    scan_progress = Signal(float)

    def __init__(self, store: LogStore | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self.store = store if store is not None else LogStore()
        self._filter = LogFilter()
        self._count = len(self.store)  # unfiltered: rows shown = store rows, first..first+count
        self._ids: array[int] | None = None  # filtered: the matching row ids, ascending
        self._cursor = self.store.first  # filtered: next row id the scan looks at
        self._cells: dict[int, Cells] = {}  # row id -> formatted cells
        self._scan = QTimer(self)
        self._scan.setInterval(0)
        self._scan.timeout.connect(self._scan_slice)

    # -- Qt model interface ---------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return self._count if self._ids is None else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return str(section + 1)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called ~10 times per visible cell on every repaint: plain int roles and a
        # small cache of formatted rows keep a repaint of the log to a few ms.
        if role not in _ROLES or not index.isValid():
            return None
        col = index.column()
        if role == _ALIGN:
            return _RIGHT if col in (1, 3, 6) else None
        row = index.row()
        if row >= self.rowCount():
            return None
        row_id = self.row_id(row)
        cells = self._cells.get(row_id)
        if cells is None:
            if len(self._cells) > _CELL_CACHE:
                self._cells.clear()
            cells = self._cells[row_id] = _format(self.store.row(row_id))
        if role == _DISPLAY:
            return cells[col]
        if role == _FOREGROUND:
            return cells[8]
        if role == _BACKGROUND:
            return cells[10] if col == VERDICT_COLUMN else None
        return cells[9]  # tooltip: the error and the verdict's message

    # -- rows -----------------------------------------------------------------

    def row_id(self, row: int) -> int:
        """The store's id of the model's ``row``."""
        return self.store.first + row if self._ids is None else self._ids[row]

    def row_of(self, row_id: int) -> int | None:
        """The model's row showing store row ``row_id``; None when it is not shown."""
        if self._ids is None:
            row = row_id - self.store.first
            return row if 0 <= row < self._count else None
        at = bisect.bisect_left(self._ids, row_id)
        return at if at < len(self._ids) and self._ids[at] == row_id else None

    def shown_ids(self) -> Sequence[int]:
        """The store ids of every row shown now, in order (a snapshot)."""
        if self._ids is None:
            return range(self.store.first, self.store.first + self._count)
        return array("q", self._ids)

    @property
    def filter(self) -> LogFilter:
        return self._filter

    @property
    def scanning(self) -> bool:
        return self._ids is not None and self._cursor < self.store.end

    def ingest(self, records: Sequence[RequestRecord]) -> None:
        """Take one flush's records: trim the head once, insert the tail once."""
        if not records:
            return
        store = self.store
        drop = store.overflow(len(records))
        if drop:
            self._remove_head(drop)
        first_new = store.end
        store.append(records)  # never over capacity: the head made room above
        if self._ids is None:
            added = store.end - max(first_new, store.first)
            if added:
                self.beginInsertRows(QModelIndex(), self._count, self._count + added - 1)
                self._count += added
                self.endInsertRows()
        elif self._cursor >= first_new:
            # The scan has caught up: test the new rows now rather than on a later slice.
            self._cursor = max(self._cursor, first_new)
            self._scan_to(store.end)

    def _remove_head(self, drop: int) -> None:
        """Trim the store's ``drop`` oldest rows, removing the shown ones in one go."""
        new_first = self.store.first + drop
        if self._ids is None:
            gone = min(self._count, drop)
        else:
            gone = bisect.bisect_left(self._ids, new_first)
        if gone:
            self.beginRemoveRows(QModelIndex(), 0, gone - 1)
        self.store.trim(drop)
        if self._ids is None:
            self._count -= gone
        else:
            del self._ids[:gone]
            self._cursor = max(self._cursor, self.store.first)
        if gone:
            self.endRemoveRows()

    def clear(self) -> None:
        """Forget every row."""
        self.beginResetModel()
        self.store.clear()
        self._cells.clear()  # row ids start again from 0
        self._count = 0
        if self._ids is not None:
            self._ids = array("q")
        self._cursor = 0
        self.endResetModel()

    # -- filtering ------------------------------------------------------------

    def set_filter(self, flt: LogFilter) -> None:
        """Show only the rows passing ``flt``; the scan fills the view slice by slice."""
        self.beginResetModel()
        self._filter = flt
        if flt.active:
            self._ids = array("q")
            self._cursor = self.store.first
        else:
            self._ids = None
            self._count = len(self.store)
        self.endResetModel()
        if flt.active:
            self._scan.start()
        else:
            self._scan.stop()
            self.scan_progress.emit(1.0)

    def _scan_slice(self) -> None:
        if self._ids is None:
            self._scan.stop()
            return
        self._scan_to(min(self.store.end, self._cursor + SCAN_SLICE))
        if not self.scanning:
            self._scan.stop()
            self.scan_progress.emit(1.0)
        else:
            span = max(1, len(self.store))
            self.scan_progress.emit((self._cursor - self.store.first) / span)

    def _scan_to(self, stop: int) -> None:
        assert self._ids is not None
        start = max(self._cursor, self.store.first)
        found = self.store.match(self._filter, start, stop)
        self._cursor = max(start, stop)
        if found:
            first = len(self._ids)
            self.beginInsertRows(QModelIndex(), first, first + len(found) - 1)
            self._ids.extend(found)
            self.endInsertRows()

    def finish_scan(self) -> None:
        """Scan everything left now (exports and tests want the full filtered view)."""
        if self._ids is not None:
            self._scan.stop()
            self._scan_to(self.store.end)
            self.scan_progress.emit(1.0)
