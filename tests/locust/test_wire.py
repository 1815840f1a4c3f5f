"""The runtime's wire pieces without Locust: the ``--host`` URL, the headers, failures in words.

:mod:`simulator_app.locust.wire` imports gevent and geventhttpclient, which
patch nothing at import (locust does, and is not imported here).
"""

from __future__ import annotations

import gzip
import sys
import zlib

import pytest
from gevent import Timeout
from geventhttpclient.response import HTTPConnectionClosed, HTTPParseError

from simulator_app.locust.wire import Target, describe_failure, merged_headers, read_body


def test_importing_the_wire_patches_nothing() -> None:
    import gevent.monkey

    assert not gevent.monkey.is_module_patched("socket")
    assert "locust" not in sys.modules


@pytest.mark.parametrize(
    ("url", "base_url", "prefix", "host", "port"),
    [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080", "", "127.0.0.1:8080", 8080),
        # a path prefixes every request; a trailing slash (or several) is not doubled
        (
            "http://127.0.0.1:8080/base/",
            "http://127.0.0.1:8080/base",
            "/base",
            "127.0.0.1:8080",
            8080,
        ),
        (
            "http://127.0.0.1:8080/base//",
            "http://127.0.0.1:8080/base",
            "/base",
            "127.0.0.1:8080",
            8080,
        ),
        # a path outside ASCII is percent-encoded, as FastHttpSession sends it
        ("http://127.0.0.1:9/ł a/", "http://127.0.0.1:9/ł a", "/%C5%82%20a", "127.0.0.1:9", 9),
        # what a path keeps unescaped
        (
            "http://localhost/a;b=c@d:e~",
            "http://localhost/a;b=c@d:e~",
            "/a;b=c@d:e~",
            "localhost",
            80,
        ),
        # default ports are left out of Host, as a browser does; IPv6 is bracketed
        ("http://localhost:80/", "http://localhost", "", "localhost", 80),
        ("https://[::1]:443/x", "https://[::1]/x", "/x", "[::1]", 443),
        ("https://[::1]:8443", "https://[::1]:8443", "", "[::1]:8443", 8443),
    ],
)
def test_a_host_url_is_taken_apart_once(
    url: str, base_url: str, prefix: str, host: str, port: int
) -> None:
    target = Target.parse(url)
    assert (target.base_url, target.prefix, target.port) == (base_url, prefix, port)
    assert target.headers == (("Host", host),)
    assert target.hostname == ("::1" if "[" in url else host.split(":")[0])
    assert target.ssl == url.startswith("https:")


def test_credentials_in_the_host_become_basic_authorization_and_leave_the_host() -> None:
    target = Target.parse("http://user:secret@127.0.0.1:8080/base/")
    assert target.headers == (
        ("Host", "127.0.0.1:8080"),
        ("Authorization", "Basic dXNlcjpzZWNyZXQ="),  # user:secret
    )
    assert "user" not in target.base_url
    encoded = Target.parse(
        "http://us%20er:p%40ss@localhost/"
    )  # percent-encoded, as URLs carry them
    assert encoded.headers[1] == ("Authorization", "Basic dXMgZXI6cEBzcw==")  # "us er:p@ss"


@pytest.mark.parametrize("url", ["", "127.0.0.1:8080", "ftp://127.0.0.1/", "http:///path"])
def test_a_host_that_is_not_an_http_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="is not an http:// or https:// URL"):
        Target.parse(url)


def test_a_later_header_replaces_an_earlier_one_of_any_case_in_its_place() -> None:
    merged = merged_headers(
        (("Host", "h"), ("X-Team", "qa"), ("Content-Type", "text/plain"), ("x-team", "ops"))
    )
    assert list(merged.items()) == [
        ("Host", "h"),
        ("x-team", "ops"),
        ("Content-Type", "text/plain"),
    ]


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (HTTPConnectionClosed("closed"), "connection closed without an answer"),
        (ConnectionResetError(104, "Connection reset by peer"), "connection reset by peer"),
        (ConnectionRefusedError(111, "Connection refused"), "connection refused"),
        (TimeoutError(), "no answer within 2.5 s"),
        (Timeout(), "no answer within 2.5 s"),
        (HTTPParseError("bad status line"), "unreadable answer: bad status line"),
        (
            zlib.error("incorrect header check"),
            "undecodable compressed answer: incorrect header check",
        ),
        (OSError("no reason given"), "no reason given"),
    ],
)
def test_a_failed_exchange_is_said_in_plain_words(error: BaseException, words: str) -> None:
    assert describe_failure(error, 2.5) == words


class _Answer:
    """What read_body reads of a geventhttpclient response: the body and one header."""

    def __init__(self, body: bytes, encoding: str | None) -> None:
        self.body, self.encoding = body, encoding

    def read(self) -> bytes:
        return self.body

    def get(self, name: str) -> str | None:
        return self.encoding if name == "content-encoding" else None


@pytest.mark.parametrize(
    ("body", "encoding"),
    [
        (b'{"status":"ok"}', None),
        (gzip.compress(b'{"status":"ok"}', mtime=0), "gzip"),
        (gzip.compress(b'{"status":"ok"}', mtime=0), " X-GZIP "),
        (zlib.compress(b'{"status":"ok"}'), "deflate"),
        (zlib.compress(b'{"status":"ok"}')[2:-4], "deflate"),  # raw deflate, as some servers send
    ],
    ids=["plain", "gzip", "x-gzip", "deflate", "raw deflate"],
)
def test_an_answer_compressed_unasked_is_read_whole(body: bytes, encoding: str | None) -> None:
    assert read_body(_Answer(body, encoding)) == b'{"status":"ok"}'  # type: ignore[arg-type]
