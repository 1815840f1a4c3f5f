"""HTTPS for the collector: a certificate for this machine, made on the fly, or the user's own.

``nitrox-sim collector --tls`` (and the embedded collector with ``tls=True``)
serves HTTPS with a certificate for ``127.0.0.1``, ``::1`` and ``localhost``,
signed by a local CA made with ``trustme`` the first time and kept in a
folder (:func:`default_folder`), so its ``ca.pem`` can be trusted once
(``nitrox-sim run --ca-bundle .../ca.pem``, a browser, the system store)
and stays valid across restarts. The CA's key never leaves that folder
(its mode is 0600). ``--cert FILE --key FILE`` serves a certificate of the
user's own instead.
"""

from __future__ import annotations

import datetime
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

NAMES = ("127.0.0.1", "::1", "localhost")
CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
CERT_FILE = "collector-cert.pem"
KEY_FILE = "collector-key.pem"
CERT_DAYS = 30  # a leaf certificate is made anew at each start; the CA lasts for years


class TlsError(ValueError):
    """Certificates that cannot be made or loaded; the message is one line and names the file."""


@dataclass(frozen=True)
class ServerCertificate:
    """What the server loads (``cert``, ``key``) and what a client trusts (``ca``: None for a
    certificate of the user's own, whose CA they know)."""

    cert: str
    key: str
    ca: str | None = None

    def check(self) -> None:
        """Raise :class:`TlsError` when the pair cannot be loaded by a server."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            context.load_cert_chain(self.cert, self.key)
        except FileNotFoundError as exc:
            raise TlsError(f"no file {exc.filename or self.cert}") from None
        except (ssl.SSLError, OSError) as exc:
            raise TlsError(
                f"{self.cert} and {self.key} are not a PEM certificate and its key ({exc})"
            ) from None


def default_folder() -> Path:
    """Where the local CA is kept: ``$XDG_CONFIG_HOME/nitrox-sim/tls`` (``~/.config/...``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "nitrox-sim" / "tls"


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def local_certificate(folder: Path | str | None = None) -> ServerCertificate:
    """A certificate for this machine signed by the folder's CA (made there when missing)."""
    import trustme

    where = Path(folder) if folder is not None else default_folder()
    try:
        where.mkdir(parents=True, exist_ok=True, mode=0o700)
        ca_path, ca_key_path = where / CA_FILE, where / CA_KEY_FILE
        if ca_path.is_file() and ca_key_path.is_file():
            try:
                ca = trustme.CA.from_pem(ca_path.read_bytes(), ca_key_path.read_bytes())
            except ValueError as exc:
                raise TlsError(f"{ca_path}: not a CA certificate and key ({exc})") from None
        else:
            ca = trustme.CA(organization_name="nitrox-sim local collector")
            _write_private(ca_key_path, ca.private_key_pem.bytes())
            ca_path.write_bytes(ca.cert_pem.bytes())
        now = datetime.datetime.now(datetime.UTC)
        leaf = ca.issue_cert(
            *NAMES,
            common_name="localhost",
            not_before=now - datetime.timedelta(minutes=5),
            not_after=now + datetime.timedelta(days=CERT_DAYS),
        )
        cert_path, key_path = where / CERT_FILE, where / KEY_FILE
        cert_path.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
        _write_private(key_path, leaf.private_key_pem.bytes())
    except OSError as exc:
        raise TlsError(f"cannot write the certificates in {where}: {exc.strerror}") from None
    return ServerCertificate(str(cert_path), str(key_path), str(ca_path))
