"""Ctrl-C and SIGTERM as notes, not exceptions: a command stops when it is ready to.

Python turns SIGINT into a KeyboardInterrupt wherever the main thread is: in
an import, in the middle of printing a summary, in the ``finally`` that
closes a log. ``nitrox-sim run`` must instead stop sending, print its summary
and complete its log whenever the signal comes, even twice in a row. So the
console script (:func:`simulator_app.cli.main`) installs :class:`Interrupts`
before it imports any command, and the command polls it.

This module imports nothing but the standard library's signal and threading.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

CAUGHT = (signal.SIGINT, signal.SIGTERM)


class Interrupts:
    """The signals received while installed, in order."""

    def __init__(self) -> None:
        self.received: list[int] = []
        self._previous: dict[int, Any] = {}

    def _note(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)

    def install(self) -> Interrupts:
        """Note SIGINT and SIGTERM from now on (only the main thread may; elsewhere a no-op)."""
        if threading.current_thread() is threading.main_thread() and not self._previous:
            for signum in CAUGHT:
                self._previous[signum] = signal.signal(signum, self._note)
        return self

    def restore(self) -> None:
        """Give the signals back to the handlers they had (Ctrl-C raises again)."""
        for signum, handler in self._previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        self._previous.clear()

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Ctrl-C raises KeyboardInterrupt again while inside (to leave a question unanswered)."""
        installed = bool(self._previous)
        self.restore()
        try:
            yield
        finally:
            if installed:
                self.install()

    @property
    def first(self) -> int | None:
        """The first signal received, or None."""
        return self.received[0] if self.received else None
