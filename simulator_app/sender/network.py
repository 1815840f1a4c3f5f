"""How the sender reaches its target: the trust, the proxy, and the connections it opened.

:class:`NetworkSettings` is what the user chose (``--ca-bundle``,
``--insecure HOST``, ``--proxy``), read with the environment
(``SSL_CERT_FILE``, ``REQUESTS_CA_BUNDLE``, the proxy variables) by
:mod:`simulator_app.net`; :meth:`NetworkSettings.connector` makes each
worker's :class:`~.transport.Connection` with one shared TLS context and
counts what they opened, so a run can say how many handshakes it made.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from simulator_app.net.proxies import Proxy, proxy_for
from simulator_app.net.trust import Trust, read_trust
from simulator_app.sender.transport import Connection, Origin


@dataclass(frozen=True)
class NetworkSettings:
    """The user's network choices; the environment fills in what they leave out."""

    ca_bundle: str | None = None
    insecure_hosts: tuple[str, ...] = ()
    proxy: str | None = None  # --proxy URL (None: the proxy variables)
    bundle_from: str = "--ca-bundle"  # what chose ca_bundle, as the notes say it
    environ: Mapping[str, str] | None = field(default=None, compare=False)

    def trust(self) -> Trust:
        """What is trusted (raises nothing: see :meth:`check`)."""
        return read_trust(
            self.ca_bundle, self.insecure_hosts, self._env(), bundle_from=self.bundle_from
        )

    def proxy_for(self, origin: Origin) -> Proxy | None:
        """The proxy requests to ``origin`` go through, or None."""
        scheme, host, port = origin
        return proxy_for(scheme, host, port, self.proxy, self._env())

    def check(self, origin: Origin) -> list[str]:
        """Raise ValueError (one line) for a setting that cannot work; the warnings to show."""
        if origin[0] == "https":
            self.trust().check()
        return self.notes(origin)

    def notes(self, origin: Origin) -> list[str]:
        """What a run to ``origin`` should say about its network: certificates not checked,
        the CA bundle, the proxy (raises ValueError for a proxy URL that cannot be used)."""
        trust = self.trust()
        proxy = self.proxy_for(origin)  # ProxySettingError is a ValueError
        notes: list[str] = []
        if origin[0] == "https":
            if trust.is_insecure(origin[1]):
                notes.append(trust.warning() or "")
            elif trust.ca_bundle is not None:
                notes.append(f"TLS: trusting {trust.describe()}")
        if proxy is not None:
            notes.append(f"through the proxy {proxy.address} ({proxy.source})")
        return notes

    def connector(self) -> Connector:
        """A connection factory for a run (one TLS context, shared by every worker)."""
        return Connector(self)

    def _env(self) -> Mapping[str, str]:
        return os.environ if self.environ is None else self.environ


_default = NetworkSettings()


def default_network() -> NetworkSettings:
    """The settings a run or a click-through request uses when given none: the desktop
    app's Target tab sets them (:func:`use_by_default`); else the environment's alone."""
    return _default


def use_by_default(settings: NetworkSettings) -> None:
    """Make ``settings`` what later runs and click-through senders use when given none."""
    global _default
    _default = settings


class Connector:
    """Makes :class:`~.transport.Connection` objects to one origin; counts what they opened."""

    def __init__(self, settings: NetworkSettings) -> None:
        self.settings = settings
        self._made: list[Connection] = []

    def __call__(self, origin: Origin) -> Connection:
        scheme, host, _ = origin
        context = self.settings.trust().context(host) if scheme == "https" else None
        connection = Connection(origin, context, self.settings.proxy_for(origin))
        self._made.append(connection)
        return connection

    @property
    def opened(self) -> int:
        """Connections opened so far by all the connections made (TLS handshakes on https)."""
        return sum(c.opened for c in self._made)
