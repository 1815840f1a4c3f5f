"""The collector inside another process: ``nitrox-sim run`` and the desktop app start it here.

:class:`EmbeddedCollector` runs uvicorn in a background thread on a free port
and stops it gracefully, flushing the store, so a run's requests can be judged
without a second process::

    with EmbeddedCollector() as collector:
        send_traffic(collector.url)
        print(collector.summary())
"""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import Any

from simulator_app.collector.app import DEFAULT_MAX_BODY, CollectorApp
from simulator_app.collector.faults import FaultSettings
from simulator_app.collector.geo import DEFAULT_HEADER
from simulator_app.collector.guard import HostPolicy
from simulator_app.collector.rows import row_to_json
from simulator_app.collector.server import (
    CollectorStartError,
    base_url,
    bind_socket,
    make_server,
)
from simulator_app.collector.store import MEMORY_BUDGET, EventStore, StoreError
from simulator_app.collector.tls import ServerCertificate, TlsError, local_certificate
from simulator_app.collector.wire import DEFAULT_MAX_HEAD, DEFAULT_TIMEOUT

__all__ = ["CollectorStartError", "EmbeddedCollector", "FaultSettings"]

START_TIMEOUT = 60.0  # seconds uvicorn may take to accept connections (a busy machine: many)
STOP_TIMEOUT = 15.0  # seconds to wait for the graceful shutdown


class EmbeddedCollector:
    """A collector on a background thread of this process; use as a context manager.

    ``port=0`` picks a free port; ``db`` is a SQLite file or ``":memory:"``
    (which keeps the latest requests within ``memory_budget`` bytes).
    ``full_cart`` declares the form of cart bodies (every line now in the
    cart, not the change); ``allowed_hosts`` are names besides loopback and
    ``host`` that the inspection API answers to; ``header_timeout`` and
    ``max_head`` bound how long and how large a request's head may be;
    ``client_ip_header`` is the header that carries each visitor's address
    (the scenario's ``tracker.ip_header``; None: off), counted by country.
    ``immediate=False`` sends every request through ASGI, none answered
    where it is read (see :mod:`simulator_app.collector.wire`). ``tls=True`` serves HTTPS
    with a certificate for loopback made by :func:`~.tls.local_certificate` (its CA in
    ``tls_folder``, default :func:`~.tls.default_folder`), or with a given
    :class:`~.tls.ServerCertificate`; :attr:`certificate` says which, with the CA to trust.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        db: str = ":memory:",
        faults: FaultSettings | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        *,
        full_cart: bool = False,
        allowed_hosts: tuple[str, ...] | list[str] = (),
        memory_budget: int = MEMORY_BUDGET,
        header_timeout: float = DEFAULT_TIMEOUT,
        max_head: int = DEFAULT_MAX_HEAD,
        client_ip_header: str | None = DEFAULT_HEADER,
        immediate: bool = True,
        tls: bool | ServerCertificate = False,
        tls_folder: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.db = db
        self._faults = faults or FaultSettings()
        self._max_body = max_body
        self._full_cart = full_cart
        self.allowed_hosts = tuple(allowed_hosts)
        self.memory_budget = memory_budget
        self.header_timeout = header_timeout
        self.max_head = max_head
        self._client_ip_header = client_ip_header
        self.immediate = immediate
        self.tls = tls
        self.tls_folder = tls_folder
        self.certificate: ServerCertificate | None = None  # served, once started with tls
        self._url: str | None = None
        self._app: CollectorApp | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321`` (only once started)."""
        if self._url is None:
            raise RuntimeError("the collector is not started")
        return self._url

    @property
    def app(self) -> CollectorApp:
        """The running ASGI app (its store and checker), once started."""
        if self._app is None:
            raise RuntimeError("the collector is not started")
        return self._app

    def start(self) -> str:
        """Serve in a background thread; returns the base URL once it accepts connections."""
        if self._url is not None:
            return self._url
        try:
            store = EventStore(self.db, self.memory_budget)
        except StoreError as exc:
            raise CollectorStartError(str(exc)) from None
        try:
            certificate = self._certificate()
            sock = bind_socket(self.host, self.port)
        except CollectorStartError:
            store.close()
            raise
        hosts = HostPolicy(self.host, self.allowed_hosts)
        app = CollectorApp(
            store, self._faults, self._max_body, hosts, self._full_cart, self._client_ip_header
        )
        server = make_server(
            app, True, self.max_head, self.header_timeout, self.immediate, certificate
        )
        self._app, self._server, self._error = app, server, None
        thread = threading.Thread(
            target=self._serve, args=(server, sock), name="embedded-collector", daemon=True
        )
        self._thread = thread
        thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)
        if not server.started:
            why = self._error or "it did not accept connections in time"
            self._shutdown()
            sock.close()
            raise CollectorStartError(f"the collector did not start: {why}")
        self._url = base_url(sock, certificate is not None)
        self.certificate = certificate
        return self._url

    def _certificate(self) -> ServerCertificate | None:
        """The certificate to serve (None: plain HTTP), made or checked now."""
        if self.tls is False:
            return None
        try:
            if self.tls is True:
                return local_certificate(self.tls_folder)
            self.tls.check()
            return self.tls
        except TlsError as exc:
            raise CollectorStartError(f"HTTPS: {exc}") from None

    def _serve(self, server: Any, sock: Any) -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported by start(); a thread must not die silently
            self._error = exc

    def _shutdown(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=STOP_TIMEOUT)
        if self._app is not None:
            # Lifespan shutdown closes the store; this covers a server that never got there.
            self._app.store.close()

    def stop(self) -> None:
        """Shut down gracefully: answer in-flight requests, flush the store, join. Idempotent."""
        if self._thread is None:
            return
        self._shutdown()
        self._thread = None
        self._url = None

    def summary(self) -> dict[str, Any]:
        """The JSON of ``GET /_collector/all``: total, good, bad, by_type, bad_by_type, ..."""
        return self.app.summary()

    def unstored_lines(self) -> list[str]:
        """The store's failure in a line, when it answered or refused requests it could not
        store (``unstored``, ``refused_unstorable`` in :meth:`summary`); empty if none."""
        line = self.app.store.failure_line()
        return [] if line is None else [f"the embedded collector: {line}"]

    def recent_bad(self, limit: int = 5) -> list[dict[str, Any]]:
        """The most recent bad requests, newest first, each with its messages."""
        return [row_to_json(r) for r in reversed(self.app.store.recent_bad.latest(limit))]

    @property
    def full_cart(self) -> bool:
        """True when cart bodies are judged in the full-cart form (see ``--full-cart``)."""
        return self._full_cart

    @full_cart.setter
    def full_cart(self, value: bool) -> None:
        # the app may change scenarios while its collector runs
        self._full_cart = value
        if self._app is not None:
            self._app.full_cart = value

    @property
    def client_ip_header(self) -> str | None:
        """The header read for each visitor's address (None: off), as the scenario sends it."""
        return self._client_ip_header

    @client_ip_header.setter
    def client_ip_header(self, name: str | None) -> None:
        self._client_ip_header = name
        if self._app is not None:
            self._app.geo.header = name

    def set_faults(self, faults: FaultSettings) -> None:
        """Change the faults of the running collector (or of its next start)."""
        self._faults = faults
        if self._app is not None:
            self._app.set_faults(faults)

    def __enter__(self) -> EmbeddedCollector:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
