"""Which proxy a request to a target goes through, read as curl and httpx read it.

``--proxy URL`` when given; else, for an ``https://`` target, ``https_proxy``
or ``HTTPS_PROXY``, for ``http://`` ``http_proxy`` or ``HTTP_PROXY``, then
``all_proxy`` / ``ALL_PROXY`` for both (lower case first, as curl). ``NO_PROXY``
(or ``no_proxy``) lists hosts sent to directly: ``*``, a name (which covers
its subdomains, with or without a leading dot), an address or a network
(``10.0.0.0/8``), each maybe with ``:port``. A loopback target is never sent
through a proxy from the variables: only ``--proxy`` sends it there.

Every request through a proxy goes in an HTTP ``CONNECT`` tunnel (TLS is
then made with the target itself, end to end), plain-HTTP targets too (as
``curl --proxytunnel``), so the bytes on the wire are the same either way.
Only ``http://`` proxies are supported; credentials in the URL are sent as
``Proxy-Authorization: Basic``.
"""

from __future__ import annotations

import base64
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from simulator_app.core.safety import is_loopback_host


class ProxySettingError(ValueError):
    """A proxy URL that cannot be used; the message names where it came from."""


@dataclass(frozen=True)
class Proxy:
    """An HTTP proxy: where it is, and the credentials it is sent (if any)."""

    host: str
    port: int
    username: str = ""
    password: str = ""
    source: str = "--proxy"

    @property
    def address(self) -> str:
        """``host:port`` (without the credentials): what messages show."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def connect_request(self, host: str, port: int) -> bytes:
        """The ``CONNECT`` request opening a tunnel to ``host:port``."""
        authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}"]
        if self.username or self.password:
            pair = f"{self.username}:{self.password}".encode()
            lines.append("Proxy-Authorization: Basic " + base64.b64encode(pair).decode("ascii"))
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def parse_proxy(url: str, source: str = "--proxy") -> Proxy:
    """``url`` (``http://[user:password@]host:port``, or just ``host:port``) as a :class:`Proxy`."""
    text = url.strip()
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    if parts.scheme != "http":
        raise ProxySettingError(
            f"{source}: {url!r}: only http:// proxies are supported (got {parts.scheme}://)"
        )
    try:
        port = parts.port or 80
    except ValueError:
        raise ProxySettingError(f"{source}: {url!r}: the port is not a number") from None
    if not parts.hostname:
        raise ProxySettingError(f"{source}: {url!r} names no proxy host")
    return Proxy(
        parts.hostname,
        port,
        unquote(parts.username or ""),
        unquote(parts.password or ""),
        source,
    )


def _get(env: Mapping[str, str], name: str) -> tuple[str, str] | None:
    for each in (name.lower(), name.upper()):
        value = env.get(each, "").strip()
        if value:
            return value, each
    return None


def bypassed(host: str, port: int, no_proxy: str) -> bool:
    """True when ``NO_PROXY``'s value ``no_proxy`` lists ``host`` (on ``port``)."""
    host = host.strip("[]").lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for raw in no_proxy.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        name, entry_port = entry, None
        if entry.startswith("[") and "]" in entry:
            name, _, rest = entry[1:].partition("]")
            entry_port = rest[1:] or None
        elif entry.count(":") == 1:
            name, entry_port = entry.split(":")
        if entry_port is not None and entry_port != str(port):
            continue
        if address is not None:
            try:
                if address in ipaddress.ip_network(name, strict=False):
                    return True
            except ValueError:
                pass
            continue
        name = name.lstrip(".").rstrip(".")
        if name and (host == name or host.endswith("." + name)):
            return True
    return False


def proxy_for(
    scheme: str,
    host: str,
    port: int,
    explicit: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Proxy | None:
    """The proxy a request to ``scheme://host:port`` goes through, or None for direct."""
    env = os.environ if environ is None else environ
    no_proxy = _get(env, "no_proxy")
    if no_proxy is not None and bypassed(host, port, no_proxy[0]):
        return None
    if explicit:
        return parse_proxy(explicit, "--proxy")
    if is_loopback_host(host):
        return None
    found = _get(env, "https_proxy" if scheme == "https" else "http_proxy")
    if found is None:
        found = _get(env, "all_proxy")
    if found is None:
        return None
    return parse_proxy(*found)
