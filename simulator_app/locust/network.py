"""The runtime's network options and its client's trust and proxy (:mod:`simulator_app.net`).

The same choices as ``nitrox-sim run``'s: ``--ca-bundle FILE`` (else
``SSL_CERT_FILE`` / ``REQUESTS_CA_BUNDLE``, else the system's store),
``--insecure-host HOST`` (repeatable: that host's certificate is not
checked) and ``--proxy URL`` (else the worker's ``HTTPS_PROXY`` /
``HTTP_PROXY`` / ``ALL_PROXY`` / ``NO_PROXY``; loopback only through
``--proxy``). Each is read on every runner, workers included, from the
master's options: the files and the proxy variables must be there too.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from typing import Any

from simulator_app.net.proxies import Proxy, proxy_for
from simulator_app.net.trust import Trust, read_trust

_warned: set[str] = set()


def add_network_options(group: Any) -> None:
    """Add ``--ca-bundle``, ``--insecure-host`` and ``--proxy`` to the file's option group."""
    group.add_argument(
        "--ca-bundle",
        default=None,
        metavar="FILE",
        help="trust the CA certificates of this PEM file for an https:// --host"
        " (default: SSL_CERT_FILE or REQUESTS_CA_BUNDLE, else the system's store)",
    )
    group.add_argument(
        "--insecure-host",
        action="append",
        default=None,
        metavar="HOST",
        help="do not check the TLS certificate of HOST, a test server's (repeatable)",
    )
    group.add_argument(
        "--proxy",
        default=None,
        metavar="URL",
        help="send through this HTTP proxy, http://[USER:PASSWORD@]HOST:PORT"
        " (default: HTTPS_PROXY / HTTP_PROXY / ALL_PROXY, never for loopback)",
    )


def client_trust(
    ca_bundle: str | None, insecure_hosts: tuple[str, ...], host: str
) -> tuple[Trust, Callable[..., ssl.SSLContext]]:
    """The trust for ``host`` and a context factory for geventhttpclient (one shared context;
    it asks with a ``cafile`` of its own, certifi's, which the user's choice replaces)."""
    trust = read_trust(ca_bundle, insecure_hosts, truststore=False)  # see Trust.truststore
    context = trust.context(host)
    warning = trust.warning() if trust.is_insecure(host) else None
    if warning is not None and warning not in _warned:
        _warned.add(warning)  # once per process, not once per user
        logging.getLogger("nitrox").warning("nitrox: %s", warning)

    def factory(*_: object, **__: object) -> ssl.SSLContext:
        return context

    return trust, factory


def client_proxy(ssl_target: bool, host: str, port: int, explicit: str | None) -> Proxy | None:
    """The proxy the user's client goes through, or None."""
    return proxy_for("https" if ssl_target else "http", host, port, explicit)
