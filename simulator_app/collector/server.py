"""Putting the collector app on uvicorn: binding, the lean server settings, host warnings.

Both the ``nitrox-sim collector`` command and :class:`EmbeddedCollector` use
these, so the standalone and embedded collector run with the same settings:
httptools with the head limit and timeout of :mod:`wire`, uvloop (when
installed), no access log, no websockets, no proxy-header rewriting (nothing
here reads the client address, and it costs every request).
"""

from __future__ import annotations

import errno
import socket
from typing import Any

from simulator_app.collector.app import CollectorApp
from simulator_app.collector.tls import ServerCertificate
from simulator_app.collector.wire import DEFAULT_MAX_HEAD, DEFAULT_TIMEOUT, protocol_class
from simulator_app.core.safety import is_loopback_host

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787


class CollectorStartError(Exception):
    """The collector could not start; the message is one line (e.g. the port is taken)."""


def host_warning(host: str) -> str | None:
    """The one-line warning for a bind address other machines can reach, or None."""
    if is_loopback_host(host):
        return None
    return (
        f"warning: the collector binds {host}, so other machines can send to it "
        "and read what it stored; use --host 127.0.0.1 to keep it local"
    )


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: a free one), or CollectorStartError."""
    if not 0 <= port <= 65535:
        raise CollectorStartError(f"port {port} is not between 0 and 65535")
    bare = host.strip("[]")
    try:
        infos = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise CollectorStartError(f"cannot resolve host {host!r}: {exc.strerror}") from None
    family, kind, proto, _name, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        # Like uvicorn: a restarted collector may reuse a port left in TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
        sock.set_inheritable(True)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise CollectorStartError(f"port {port} is already in use on {host}") from None
        if exc.errno == errno.EACCES:
            raise CollectorStartError(f"no permission to bind {host}:{port}") from None
        raise CollectorStartError(f"cannot bind {host}:{port}: {exc.strerror}") from None
    return sock


def base_url(sock: socket.socket, tls: bool = False) -> str:
    """``http://host:port`` of a bound socket (``https://`` with ``tls``; IPv6 hosts in brackets)."""
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"{'https' if tls else 'http'}://{host}:{port}"


def make_server(
    app: CollectorApp,
    embedded: bool,
    max_head: int = DEFAULT_MAX_HEAD,
    header_timeout: float = DEFAULT_TIMEOUT,
    immediate: bool = True,
    tls: ServerCertificate | None = None,
) -> Any:
    """A uvicorn Server for ``app`` with the lean settings and the wire's limits.

    ``embedded`` leaves the host process's logging configuration alone
    (uvicorn's own config would replace it). ``immediate`` answers tracking
    requests where the wire reads them (see :mod:`wire`); False sends every
    request through ASGI (the tests compare the two).
    """
    import uvicorn

    options: dict[str, Any] = {}
    if embedded:
        options["log_config"] = None
    if tls is not None:  # HTTPS (see collector.tls)
        options["ssl_certfile"] = tls.cert
        options["ssl_keyfile"] = tls.key
    config = uvicorn.Config(
        app,
        http=protocol_class(max_head, header_timeout, app if immediate else None),
        proxy_headers=False,
        loop="auto",
        ws="none",
        lifespan="on",
        access_log=False,
        log_level="warning",
        server_header=False,
        date_header=False,
        timeout_graceful_shutdown=10,
        **options,
    )
    return uvicorn.Server(config)
