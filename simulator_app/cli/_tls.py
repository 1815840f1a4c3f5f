"""``nitrox-sim collector``'s HTTPS options read into a certificate, and the line it prints."""

from __future__ import annotations

import argparse

from simulator_app.cli._common import CliError
from simulator_app.collector.tls import ServerCertificate, TlsError, local_certificate


def server_certificate(args: argparse.Namespace) -> ServerCertificate | None:
    """The certificate ``--tls`` / ``--cert`` ``--key`` ask for (None: plain HTTP).

    Raises :class:`~simulator_app.cli._common.CliError` with a one-line message.
    """
    cert, key = getattr(args, "cert", None), getattr(args, "key", None)
    if bool(cert) != bool(key):
        raise CliError("--cert and --key go together: give both, or --tls for a local certificate")
    try:
        if cert and key:
            certificate = ServerCertificate(cert, key)
            certificate.check()
            return certificate
        if getattr(args, "tls", False):
            return local_certificate(getattr(args, "tls_dir", None))
    except TlsError as exc:
        option = "--cert/--key" if cert else "--tls"
        raise CliError(f"{option}: {exc}") from None
    return None


def tls_banner(certificate: ServerCertificate) -> str:
    """What the collector says about its certificate: the CA file to trust, when it made one."""
    if certificate.ca is None:
        return f"HTTPS with {certificate.cert}"
    return (
        f"HTTPS: trust the CA {certificate.ca} (nitrox-sim run --ca-bundle {certificate.ca},"
        f" or SSL_CERT_FILE={certificate.ca})"
    )
