"""Fixtures of the HTTPS, proxy and throttling tests: real servers on loopback, made here."""

from __future__ import annotations

import datetime
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from simulator_app.collector import EmbeddedCollector
from simulator_app.collector.tls import ServerCertificate


@pytest.fixture(scope="session")
def tls_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tls")


@pytest.fixture(scope="module")
def https_collector(tls_folder: Path) -> Iterator[EmbeddedCollector]:
    """The embedded collector over HTTPS, its certificate signed by a CA made for the tests."""
    with EmbeddedCollector(tls=True, tls_folder=str(tls_folder)) as collector:
        yield collector


def serve_certificate(folder: Path, name: str, **issue: object) -> ServerCertificate:
    """A certificate of a fresh CA for ``name`` (trustme's issue_cert options in ``issue``)."""
    ca = trustme.CA()
    leaf = ca.issue_cert(name, **issue)  # type: ignore[arg-type]
    cert, key, ca_file = (
        folder / f"{name}-cert.pem",
        folder / f"{name}-key.pem",
        folder / f"{name}-ca.pem",
    )
    cert.write_bytes(b"".join(b.bytes() for b in leaf.cert_chain_pems))
    key.write_bytes(leaf.private_key_pem.bytes())
    ca_file.write_bytes(ca.cert_pem.bytes())
    return ServerCertificate(str(cert), str(key), str(ca_file))


def expired(folder: Path) -> ServerCertificate:
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=30)
    return serve_certificate(
        folder,
        "127.0.0.1",
        not_before=past - datetime.timedelta(days=1),
        not_after=past,
    )


def self_signed(folder: Path) -> ServerCertificate:
    """A CA's own certificate served as the server's: self-signed (and for no host name)."""
    ca = trustme.CA()
    cert, key = folder / "self-cert.pem", folder / "self-key.pem"
    cert.write_bytes(ca.cert_pem.bytes())
    key.write_bytes(ca.private_key_pem.bytes())
    return ServerCertificate(str(cert), str(key), None)  # nobody trusts it


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ProxyServer:
    """proxy.py on a free loopback port, in a subprocess of its own (``auth``: user:password)."""

    def __init__(
        self, folder: Path, auth: str | None = None, inspect_upstream_ca: str | None = None
    ) -> None:
        """``inspect_upstream_ca``: inspect TLS (its own CA, :attr:`ca`, signs a certificate
        per host), trusting this CA file for the servers behind it."""
        self.port = free_port()
        self.auth = auth
        self.ca: str | None = None
        args = [
            sys.executable,
            "-m",
            "proxy",
            "--hostname",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--num-workers",
            "1",
            "--num-acceptors",
            "1",
            "--log-level",
            "WARNING",
        ]
        if auth:
            args += ["--basic-auth", auth]
        if inspect_upstream_ca:
            args += self._inspecting(folder, inspect_upstream_ca)
        self.log = folder / f"proxy-{self.port}.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                args, stdout=subprocess.DEVNULL, stderr=log, stdin=subprocess.DEVNULL
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"proxy.py did not start: {self.log.read_text()[-500:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("proxy.py did not listen within 20 s")

    def _inspecting(self, folder: Path, upstream_ca: str) -> list[str]:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        ca = trustme.CA(key_type=trustme.KeyType.RSA)
        cert, key, signing = (
            folder / "proxy-ca.pem",
            folder / "proxy-ca-key.pem",
            folder / "sign.pem",
        )
        cert.write_bytes(ca.cert_pem.bytes())
        key.write_bytes(ca.private_key_pem.bytes())
        signing.write_bytes(
            rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        )
        (folder / "certs").mkdir(exist_ok=True)
        self.ca = str(cert)
        return [
            *("--ca-cert-file", str(cert), "--ca-key-file", str(key)),
            *("--ca-signing-key-file", str(signing), "--ca-cert-dir", str(folder / "certs")),
            *("--ca-file", upstream_ca),
        ]

    @property
    def url(self) -> str:
        credentials = f"{self.auth}@" if self.auth else ""
        return f"http://{credentials}127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def proxy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProxyServer]:
    server = ProxyServer(tmp_path_factory.mktemp("proxy"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def auth_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProxyServer]:
    server = ProxyServer(tmp_path_factory.mktemp("proxy"), auth="shopper:s3cret")
    try:
        yield server
    finally:
        server.stop()
