"""The runtime's one way onto the network: the planned request, as it is, on geventhttpclient.

Each user owns one :class:`PlainClient` (geventhttpclient's ``HTTPClient``,
Locust's FastHttpUser's own library) for its target and sends every request
through its public ``request`` method. What goes on the wire is the planned
request and nothing else, in the order ``nitrox-sim run`` (httpx) writes it:
the request line, ``Host``, the ``--host``'s credentials and the class's
``default_headers`` when there are any, the tracker's headers, then
``Content-Length``. No ``Accept-Encoding``, no client ``User-Agent``, no
cookies and no redirects: the API uses none of them.
"""

from __future__ import annotations

import base64
import re
import socket
import ssl
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from gevent import Timeout
from geventhttpclient.client import HTTPClient
from geventhttpclient.header import Headers
from geventhttpclient.response import HTTPConnectionClosed, HTTPParseError, HTTPSocketPoolResponse

from simulator_app.core.safety import connect_address
from simulator_app.locust.network import client_proxy, client_trust
from simulator_app.net.failures import ProxyError, describe

# What a failed exchange can raise: a failure in Locust's stats, never a crash.
# (geventhttpclient raises RuntimeError when a proxy refuses a CONNECT tunnel.)
FAILURES: tuple[type[BaseException], ...] = (
    OSError,
    Timeout,
    HTTPParseError,
    zlib.error,
    RuntimeError,
)
_PATH_SAFE = "/%!$&'()*+,;=:@~"  # what a path keeps unescaped (FastHttpSession's rule)


class RequestFailure(Exception):
    """A failed request, named in plain words (its repr is its message: Locust shows the repr)."""

    def __repr__(self) -> str:
        return str(self)


@dataclass(frozen=True, slots=True)
class Target:
    """A ``--host`` URL, taken apart once per user."""

    base_url: str  # scheme://host[:port]/path, no credentials, no trailing slash
    hostname: str
    port: int
    ssl: bool
    prefix: str  # the URL's path, percent-encoded, put before every request path
    headers: tuple[tuple[str, str], ...]  # Host, and Authorization for user:password@

    @classmethod
    def parse(cls, url: str) -> Target:
        """``url`` taken apart; raises ValueError for one that is not a usable http(s) URL."""
        parts = urlsplit(url)
        hostname = parts.hostname
        if parts.scheme not in ("http", "https") or not hostname:
            raise ValueError(f"{url!r} is not an http:// or https:// URL")
        ssl = parts.scheme == "https"
        default_port = 443 if ssl else 80
        port = parts.port or default_port
        shown = f"[{hostname}]" if ":" in hostname else hostname
        host = shown if port == default_port else f"{shown}:{port}"
        headers = [("Host", host)]
        if parts.username and parts.password:
            pair = f"{unquote(parts.username)}:{unquote(parts.password)}".encode("latin-1")
            headers.append(("Authorization", "Basic " + base64.b64encode(pair).decode("ascii")))
        path = parts.path.rstrip("/")
        return cls(
            base_url=f"{parts.scheme}://{host}{path}",
            hostname=hostname,
            port=port,
            ssl=ssl,
            prefix=quote(path, safe=_PATH_SAFE),
            headers=tuple(headers),
        )


class PlainClient(HTTPClient):
    """geventhttpclient's client with no headers of its own: only the request's go out."""

    DEFAULT_HEADERS = Headers()


def merged_headers(headers: tuple[tuple[str, str], ...]) -> Headers:
    """``headers`` as ``HTTPClient.request`` merges a dict of them (a later name, in any
    case, replaces an earlier one in its place), made once to be sent again and again."""
    merged = Headers()
    merged.update(dict(headers))
    return merged


def open_client(
    target: Target,
    connection_timeout: float,
    network_timeout: float,
    insecure: bool,
    ca_bundle: str | None = None,
    insecure_hosts: tuple[str, ...] = (),
    proxy: str | None = None,
) -> PlainClient:
    """One connection to ``target`` (opened on first use, kept alive between requests).

    ``localhost`` is connected to as 127.0.0.1, never looked up (core.safety).

    Trusted as :mod:`simulator_app.net.trust` says (``insecure``: no check at
    all, as FastHttpUser's own flag), through the proxy
    :mod:`simulator_app.net.proxies` picks (geventhttpclient tunnels HTTPS
    with ``CONNECT``, and sends plain HTTP to the proxy in absolute form).
    """
    options: dict[str, Any] = {}
    if target.ssl:
        trust, factory = client_trust(ca_bundle, insecure_hosts, target.hostname)
        if insecure:  # the class's own flag: nothing checked, for any host
            trust, factory = client_trust(None, (target.hostname,), target.hostname)
        insecure = insecure or trust.is_insecure(target.hostname)
        # Always a context of ours: geventhttpclient's insecure=True alone turns off the
        # host name check only, and still refuses a certificate of an unknown CA.
        options["ssl_context_factory"] = factory
    found = client_proxy(target.ssl, target.hostname, target.port, proxy)
    if found is not None:
        options.update(
            proxy_host=found.host,
            proxy_port=found.port,
            proxy_user=found.username or None,
            proxy_password=found.password or None,
        )
    return PlainClient(
        connect_address(target.hostname),
        port=target.port,
        ssl=target.ssl,
        insecure=insecure,
        connection_timeout=connection_timeout,
        network_timeout=network_timeout,
        concurrency=1,
        **options,
    )


def read_body(response: HTTPSocketPoolResponse) -> bytes:
    """The whole answer body, decompressed if the server compressed it unasked."""
    content = response.read()
    encoding = str(response.get("content-encoding") or "").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompress(content, 16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        try:
            return zlib.decompress(content)
        except zlib.error:
            return zlib.decompress(content, -zlib.MAX_WBITS)  # raw deflate, as some servers send
    return content


def describe_failure(
    error: BaseException, network_timeout: float, target: Target | None = None
) -> str:
    """A failed exchange in one line: :func:`simulator_app.net.failures.describe`'s words for
    anything met connecting, "no answer within 60 s" and the like after."""
    if isinstance(error, Timeout | socket.timeout | TimeoutError):
        return f"no answer within {network_timeout:g} s"
    if isinstance(error, HTTPConnectionClosed):
        return "connection closed without an answer"
    if isinstance(error, HTTPParseError):
        return f"unreadable answer: {error}"
    if isinstance(error, zlib.error):
        return f"undecodable compressed answer: {error}"
    host, port = (target.hostname, target.port) if target is not None else ("", 0)
    if isinstance(error, RuntimeError):
        # geventhttpclient's "Proxy CONNECT failed: HTTP/1.1 407 Proxy Authentication ..."
        found = _PROXY_STATUS.search(str(error))
        status = int(found[1]) if found else 0
        reason = found[2].strip() if found else str(error)
        return describe(ProxyError("the proxy", status, reason), host, port)
    if isinstance(error, _CONNECTING) and target is not None:
        return describe(error, host, port)
    if isinstance(error, OSError) and error.strerror:
        return error.strerror[:1].lower() + error.strerror[1:]
    return str(error) or type(error).__name__


# What only connecting raises (a reset or a broken pipe later is said as the OS says it).
_CONNECTING = (ssl.SSLError, socket.gaierror, ConnectionRefusedError)
_PROXY_STATUS = re.compile(r"HTTP/\S+ (\d{3})([^\r\n]*)")
