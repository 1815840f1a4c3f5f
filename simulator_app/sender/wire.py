"""The bytes of a request: what httpx would write for it, mostly without httpx.

Building an ``httpx.Request`` parses and re-quotes its URL; on a loopback
target that was half the sender's time. When httpx would keep the target and
a request's path exactly as they are (no character it would quote, no ``.``
or ``..`` segment), :class:`WireTarget` writes the same request line and
headers (Host first, then the request's own, then Content-Length) itself.
Otherwise httpx builds the request and only its bytes are taken: httpx
quotes the URL, it never sends anything. Either way the request goes out
on the one send path, :meth:`~.transport.Connection.exchange`.
"""

from __future__ import annotations

import re

import httpx

from simulator_app.core.contract import RequestSpec
from simulator_app.sender.transport import NotSent, Origin

# What httpx leaves as it is in a URL's path and query (its PATH_SAFE and
# QUERY_SAFE, the WHATWG percent-encode sets, plus the unreserved characters):
# printable ASCII but for these.
_VERBATIM_PATH = re.compile(r"/[!$-;=@-_a-z|~]*")  # no space " # < > ? ` { }
_VERBATIM_QUERY = re.compile(r"[!$-;=?-~]*")  # no space " # < >
_BODY_METHODS = ("POST", "PUT", "PATCH")  # httpx sends Content-Length: 0 with these
_OWN_HEADERS = ("host", "content-length", "transfer-encoding")  # httpx writes these itself


class WireTarget:
    """Requests to one target (a base URL, maybe with a path prefix), as bytes.

    ``origin`` is where every request goes (scheme, host, port); ``base`` is
    the target without a trailing slash, the start of every logged URL.
    """

    def __init__(self, target: str) -> None:
        self.base = target.rstrip("/")
        probe = httpx.URL(self.base + "/x")
        scheme = probe.scheme
        self.usable = (
            str(probe) == self.base + "/x"
            and scheme in ("http", "https")
            and not probe.userinfo
            and bool(probe.host)
        )
        self.origin: Origin = (scheme, probe.host, probe.port or (443 if scheme == "https" else 80))
        self.prefix = probe.raw_path[:-2].decode("ascii")
        self.host_line = b"Host: " + probe.netloc + b"\r\n"

    def request(self, spec: RequestSpec, now_ms: int) -> tuple[str, bytes]:
        """The URL to log and the whole request for ``spec``, with the cache-buster of ``now_ms``.

        Raises :class:`~.transport.NotSent` for a request httpx would refuse
        to write (a header that is not ASCII, say).
        """
        target = spec.target(now_ms)
        body = spec.body.encode("utf-8") if spec.body is not None else b""
        if self.usable:
            payload = self._direct(spec, target, body)
            if payload is not None:
                return self.base + target, payload
        return self._through_httpx(spec, target, body)

    def _direct(self, spec: RequestSpec, target: str, body: bytes) -> bytes | None:
        """The bytes httpx would write, or None when httpx would change something."""
        path, mark, query = target.partition("?")
        if not _VERBATIM_PATH.fullmatch(path) or (mark and not _VERBATIM_QUERY.fullmatch(query)):
            return None
        if "/." in path:
            segments = path.split("/")
            if "." in segments or ".." in segments:
                return None
        head = [f"{spec.method} {self.prefix}{target} HTTP/1.1\r\n".encode("ascii"), self.host_line]
        if not body and spec.method in _BODY_METHODS:
            head.append(b"Content-Length: 0\r\n")
        try:
            for name, value in spec.headers:
                if name.lower() in _OWN_HEADERS:
                    return None  # httpx would not add its own: leave such requests to it
                head.append(name.encode("ascii") + b": " + value.encode("ascii") + b"\r\n")
        except UnicodeEncodeError:
            return None  # httpx says what is wrong with it
        if body:
            head.append(b"Content-Length: %d\r\n" % len(body))
        head.append(b"\r\n")
        head.append(body)
        return b"".join(head)

    def _through_httpx(self, spec: RequestSpec, target: str, body: bytes) -> tuple[str, bytes]:
        """httpx's request for ``target`` as bytes: its quoting, its headers, in its order."""
        try:
            request = httpx.Request(
                spec.method, self.base + target, headers=list(spec.headers), content=body
            )
            url = request.url
            origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
            head = [f"{request.method} {url.raw_path.decode('ascii')} HTTP/1.1\r\n".encode("ascii")]
        except (httpx.InvalidURL, UnicodeError, ValueError, TypeError) as exc:
            raise NotSent(f"not sent: the request cannot be written ({exc})") from None
        if origin != self.origin:
            raise NotSent(f"not sent: {str(url)!r} is not on the target {self.base}")
        for name, value in request.headers.raw:
            head.append(name + b": " + value + b"\r\n")
        head.append(b"\r\n")
        head.append(request.content)
        return str(url), b"".join(head)
