"""The one door from sending threads to the GUI: a locked pending buffer.

Worker threads call :meth:`PendingBuffer.put` with batches; the GUI's flush
timer takes everything in one :meth:`take` per tick. No Qt signal crosses
threads per request (that is what stalls a GUI at thousands of requests/s).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from simulator_app.core.record import RequestRecord


class PendingBuffer:
    """Records waiting for the next flush; safe to fill from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RequestRecord] = []

    def put(self, records: Iterable[RequestRecord]) -> None:
        with self._lock:
            self._items.extend(records)

    def take(self) -> list[RequestRecord]:
        """Everything pending, oldest first; the buffer is empty afterwards."""
        with self._lock:
            items, self._items = self._items, []
        return items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
