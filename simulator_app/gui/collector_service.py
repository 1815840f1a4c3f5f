"""The embedded collector as the app sees it: started off the GUI thread, polled once a second.

:class:`CollectorService` starts :class:`~simulator_app.collector.EmbeddedCollector`
on a worker thread (starting binds a port and waits for uvicorn), reports the
outcome on the GUI thread through queued signals, and polls ``summary()``
with a ``QTimer`` while it runs. ``stop()`` waits for the start thread and
stops the server, so nothing is left behind on quit or after a test.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from simulator_app.collector.geo import DEFAULT_HEADER as DEFAULT_CLIENT_IP_HEADER

if TYPE_CHECKING:  # imported by start(): the web server's modules load after the first paint
    from simulator_app.collector import EmbeddedCollector

POLL_MS = 1000


class CollectorService(QObject):
    """Runs the embedded collector for the app.

    Signals:
        started(str): the collector accepts requests at this base URL.
        failed(str): it could not start; one line saying why (e.g. the port is taken).
        stopped(): it was stopped.
        summary_changed(dict): its latest ``summary()`` (total, good, bad, by_type, ...).
    """

    started = Signal(str)
    failed = Signal(str)
    stopped = Signal()
    summary_changed = Signal(dict)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._collector: EmbeddedCollector | None = None
        self._pending: EmbeddedCollector | None = None  # started or starting, maybe undelivered
        self._thread: threading.Thread | None = None
        self._generation = 0
        self.url: str | None = None
        self.error: str | None = None
        self.summary: dict[str, Any] = {}
        # How the scenario sends: the collector judges that form and reads that header.
        self.full_cart = False
        self.client_ip_header: str | None = DEFAULT_CLIENT_IP_HEADER
        # HTTPS (see collector.tls): a CA made for this app's session, in a folder of its
        # own; ``ca`` is its certificate once a collector serves HTTPS.
        self.tls = False
        self.ca: str | None = None
        self._tls_folder: str | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)
        self._started_internal.connect(self._on_started)
        self._failed_internal.connect(self._on_failed)

    # Emitted from the worker thread; queued to the GUI thread.
    _started_internal = Signal(int, object, str)
    _failed_internal = Signal(int, str)

    @property
    def running(self) -> bool:
        return self.url is not None

    @property
    def starting(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, port: int = 0) -> None:
        """Start on 127.0.0.1:``port`` (0: any free port); stops a running one first."""
        from simulator_app.collector import CollectorStartError, EmbeddedCollector

        self.stop()
        self.error = None
        collector = EmbeddedCollector(
            host="127.0.0.1",
            port=port,
            db=":memory:",
            full_cart=self.full_cart,
            client_ip_header=self.client_ip_header,
            tls=self.tls,
            tls_folder=self._folder() if self.tls else None,
        )
        self._pending = collector
        generation = self._generation

        def work() -> None:
            try:
                url = collector.start()
            except CollectorStartError as exc:
                self._failed_internal.emit(generation, str(exc))
            except OSError as exc:  # a bind error the collector did not word itself
                message = f"the collector could not start: {exc.strerror or exc}"
                self._failed_internal.emit(generation, message)
            else:
                self._started_internal.emit(generation, collector, url)

        self._thread = threading.Thread(target=work, name="collector-start", daemon=True)
        self._thread.start()

    def _folder(self) -> str:
        if self._tls_folder is None:
            self._tls_folder = tempfile.mkdtemp(prefix="nitrox-sim-app-tls-")
            atexit.register(shutil.rmtree, self._tls_folder, True)
        return self._tls_folder

    def judge_as(self, full_cart: bool, client_ip_header: str | None) -> None:
        """Judge the full-cart form or not, read ``client_ip_header`` (None: off), now and later."""
        self.full_cart, self.client_ip_header = full_cart, client_ip_header
        for collector in (self._collector, self._pending):
            if collector is not None:
                collector.full_cart = full_cart
                collector.client_ip_header = client_ip_header

    def _on_started(self, generation: int, collector: EmbeddedCollector, url: str) -> None:
        if generation != self._generation:
            return  # stopped meanwhile; stop() already stopped this collector
        self._collector = collector
        self.url = url
        self.ca = collector.certificate.ca if collector.certificate is not None else None
        self.started.emit(url)
        self.poll()
        self._timer.start()

    def _on_failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self.error = message
        self.failed.emit(message)

    def poll(self) -> None:
        """Read the collector's counts now (the timer does this every second)."""
        collector = self._collector
        if collector is None:
            return
        self.summary = collector.summary()
        self.summary_changed.emit(self.summary)

    def recent_bad(self, limit: int = 20) -> list[dict[str, Any]]:
        collector = self._collector
        return collector.recent_bad(limit) if collector is not None else []

    def wait_started(self, timeout: float = 10.0) -> None:
        """Block until the start attempt ends (tests and the screenshot script)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def stop(self) -> None:
        """Stop the collector (waiting for a start in progress) and the polling."""
        self._timer.stop()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._generation += 1  # a start whose signal is still queued is now stale
        # The pending collector covers one that started but was not delivered yet.
        collector, self._pending, self._collector = self._pending, None, None
        was_running = self.url is not None
        self.url = None
        self.ca = None
        self.summary = {}
        if collector is not None:
            collector.stop()
        if was_running:
            self.stopped.emit()
