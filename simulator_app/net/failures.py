"""Every network failure in one line that says what happened and what to do about it.

:func:`describe` is the one place a runner turns an exception from connecting
(resolving, the proxy, TCP, TLS) into words: the CLI's summary, the app's log
and the Locust runtime's failure names (Locust groups failures by them) all
read these lines, so a cause has the same wording everywhere. Each line starts
with its cause (:data:`CAUSES`), then the target, then the remedy.
"""

from __future__ import annotations

import errno
import socket
import ssl

CERT_SELF_SIGNED = "certificate not trusted (self-signed)"
CERT_UNKNOWN_ISSUER = "certificate not trusted (unknown issuer)"
CERT_EXPIRED = "certificate not trusted (expired)"
CERT_NOT_YET_VALID = "certificate not trusted (not yet valid)"
CERT_WRONG_HOST = "certificate not trusted (wrong host name)"
CERT_UNTRUSTED = "certificate not trusted"
TLS_FAILED = "TLS handshake failed"
NOT_RESOLVED = "name not resolved"
REFUSED = "connection refused"
PROXY_REFUSED = "proxy refused"
PROXY_AUTH = "proxy needs authentication"
TIMED_OUT = "timed out"
UNREACHABLE = "network unreachable"
CAUSES = (
    CERT_SELF_SIGNED,
    CERT_UNKNOWN_ISSUER,
    CERT_EXPIRED,
    CERT_NOT_YET_VALID,
    CERT_WRONG_HOST,
    CERT_UNTRUSTED,
    TLS_FAILED,
    NOT_RESOLVED,
    REFUSED,
    PROXY_REFUSED,
    PROXY_AUTH,
    TIMED_OUT,
    UNREACHABLE,
)

# OpenSSL's X509_V_ERR_* codes, by what a user must do about them.
_SELF_SIGNED = {18, 19}  # DEPTH_ZERO_SELF_SIGNED_CERT, SELF_SIGNED_CERT_IN_CHAIN
_UNKNOWN_ISSUER = {2, 20, 21}  # UNABLE_TO_GET_ISSUER_CERT(_LOCALLY), UNABLE_TO_VERIFY_LEAF
_EXPIRED = {10}  # CERT_HAS_EXPIRED
_NOT_YET_VALID = {9}  # CERT_NOT_YET_VALID
_WRONG_HOST = {62, 64}  # HOSTNAME_MISMATCH, IP_ADDRESS_MISMATCH


class ProxyError(OSError):
    """The proxy would not open a tunnel: ``status`` is its answer (0: it did not answer)."""

    def __init__(self, proxy: str, status: int, reason: str) -> None:
        super().__init__(reason)
        self.proxy = proxy
        self.status = status
        self.reason = reason


def where(host: str, port: int) -> str:
    """``host:port``, an IPv6 address in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def describe(
    error: BaseException,
    host: str,
    port: int,
    timeout: float | None = None,
    proxy: str | None = None,
) -> str:
    """``error``, met while connecting to ``host:port`` (through ``proxy``, when given), in one
    line: its cause first, then where, then what to do."""
    target = where(host, port)
    if isinstance(error, ProxyError):
        return _proxy_failure(error, target)
    if isinstance(error, ssl.SSLCertVerificationError):
        return _certificate(error, host, target)
    if isinstance(error, ssl.SSLError):
        reason = error.reason or error.strerror or str(error)
        return (
            f"{TLS_FAILED} with {target} ({str(reason).lower().replace('_', ' ')}): "
            "is it an HTTPS port? use http:// for a plain-HTTP target"
        )
    if isinstance(error, socket.gaierror):
        named = proxy or host
        return (
            f"{NOT_RESOLVED}: {named} is not a known host name; check the URL's spelling, "
            "or your DNS (a network that needs a proxy: --proxy URL or HTTPS_PROXY)"
        )
    if isinstance(error, TimeoutError | socket.timeout):
        within = f" within {timeout:g} s" if timeout else ""
        if proxy:
            return f"{TIMED_OUT}: no connection to the proxy {proxy}{within}; is the proxy up?"
        return (
            f"{TIMED_OUT}: no connection to {target}{within}; a firewall may drop it, "
            "or the network needs a proxy (--proxy URL or HTTPS_PROXY)"
        )
    code = getattr(error, "errno", None)
    if isinstance(error, ConnectionRefusedError) or code == errno.ECONNREFUSED:
        if proxy:
            return (
                f"{PROXY_REFUSED}: nothing listens at the proxy {proxy}; "
                "check --proxy or HTTPS_PROXY / HTTP_PROXY"
            )
        return f"{REFUSED}: nothing listens on {target}; is the target running, on this port?"
    if code in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return f"{UNREACHABLE}: no route to {proxy or target}; check the network connection"
    reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return f"cannot connect to {proxy or target}: {reason[:1].lower()}{reason[1:]}"


def _certificate(error: ssl.SSLCertVerificationError, host: str, target: str) -> str:
    code = error.verify_code
    trust_it = f"give its CA with --ca-bundle FILE, or --insecure {host} for a test server"
    if code in _SELF_SIGNED:
        return f"{CERT_SELF_SIGNED}: {target} sent a self-signed certificate; {trust_it}"
    if code in _UNKNOWN_ISSUER:
        return (
            f"{CERT_UNKNOWN_ISSUER}: {target}'s certificate is signed by a CA this machine "
            f"does not trust (a TLS-inspecting proxy's?); {trust_it}"
        )
    if code in _EXPIRED:
        return (
            f"{CERT_EXPIRED}: {target}'s certificate has expired; the server needs a new one "
            f"(--insecure {host} skips the check on a test server)"
        )
    if code in _NOT_YET_VALID:
        return (
            f"{CERT_NOT_YET_VALID}: {target}'s certificate is not valid yet; check this "
            f"machine's clock (--insecure {host} skips the check on a test server)"
        )
    if code in _WRONG_HOST:
        return (
            f"{CERT_WRONG_HOST}: {target}'s certificate is not made for {host}; "
            f"use the name it was made for, or --insecure {host} for a test server"
        )
    message = error.verify_message or error.reason or str(error)
    return f"{CERT_UNTRUSTED}: {target}: {message}; {trust_it}"


def _proxy_failure(error: ProxyError, target: str) -> str:
    if error.status == 407:
        return (
            f"{PROXY_AUTH}: the proxy {error.proxy} answered 407; give user:password in "
            "--proxy http://USER:PASSWORD@HOST:PORT (or in HTTPS_PROXY)"
        )
    answer = f"answered {error.status} {error.reason}".rstrip() if error.status else error.reason
    return (
        f"{PROXY_REFUSED}: the proxy {error.proxy} {answer} to a tunnel to {target}; "
        "ask its admin, or set NO_PROXY for this host"
    )


def cause_of(line: str) -> str | None:
    """The cause a line of :func:`describe` starts with, or None."""
    for cause in CAUSES:
        if line.startswith(cause):
            return cause
    return None
