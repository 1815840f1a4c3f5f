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

from simulator_app.core.contract import Headers, RequestSpec
from simulator_app.sender.transport import NotSent, Origin

# What httpx leaves as it is in a URL's path and query (its PATH_SAFE and
# QUERY_SAFE, the WHATWG percent-encode sets, plus the unreserved characters):
# printable ASCII but for these.
_VERBATIM_PATH = re.compile(r"/[!$-;=@-_a-z|~]*")  # no space " # < > ? ` { }
_VERBATIM_QUERY = re.compile(r"[!$-;=?-~]*")  # no space " # < >
_BODY_METHODS = ("POST", "PUT", "PATCH")  # httpx sends Content-Length: 0 with these
_OWN_HEADERS = ("host", "content-length", "transfer-encoding")  # httpx writes these itself
SHAPES_KEPT = 4096  # request shapes remembered by default (then forgotten all at once)

Parts = tuple[bytes, bytes]


class WireTarget:
    """Requests to one target (a base URL, maybe with a path prefix), as bytes.

    ``origin`` is where every request goes (scheme, host, port); ``base`` is
    the target without a trailing slash, the start of every logged URL.
    ``shapes`` is how many request shapes it remembers: a path and headers
    are a visitor's own, so a run keeps a few per visitor in flight.
    """

    def __init__(self, target: str, shapes: int = SHAPES_KEPT) -> None:
        self.shapes = shapes
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
        # The bytes around each (method, path, no body?) seen, with the headers they
        # were made for: a visitor sends the same path and headers again and again,
        # with a new cache-buster.
        self._parts: dict[tuple[str, str, bool], tuple[Headers, Parts | None]] = {}

    def request(self, spec: RequestSpec, now_ms: int) -> tuple[str, bytes]:
        """The URL to log and the whole request for ``spec``, with the cache-buster of ``now_ms``.

        Raises :class:`~.transport.NotSent` for a request httpx would refuse
        to write (a header that is not ASCII, say).
        """
        target = spec.target(now_ms)
        text = spec.body
        body = text.encode("utf-8") if text is not None else b""
        if self.usable:
            path = spec.path
            headers = spec.headers
            key = (spec.method, path, not body)
            shapes = self._parts
            shape = shapes.get(key)
            # A visitor's requests share one headers tuple: an identity check, not a
            # hash of every header per request (the key would touch them all).
            if shape is None or (shape[0] is not headers and shape[0] != headers):
                if len(shapes) >= self.shapes:
                    shapes.clear()
                shape = shapes[key] = (headers, self._direct(spec.method, path, headers, not body))
            parts = shape[1]
            if parts is not None:
                start, rest = parts
                end = b"Content-Length: %d\r\n\r\n" % len(body) + body if body else b"\r\n"
                # What the cache-buster adds (?_=<ms>, digits) is always written as it is.
                suffix = target[len(path) :].encode("ascii") if spec.cache_buster else b""
                return self.base + target, b"".join((start, suffix, rest, end))
        return self._through_httpx(spec, target, body)

    def _direct(self, method: str, path: str, headers: Headers, bodiless: bool) -> Parts | None:
        """What httpx would write before and after a query's end, or None to leave it to httpx.

        The request line up to the end of ``path`` (before the cache-buster),
        and from there to the last header, without the body's Content-Length
        (Host first, then ``headers``, as httpx orders them).
        """
        route, mark, query = path.partition("?")
        if not _VERBATIM_PATH.fullmatch(route) or (mark and not _VERBATIM_QUERY.fullmatch(query)):
            return None
        if "/." in route:
            segments = route.split("/")
            if "." in segments or ".." in segments:
                return None
        rest = [b" HTTP/1.1\r\n", self.host_line]
        if bodiless and method in _BODY_METHODS:
            rest.append(b"Content-Length: 0\r\n")
        try:
            for name, value in headers:
                if name.lower() in _OWN_HEADERS:
                    return None  # httpx would not add its own: leave such requests to it
                rest.append(name.encode("ascii") + b": " + value.encode("ascii") + b"\r\n")
            start = f"{method} {self.prefix}{path}".encode("ascii")
        except UnicodeEncodeError:
            return None  # httpx says what is wrong with it
        return start, b"".join(rest)

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
