"""Only literal loopback addresses and ``localhost`` count as this machine.

No name is looked up: whatever DNS or a hosts file answers for another name
would get the traffic. Where the Locust runtime connects to ``localhost`` it
connects to 127.0.0.1, so no lookup can send it elsewhere either.
"""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from simulator_app.core.safety import connect_address, is_loopback, needs_confirmation


@pytest.mark.parametrize(
    "host",
    [
        "localhost.localdomain",
        "ip6-localhost",
        "ip6-loopback",
        "localhost.",
        "LOCALHOST.",
        "localhost.example.com",
        "127.0.0.1.nip.io",
        "loopback",
        socket.gethostname(),
        "0.0.0.0",
        "127.1",
        "2130706433",
        "0x7f000001",
        "[::ffff:127.0.0.1]",
        "[::]",
        "xn--localhost-",
    ],
)
def test_any_other_name_needs_consent(host: str) -> None:
    url = f"http://{host}:8787/"
    assert is_loopback(url) is False
    assert needs_confirmation(url, rate=None)


@pytest.mark.parametrize(
    "host", ["localhost", "LocalHost", "127.0.0.1", "127.255.255.254", "[::1]", "[0:0::1]"]
)
def test_localhost_and_loopback_addresses_are_this_machine(host: str) -> None:
    assert is_loopback(f"http://{host}:8787/")


@pytest.mark.parametrize(
    "url", ["http://local\nhost:1", "http://localhost:1\n", "http://127.0.0.1\t"]
)
def test_a_url_that_urlsplit_would_clean_is_not_loopback(url: str) -> None:
    assert is_loopback(url) is False


def test_localhost_is_connected_to_as_127_0_0_1() -> None:
    assert connect_address("localhost") == "127.0.0.1"
    assert connect_address("LOCALHOST") == "127.0.0.1"
    assert connect_address("::1") == "::1"
    assert connect_address("127.0.0.5") == "127.0.0.5"


def test_the_locust_runtime_connects_to_the_address_not_the_name() -> None:
    """The client a user opens for http://localhost:PORT dials 127.0.0.1 (a subprocess:
    geventhttpclient is not imported into the test process)."""
    code = (
        "from simulator_app.locust.wire import Target, open_client;"
        "t = Target.parse('http://localhost:8787/base');"
        "c = open_client(t, 1.0, 1.0, True);"
        "print(c.host, dict(t.headers)['Host'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["127.0.0.1", "localhost:8787"]
