"""Who may use the inspection API: this machine's own names, and never another site's page.

The tracking endpoints answer anyone (the real tracker is a script on a
storefront, so they answer CORS). The inspection API shows what was stored
and can change faults and forget everything, so:

- its Host header must name this machine: loopback (127.0.0.0/8, ``::1``,
  ``localhost``), the address the collector is bound to, or a name the user
  allowed. A page that makes its own name resolve to 127.0.0.1 (DNS
  rebinding) still sends its own name, and is refused with 403;
- its answers carry no ``Access-Control-Allow-Origin``, so another site's
  script cannot read them;
- its state-changing calls refuse what a page on another site can send
  without a CORS preflight: an ``Origin`` other than the collector's own, a
  ``Sec-Fetch-Site`` other than ``same-origin`` or ``none``, and a body that
  is not ``Content-Type: application/json`` (a ``text/plain`` POST needs no
  preflight).
"""

from __future__ import annotations

from collections.abc import Iterable

from simulator_app.collector.asgi import Scope, header
from simulator_app.core.safety import is_loopback_host

_SAFE_FETCH_SITES = (b"same-origin", b"none")


def host_name(value: str) -> str:
    """The name in a Host header or an origin's authority, lower case, port and brackets off."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, _ = value[1:].partition("]")
        return name
    name, _, port = value.rpartition(":")
    if not name or not port.isdigit():
        name = value
    return name.rstrip(".")


class HostPolicy:
    """The names the inspection API answers to: loopback, the bound address, allowed names."""

    def __init__(self, bound_host: str = "127.0.0.1", allowed: Iterable[str] = ()) -> None:
        # bare names and addresses (an IPv6 one perhaps in brackets), never with a port
        given = (h.strip().lower().strip("[]").rstrip(".") for h in (bound_host, *allowed))
        self.names = frozenset(name for name in given if name)

    def allows(self, name: str) -> bool:
        return name in self.names or is_loopback_host(name)

    def host_problem(self, scope: Scope) -> str | None:
        """Why this request's Host is not one the inspection API answers, or None."""
        raw = header(scope, b"host")
        if raw is None:
            return "the inspection API answers only requests with a Host header"
        shown = raw.decode("latin-1")
        if self.allows(host_name(shown)):
            return None
        return (
            f"Host {shown[:80]!r} is not this machine: the inspection API answers only "
            "loopback names, the address it is bound to and names given with --allow-host"
        )

    def write_problem(self, scope: Scope) -> tuple[int, str] | None:
        """Why a state-changing call must be refused (status, reason), or None.

        Only called once :meth:`host_problem` passed, so the Host is ours.
        """
        origin = header(scope, b"origin")
        host = header(scope, b"host") or b""
        if origin is not None and origin.lower() not in (
            b"http://" + host.lower(),
            b"https://" + host.lower(),
        ):
            shown = origin.decode("latin-1")[:80]
            return 403, f"a page from {shown!r} may not change the collector (cross-origin)"
        fetch_site = header(scope, b"sec-fetch-site")
        if fetch_site is not None and fetch_site.lower() not in _SAFE_FETCH_SITES:
            shown = fetch_site.decode("latin-1")[:40]
            return 403, f"a {shown} request may not change the collector (Sec-Fetch-Site)"
        content_type = header(scope, b"content-type")
        if content_type is None:
            if _has_body(scope):
                return 415, "a body needs Content-Type: application/json"
            return None
        if content_type.split(b";")[0].strip().lower() != b"application/json":
            shown = content_type.decode("latin-1")[:60]
            return 415, f"Content-Type must be application/json, got {shown!r}"
        return None


def _has_body(scope: Scope) -> bool:
    length = header(scope, b"content-length")
    if length is not None:
        return length.strip() not in (b"", b"0")
    return header(scope, b"transfer-encoding") is not None
