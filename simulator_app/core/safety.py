"""Where traffic may go: loopback freely, anywhere else only with explicit consent.

Every runner (CLI, desktop app, Locust panel) asks :func:`target_problem`
before it sends and :func:`needs_confirmation` before a run that would send
more than a trickle to an address off this machine.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
LOW_RATE = 2.0  # requests per second a non-loopback target may get without asking


def target_problem(url: str) -> str | None:
    """Why ``url`` cannot be a target, or None when it is a usable http(s) URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"{url!r} is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return f"{url!r} is not an http:// or https:// URL"
    if not parts.hostname:
        return f"{url!r} has no host"
    if port == 0:
        return f"{url!r} has port 0"
    return None


def is_loopback_host(host: str) -> bool:
    """True when ``host`` is this machine: 127.0.0.0/8, ::1 (bracketed or not) or localhost."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback(url: str) -> bool:
    """True when ``url``'s host is this machine: 127.0.0.0/8, ::1 or localhost."""
    return is_loopback_host(urlsplit(url).hostname or "")


def needs_confirmation(url: str, rate: float | None) -> bool:
    """True when a run to ``url`` at ``rate`` req/s (None: unlimited) must be confirmed."""
    if is_loopback(url):
        return False
    return rate is None or rate > LOW_RATE
