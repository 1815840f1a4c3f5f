"""The request log: filter bar, table, details tabs, a right-click menu, cURL copy and exports."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
)
from PySide6.QtGui import QGuiApplication, QIntValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from simulator_app.core.contract import STEP_TYPES
from simulator_app.core.har import curl_command
from simulator_app.core.record import RequestRecord
from simulator_app.core.verdicts import RunTally
from simulator_app.gui.sending.columns import RESULTS, LogFilter
from simulator_app.gui.sending.details import RequestDetails
from simulator_app.gui.sending.exporting import ExportJob
from simulator_app.gui.sending.log_model import VERDICT_COLUMN, LogModel
from simulator_app.gui.sending.store import LogStore

NEXT_PROBLEM_SLICE = 65_536  # rows looked at per step of the next-bad-row search


class _ElideRight(QStyledItemDelegate):
    """Cuts a cell's text at its end (the table cuts paths in their middle)."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideRight


class LogPanel(QWidget):
    """The request log with its filters, details pane and export buttons."""

    def __init__(self, store: LogStore | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = LogModel(store, self)
        self.store = self.model.store
        self.export_job: ExportJob | None = None
        self.tally: RunTally | None = None  # the run's counts, shown beside the rows held

        self.step_box = QComboBox()
        self.step_box.addItem("All steps", "")
        for step in STEP_TYPES:
            self.step_box.addItem(step, step)
        self.result_box = QComboBox()
        for label, value in RESULTS:
            self.result_box.addItem(label, value)
        self.visitor_edit = QLineEdit()
        self.visitor_edit.setPlaceholderText("visitor #")
        self.visitor_edit.setValidator(QIntValidator(0, 2**31 - 1, self))
        self.visitor_edit.setMaximumWidth(80)
        self.text_edit = QLineEdit()
        self.text_edit.setPlaceholderText("Search path, status, error…")
        self.text_edit.setClearButtonEnabled(True)
        self.follow = QCheckBox("Follow new rows")
        self.follow.setChecked(True)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.apply_filter)
        self.step_box.currentIndexChanged.connect(self.apply_filter)
        self.result_box.currentIndexChanged.connect(self.apply_filter)
        self.visitor_edit.textChanged.connect(self._debounce.start)
        self.text_edit.textChanged.connect(self._debounce.start)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setWordWrap(False)
        # Paths share a long ID prefix; their end (event/<type>, the payload) tells them apart.
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.verticalHeader().hide()
        # Fixed row heights and column widths: the view never measures a million rows.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        for col, width in enumerate((96, 56, 90, 50, 220, 56, 92, 400)):
            self.table.setColumnWidth(col, width)
        # The verdict's message is cut at its end (its code first), the path in its middle.
        self.table.setItemDelegateForColumn(VERDICT_COLUMN, _ElideRight(self.table))
        self.table.selectionModel().currentRowChanged.connect(self._show_current)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)

        self.details = RequestDetails()

        self.curl_button = QPushButton("Copy as cURL")
        self.curl_button.clicked.connect(self.copy_curl)
        self.export_button = QToolButton()
        self.export_button.setText("Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        for label, fmt, selection in (
            ("Selection as HAR…", "har", True),
            ("Selection as JSONL…", "jsonl", True),
            ("Everything as HAR…", "har", False),
            ("Everything as JSONL…", "jsonl", False),
        ):
            action = menu.addAction(label)
            action.triggered.connect(
                lambda _=False, f=fmt, s=selection: self.ask_export(f, selection_only=s)
            )
        self.export_button.setMenu(menu)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.clear)
        self.status = QLabel()
        # A label that resized with its text would re-lay out the window on every tick.
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        filters = QHBoxLayout()
        for widget in (self.step_box, self.result_box, self.visitor_edit):
            filters.addWidget(widget)
        filters.addWidget(self.text_edit, 1)
        filters.addWidget(self.follow)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        for button in (self.curl_button, self.export_button, self.clear_button):
            buttons.addWidget(button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.table, 1)
        left_layout.addLayout(buttons)
        # Details below the table: requests have long URLs and bodies, so they get the width.
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(left)
        split.addWidget(self.details)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self.model.scan_progress.connect(self._scan_progress)
        self.model.rowsInserted.connect(self._update_status)
        self.model.rowsRemoved.connect(self._update_status)
        self.model.modelReset.connect(self._update_status)
        self._update_status()

    # -- rows in --------------------------------------------------------------

    def ingest(self, records: Sequence[RequestRecord]) -> None:
        """Add one flush's records and keep the newest in view when following."""
        self.model.ingest(records)
        if records and self.follow.isChecked():
            self.table.scrollToBottom()

    def clear(self) -> None:
        self.model.clear()
        self.details.clear()

    # -- filters --------------------------------------------------------------

    def current_filter(self) -> LogFilter:
        step = str(self.step_box.currentData() or "")
        visitor = self.visitor_edit.text().strip()
        return LogFilter(
            steps=frozenset({step}) if step else frozenset(),
            result=str(self.result_box.currentData()),
            visitor=int(visitor) if visitor.isdigit() else None,
            text=self.text_edit.text().strip(),
        )

    def apply_filter(self) -> None:
        self._debounce.stop()
        flt = self.current_filter()
        if flt != self.model.filter:
            self.model.set_filter(flt)
            self.details.clear()

    def _scan_progress(self, share: float) -> None:
        if share < 1.0:
            self.status.setText(f"Filtering… {share * 100:.0f}%")
        else:
            self._update_status()

    def _update_status(self) -> None:
        if self.model.scanning:
            return
        shown, held = self.model.rowCount(), len(self.store)
        tally = self.tally
        counts = (
            f" · run: {tally.sent:,} sent, {tally.transport:,} failed, {tally.bad:,} judged bad"
            if tally is not None and tally.sent
            else ""
        )
        if self.model.filter.active:
            self.status.setText(f"{shown:,} of {held:,} requests match{counts}")
        else:
            self.status.setText(f"{held:,} requests in the log{counts}")
        self.status.setToolTip(tally.line() if tally is not None else "")

    def set_tally(self, tally: RunTally) -> None:
        """The run's counts (the one tally every view reads), shown in the status line."""
        self.tally = tally
        self._update_status()

    # -- the selected request -------------------------------------------------

    def selected_ids(self) -> list[int]:
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        return [self.model.row_id(r) for r in rows]

    def current_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.row_id(index.row()) if index.isValid() else None

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    def _show_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid() or current.row() >= self.model.rowCount():
            self.details.clear()
            return
        entry = self.store.entry(self.model.row_id(current.row()))
        self.details.show_record(entry.record, entry.note)

    def next_problem(self) -> bool:
        """Select the next row after the current one that failed or was judged bad (F8).

        Wraps around to the top once; False (and a line saying so) when none is shown.
        """
        store, model = self.store, self.model
        current = self.current_id()
        start = store.first if current is None else current + 1
        problem = LogFilter(result="problem")
        for begin, end in ((start, store.end), (store.first, start)):
            at = begin
            while at < end:
                stop = min(end, at + NEXT_PROBLEM_SLICE)
                for row_id in store.match(problem, at, stop):
                    row = model.row_of(row_id)
                    if row is not None:
                        self.select_row(row)
                        self.table.scrollTo(model.index(row, 0))
                        self.follow.setChecked(False)  # stay on it as rows come in
                        return True
                at = stop
        self.status.setText("No failed or bad request in the rows shown.")
        return False

    def focus_filter(self) -> None:
        """Put the cursor in the search box, its text selected (Ctrl+F)."""
        self.text_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.text_edit.selectAll()

    def _current_record(self, what: str) -> RequestRecord | None:
        row_id = self.current_id()
        if row_id is None or row_id < self.store.first:
            self.status.setText(f"Select a request to copy {what}.")
            return None
        return self.store.entry(row_id).record

    def _copy(self, text: str, message: str) -> str:
        QGuiApplication.clipboard().setText(text)
        self.status.setText(message)
        return text

    def copy_curl(self, multiline: bool = True) -> str | None:
        """Put the current request's cURL command on the clipboard; returns it."""
        record = self._current_record("it as cURL")
        if record is None:
            return None
        return self._copy(curl_command(record, multiline=multiline), "cURL command copied.")

    def copy_url(self) -> str | None:
        """Put the current request's URL, exactly as sent, on the clipboard."""
        record = self._current_record("its URL")
        return None if record is None else self._copy(record.url, "URL copied.")

    def copy_body(self) -> str | None:
        """Put the current request's body on the clipboard (nothing for a GET)."""
        record = self._current_record("its body")
        if record is None:
            return None
        if record.request_body is None:
            self.status.setText("This request has no body.")
            return None
        return self._copy(record.request_body, "Request body copied.")

    def context_menu(self) -> QMenu:
        """The right-click menu over the log's rows."""
        menu = QMenu(self)
        has_current = self.current_id() is not None
        for label, slot in (
            ("Copy as cURL", self.copy_curl),
            ("Copy URL", self.copy_url),
            ("Copy body", self.copy_body),
        ):
            action = menu.addAction(label)
            action.setEnabled(has_current)
            action.triggered.connect(lambda _=False, f=slot: f())
        menu.addSeparator()
        export = menu.addAction("Export selection as HAR…")
        export.setEnabled(bool(self.table.selectionModel().selectedRows()))
        export.triggered.connect(lambda _=False: self.ask_export("har", selection_only=True))
        return menu

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if index.isValid() and not self.table.selectionModel().isRowSelected(index.row()):
            self.select_row(index.row())
        self.context_menu().exec(self.table.viewport().mapToGlobal(pos))

    # -- exports --------------------------------------------------------------

    def ask_export(self, fmt: str, selection_only: bool) -> None:
        pattern = "HAR files (*.har)" if fmt == "har" else "JSON Lines (*.jsonl)"
        name, _ = QFileDialog.getSaveFileName(self, "Export requests", f"requests.{fmt}", pattern)
        if name:
            self.export(Path(name), fmt, selection_only)

    def export(self, path: Path, fmt: str, selection_only: bool) -> ExportJob | None:
        """Start writing the selection (or every shown row) to ``path``."""
        if self.export_job is not None and self.export_job.running:
            self.status.setText("An export is already running.")
            return None
        if selection_only:
            ids: Sequence[int] = self.selected_ids()
            if not ids:
                self.status.setText("Select the requests to export first.")
                return None
        elif self.model.scanning:
            self.status.setText("The filter is still being applied: export when it is done.")
            return None
        else:
            ids = self.model.shown_ids()
        job = ExportJob(self.store, ids, path, fmt, self)
        job.progress.connect(lambda done, total: self.status.setText(f"Exporting {done}/{total}…"))
        job.finished.connect(self.status.setText)
        self.export_job = job
        job.start()
        return job

    def shutdown(self) -> None:
        if self.export_job is not None:
            self.export_job.cancel()
