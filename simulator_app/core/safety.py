"""Where traffic may go: loopback freely, anywhere else only with explicit consent.

Every runner (CLI, desktop app, Locust panel) asks :func:`target_problem`
before it sends and :func:`needs_confirmation` before a run that would send
more than a trickle to an address off this machine.

"This machine" is a literal loopback address (127.0.0.0/8, ::1) or the name
``localhost``, and nothing else: no name is looked up, since whatever DNS or
a hosts file answered for ``localhost.localdomain`` or a host's own name would
get the traffic. Any other name, even one that resolves to 127.0.0.1, needs
consent. A runner that connects to ``localhost`` connects to
:data:`LOCALHOST_ADDRESS` (:func:`connect_address`), so no lookup can send it
elsewhere either.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost"})  # the only name that counts as this machine
LOCALHOST_ADDRESS = "127.0.0.1"  # where a runner connects for "localhost", never looked up
LOW_RATE = 2.0  # requests per second a non-loopback target may get without asking


def target_problem(url: str) -> str | None:
    """Why ``url`` cannot be a target, or None when it is a usable http(s) URL."""
    bad = _unsplittable(url)
    if bad is not None:
        # urlsplit drops tabs, newlines and outer spaces silently: a URL checked that way
        # would be another text than the one written to a file or sent (a new setting).
        return f"{url!r} contains {char_name(bad)}, which a URL cannot hold"
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


def _unsplittable(url: str) -> str | None:
    """The first character urlsplit would drop or that ends a line: a control character,
    or white space at either end (a space inside is percent-encoded when sent)."""
    bad = next((c for c in url if is_control(c)), None)
    if bad is None and url != url.strip():
        bad = url[0] if url[0].isspace() else url[-1]
    return bad


def is_control(char: str) -> bool:
    """True for a control character: C0, DEL, C1, and the line and paragraph separators."""
    code = ord(char)
    return code < 0x20 or 0x7F <= code < 0xA0 or code in (0x2028, 0x2029)


def char_name(char: str) -> str:
    """A character as an error message names it: ``a newline (U+000A)``, ``'x' (U+0078)``."""
    names = {"\n": "a newline", "\r": "a carriage return", "\t": "a tab", " ": "a space"}
    shown = names.get(char, "a control character" if is_control(char) else repr(char))
    return f"{shown} (U+{ord(char):04X})"


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be one setting on one line: a control character, or space around it."""
    bad = next((c for c in value if is_control(c)), None)
    if bad is not None:
        return f"contains {char_name(bad)}"
    if value != value.strip():
        return "starts or ends with white space"
    return None


def connect_address(host: str) -> str:
    """Where to connect for ``host``: :data:`LOCALHOST_ADDRESS` for ``localhost``, else ``host``."""
    return LOCALHOST_ADDRESS if host.lower() in LOOPBACK_NAMES else host


def is_loopback_host(host: str) -> bool:
    """True when ``host`` is this machine: 127.0.0.0/8, ::1 (bracketed or not) or localhost.

    No other name counts, whatever it resolves to (see the module's docstring).
    """
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback(url: str) -> bool:
    """True when ``url``'s host is this machine: 127.0.0.0/8, ::1 or localhost.

    A URL with a control character or outer white space is never loopback:
    urlsplit would drop some of them and judge another text than the one given.
    """
    if _unsplittable(url) is not None:
        return False
    try:
        return is_loopback_host(urlsplit(url).hostname or "")
    except ValueError:
        return False


def needs_confirmation(url: str, rate: float | None) -> bool:
    """True when a run to ``url`` at ``rate`` req/s (None: unlimited) must be confirmed."""
    if is_loopback(url):
        return False
    return rate is None or rate > LOW_RATE
