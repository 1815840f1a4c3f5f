"""A log folder for a long-running command: one file a day, the oldest removed past a size.

``nitrox-sim live --log-dir DIR`` writes what it prints into ``DIR/live-YYYY-MM-DD.log``
(the wall clock's UTC day) as well; when a new day's file opens, the oldest
files go until the folder's ``live-*.log`` files take at most ``max_bytes``.
A single day larger than that is cut: its writes stop until the next day.
"""

from __future__ import annotations

import datetime
import os
import threading
from pathlib import Path
from typing import TextIO


class DailyLog:
    """A text stream onto one file a day in ``folder``, ``max_bytes`` in all."""

    def __init__(self, folder: str, max_bytes: int, echo: TextIO | None = None) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.echo = echo
        self._lock = threading.Lock()
        self._day: str | None = None
        self._stream: TextIO | None = None
        self._written = 0

    def _file_of(self, day: str) -> Path:
        return self.folder / f"live-{day}.log"

    def _open(self, day: str) -> None:
        if self._stream is not None:
            self._stream.close()
        self._day = day
        self._prune(keep=self._file_of(day))
        path = self._file_of(day)
        self._stream = open(path, "a", encoding="utf-8")  # noqa: SIM115 (open until the day ends)
        self._written = path.stat().st_size

    def _prune(self, keep: Path) -> None:
        files = sorted(p for p in self.folder.glob("live-*.log") if p != keep)
        total = sum(p.stat().st_size for p in files)
        budget = self.max_bytes // 2  # room for today's file
        while files and total > budget:
            oldest = files.pop(0)
            total -= oldest.stat().st_size
            oldest.unlink()

    def write(self, text: str) -> int:
        if self.echo is not None:
            self.echo.write(text)
        with self._lock:
            day = datetime.datetime.now(datetime.UTC).date().isoformat()
            if day != self._day:
                self._open(day)
            assert self._stream is not None
            if self._written + len(text) <= self.max_bytes // 2:
                self._stream.write(text)
                self._written += len(text)
        return len(text)

    def flush(self) -> None:
        if self.echo is not None:
            self.echo.flush()
        with self._lock:
            if self._stream is not None:
                self._stream.flush()
                os.fsync(self._stream.fileno())

    def close(self) -> None:
        with self._lock:
            if self._stream is not None:
                self._stream.close()
                self._stream = None
