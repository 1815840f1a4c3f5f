"""Writing log rows to a file a slice at a time, so a big export never freezes the window."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from PySide6.QtCore import QObject, QTimer, Signal

from simulator_app.core.har import HarWriter, jsonl_line, package_version
from simulator_app.gui.sending.store import LogStore

EXPORT_SLICE = 2_000  # rows written per event-loop turn
FORMATS = ("har", "jsonl")


class ExportJob(QObject):
    """Writes the rows ``ids`` of ``store`` to ``path`` as HAR 1.2 or JSONL.

    Signals: ``progress(int done, int total)``; ``finished(str message)``
    once the file is complete (or could not be written: the message says so).
    Rows trimmed from the log before their turn are skipped and counted.
    """

    progress = Signal(int, int)
    finished = Signal(str)

    def __init__(
        self, store: LogStore, ids: Sequence[int], path: Path, fmt: str, parent: QObject | None
    ) -> None:
        super().__init__(parent)
        if fmt not in FORMATS:
            raise ValueError(f"unknown export format {fmt!r}")
        self.store, self.ids, self.path, self.fmt = store, ids, path, fmt
        self.done = self.written = self.rebuilt = self.dropped = 0
        self.message = ""
        self._out: TextIO | None = None
        self._har: HarWriter | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._slice)

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        try:
            self._out = self.path.open("w", encoding="utf-8", newline="\n")
            if self.fmt == "har":
                self._har = HarWriter(self._out, package_version())
        except OSError as exc:
            self._finish(f"Could not write {self.path}: {exc.strerror or exc}")
            return
        self._timer.start()

    def cancel(self) -> None:
        if self._out is not None:
            self._finish(f"Export to {self.path} cancelled after {self.written} requests.")

    def _slice(self) -> None:
        assert self._out is not None
        store, stop = self.store, min(len(self.ids), self.done + EXPORT_SLICE)
        try:
            for row_id in self.ids[self.done : stop]:
                if row_id < store.first:
                    self.dropped += 1
                    continue
                entry = store.entry(row_id)
                self.rebuilt += not entry.complete
                if self._har is not None:
                    self._har.add(entry.record, entry.note)
                else:
                    self._out.write(jsonl_line(entry.record, entry.note))
                self.written += 1
        except OSError as exc:
            self._finish(f"Could not write {self.path}: {exc.strerror or exc}")
            return
        self.done = stop
        self.progress.emit(self.done, len(self.ids))
        if self.done >= len(self.ids):
            if self._har is not None:
                self._har.close()
            extra = []
            if self.rebuilt:
                extra.append(f"{self.rebuilt} rebuilt from the scenario without their response")
            if self.dropped:
                extra.append(f"{self.dropped} left the log before they could be written")
            note = f" ({'; '.join(extra)})" if extra else ""
            self._finish(f"Exported {self.written} requests to {self.path}{note}.")

    def _finish(self, message: str) -> None:
        self._timer.stop()
        if self._out is not None:
            self._out.close()
            self._out = None
        self.message = message
        self.finished.emit(message)
