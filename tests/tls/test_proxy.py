"""Through a real HTTP proxy (proxy.py, started here on loopback): CONNECT tunnels, TLS inside
them, basic authentication; and the proxy variables read as curl and httpx read them."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from simulator_app.collector import EmbeddedCollector
from simulator_app.net.proxies import Proxy, ProxySettingError, parse_proxy, proxy_for
from tests.sender.conftest import REQUESTS_PER_VISITOR
from tests.tls.conftest import ProxyServer, free_port
from tests.tls.test_https import run


@pytest.mark.slow
def test_https_through_a_connect_tunnel_arrives_exactly_once(
    https_collector: EmbeddedCollector, proxy_server: ProxyServer, tmp_path: Path
) -> None:
    assert https_collector.certificate is not None
    before = https_collector.summary()["total"]
    result, errors = run(
        https_collector.url,
        tmp_path,
        proxy=proxy_server.url,
        ca_bundle=https_collector.certificate.ca,
    )
    assert errors == []
    assert result.requests == 4 * REQUESTS_PER_VISITOR
    assert https_collector.summary()["total"] - before == result.requests
    assert f"through the proxy 127.0.0.1:{proxy_server.port} (--proxy)" in result.network_notes


@pytest.mark.slow
def test_plain_http_goes_through_the_tunnel_too(proxy_server: ProxyServer, tmp_path: Path) -> None:
    with EmbeddedCollector() as collector:
        result, errors = run(collector.url, tmp_path, proxy=proxy_server.url)
        assert errors == []
        assert collector.summary()["total"] == result.requests == 4 * REQUESTS_PER_VISITOR


@pytest.mark.slow
def test_a_proxy_that_needs_credentials(auth_proxy: ProxyServer, tmp_path: Path) -> None:
    with EmbeddedCollector() as collector:
        bare = auth_proxy.url.replace("shopper:s3cret@", "")
        result, errors = run(collector.url, tmp_path, visitors=1, concurrency=1, proxy=bare)
        assert result.unreached == result.requests > 0
        assert set(errors) == {
            f"connection error: proxy needs authentication: the proxy 127.0.0.1:{auth_proxy.port}"
            " answered 407; give user:password in --proxy http://USER:PASSWORD@HOST:PORT"
            " (or in HTTPS_PROXY)"
        }
        result, errors = run(collector.url, tmp_path, proxy=auth_proxy.url)
        assert errors == []
        assert collector.summary()["total"] == result.requests == 4 * REQUESTS_PER_VISITOR


@pytest.mark.slow
def test_no_proxy_listening_is_said_as_such(tmp_path: Path) -> None:
    port = free_port()
    _, errors = run(
        "http://127.0.0.1:9", tmp_path, visitors=1, concurrency=1, proxy=f"127.0.0.1:{port}"
    )
    assert set(errors) == {
        f"connection error: proxy refused: nothing listens at the proxy 127.0.0.1:{port}; "
        "check --proxy or HTTPS_PROXY / HTTP_PROXY"
    }


ENV = {"HTTPS_PROXY": "http://corp:3128", "http_proxy": "http://plain:8080", "ALL_PROXY": "all:1"}


@pytest.mark.parametrize(
    ("url", "env", "expected"),
    [
        (("https", "api.test", 443), ENV, "corp:3128"),
        (("http", "api.test", 80), ENV, "plain:8080"),
        (("http", "api.test", 80), {"ALL_PROXY": "http://all:1"}, "all:1"),
        (("https", "127.0.0.1", 443), ENV, None),  # loopback: never from the variables
        (("https", "localhost", 443), ENV, None),
        (("https", "api.test", 443), {**ENV, "NO_PROXY": "test"}, None),  # a domain's hosts
        (("https", "api.test", 443), {**ENV, "no_proxy": ".api.test"}, None),
        (("https", "api.test", 443), {**ENV, "NO_PROXY": "*"}, None),
        (("https", "10.1.2.3", 443), {**ENV, "NO_PROXY": "10.0.0.0/8"}, None),
        (("https", "10.1.2.3", 443), {**ENV, "NO_PROXY": "10.1.2.3:80"}, "corp:3128"),
        (("https", "notapi.test", 443), {**ENV, "NO_PROXY": "api.test"}, "corp:3128"),
        (("https", "api.test", 443), {}, None),
    ],
)
def test_the_variables_are_read_as_curl_reads_them(
    url: tuple[str, str, int], env: dict[str, str], expected: str | None
) -> None:
    found = proxy_for(*url, environ=env)
    assert (found.address if found is not None else None) == expected


def test_proxy_flag_covers_loopback_and_carries_credentials() -> None:
    found = proxy_for("https", "127.0.0.1", 443, "http://me:p%40ss@proxy.test:3128", {})
    assert found == Proxy("proxy.test", 3128, "me", "p@ss")
    assert b"Proxy-Authorization: Basic bWU6cEBzcw==\r\n" in found.connect_request("a.test", 443)
    assert found.connect_request("::1", 8443).startswith(b"CONNECT [::1]:8443 HTTP/1.1\r\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("socks5://p:1080", "only http:// proxies are supported (got socks5://)"),
        ("http://p:port", "the port is not a number"),
        ("http://:80", "names no proxy host"),
    ],
)
def test_a_proxy_url_that_cannot_work_is_one_line(text: str, message: str) -> None:
    with pytest.raises(ProxySettingError, match=re.escape(message)):
        parse_proxy(text)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("openssl") is None, reason="proxy.py signs with openssl")
def test_a_tls_inspecting_proxy_is_trusted_by_its_own_ca_only(
    https_collector: EmbeddedCollector, tmp_path: Path
) -> None:
    """A corporate proxy that inspects TLS: its CA's certificates are not the target's."""
    assert https_collector.certificate is not None and https_collector.certificate.ca
    proxy = ProxyServer(tmp_path, inspect_upstream_ca=https_collector.certificate.ca)
    try:
        url = https_collector.url.replace("127.0.0.1", "localhost")
        _, errors = run(
            url,
            tmp_path,
            visitors=1,
            concurrency=1,
            proxy=proxy.url,
            ca_bundle=https_collector.certificate.ca,
        )
        assert errors
        assert {e.split(":")[1].strip() for e in errors} == {
            "certificate not trusted (unknown issuer)"
        }
        before = https_collector.summary()["total"]
        result, errors = run(url, tmp_path, proxy=proxy.url, ca_bundle=proxy.ca)
        assert errors == []
        assert https_collector.summary()["total"] - before == result.requests > 0
    finally:
        proxy.stop()
