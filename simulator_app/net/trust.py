"""Which certificates a runner trusts for an HTTPS target, as users expect it.

In order: ``--ca-bundle FILE``; else the ``SSL_CERT_FILE`` or
``REQUESTS_CA_BUNDLE`` variable (as OpenSSL and requests read them); else the
system's own trust store through ``truststore`` (where a company puts its root
CA and a TLS-inspecting proxy's CA), or OpenSSL's default paths where
truststore is not installed (a bare Locust worker). A named bundle replaces
the system store, as ``curl --cacert`` does. The Locust runtime reads the system's store
through OpenSSL's default paths (truststore does not work under gevent): on Linux the
same store, on macOS and Windows give ``--ca-bundle``. ``--insecure HOST`` turns every
check off for that host alone, and says so (:meth:`Trust.warning`).
"""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass

BUNDLE_VARIABLES = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")


class TrustError(ValueError):
    """A CA bundle that cannot be used; the message is one line and names the file."""


@dataclass(frozen=True)
class Trust:
    """What is trusted: a CA bundle (None: the system's store) and the hosts not checked.

    ``bundle_from`` says where the bundle came from (``--ca-bundle`` or a variable's name).
    """

    ca_bundle: str | None = None
    insecure_hosts: tuple[str, ...] = ()
    bundle_from: str = "--ca-bundle"
    # False: OpenSSL's default paths for the system's store, not truststore (whose
    # SSLContext recurses for ever under gevent's patched ssl: the Locust runtime's case).
    truststore: bool = True

    def is_insecure(self, host: str) -> bool:
        """True when certificates of ``host`` are not checked."""
        return _bare(host) in {_bare(h) for h in self.insecure_hosts}

    def warning(self) -> str | None:
        """The one-line warning for ``--insecure`` hosts, or None."""
        if not self.insecure_hosts:
            return None
        hosts = ", ".join(self.insecure_hosts)
        return f"warning: TLS certificates of {hosts} are NOT checked (--insecure): anyone on the way can read and change the traffic"

    def describe(self) -> str:
        """Which store is trusted, in a few words (the summary's and the log's line)."""
        if self.ca_bundle is None:
            return "the system's trust store"
        return f"the CA bundle {self.ca_bundle} ({self.bundle_from})"

    def context(self, host: str) -> ssl.SSLContext:
        """The TLS context for connections to ``host`` (one per trust and host, shared)."""
        key = (self, _bare(host) if self.is_insecure(host) else "")
        with _lock:
            found = _contexts.get(key)
            if found is None:
                found = _contexts[key] = self._make(host)
            return found

    def check(self) -> None:
        """Raise :class:`TrustError` now for a bundle that cannot be loaded."""
        if self.ca_bundle is not None:
            self.context("")

    def _make(self, host: str) -> ssl.SSLContext:
        if self.is_insecure(host):
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        if self.ca_bundle is not None:
            try:
                return ssl.create_default_context(cafile=self.ca_bundle)
            except FileNotFoundError:
                raise TrustError(f"{self.bundle_from}: no file {self.ca_bundle}") from None
            except (ssl.SSLError, OSError) as exc:
                raise TrustError(
                    f"{self.bundle_from}: {self.ca_bundle} holds no PEM certificate ({exc})"
                ) from None
        if not self.truststore:
            return ssl.create_default_context()
        try:
            import truststore
        except ImportError:  # a worker with locust alone: OpenSSL's own paths
            return ssl.create_default_context()
        return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


_lock = threading.Lock()
_contexts: dict[tuple[Trust, str], ssl.SSLContext] = {}


def _bare(host: str) -> str:
    return host.strip("[]").lower().rstrip(".")


def read_trust(
    ca_bundle: str | None = None,
    insecure_hosts: tuple[str, ...] | list[str] = (),
    environ: Mapping[str, str] | None = None,
    truststore: bool = True,
    bundle_from: str = "--ca-bundle",
) -> Trust:
    """The trust of ``--ca-bundle`` and ``--insecure`` with the environment's variables."""
    env = os.environ if environ is None else environ
    source = bundle_from
    if not ca_bundle:
        ca_bundle = None
        for name in BUNDLE_VARIABLES:
            if env.get(name):
                ca_bundle, source = env[name], name
                break
    return Trust(ca_bundle, tuple(h for h in insecure_hosts if h), source, truststore)
