"""The network options of ``nitrox-sim run``: trust, proxy and throttling.

Kept apart from the command so the options and their reading live in one
place: :func:`add_arguments` adds them, :func:`settings` reads them into the
sender's :class:`~simulator_app.sender.network.NetworkSettings` (checked:
a CA bundle that cannot be read or a proxy URL that cannot be used is a
one-line error before anything is sent) and prints the warnings once.
"""

from __future__ import annotations

import argparse
import atexit
import shutil
import sys
import tempfile
from typing import TYPE_CHECKING, Any

from simulator_app.cli._common import CliError

if TYPE_CHECKING:
    from simulator_app.sender.network import NetworkSettings

DEFAULT_THROTTLE_WAIT = 60.0  # simulator_app.net.throttle.MAX_WAIT, without importing it here


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("network (HTTPS targets, proxies, throttling)")
    group.add_argument(
        "--collector-tls",
        action="store_true",
        help="without --target: the embedded collector serves HTTPS (a certificate of a CA"
        " made for this run, which the run trusts)",
    )
    group.add_argument(
        "--ca-bundle",
        metavar="FILE",
        help="trust the CA certificates of this PEM file instead of the system's store"
        " (default: SSL_CERT_FILE or REQUESTS_CA_BUNDLE if set, else the system's store)",
    )
    group.add_argument(
        "--insecure",
        action="append",
        default=[],
        metavar="HOST",
        help="do not check the TLS certificate of HOST (a test server's self-signed one);"
        " repeatable",
    )
    group.add_argument(
        "--proxy",
        metavar="URL",
        help="send through this HTTP proxy, http://[USER:PASSWORD@]HOST:PORT, loopback"
        " targets too (default: HTTPS_PROXY / HTTP_PROXY / ALL_PROXY, never for loopback;"
        " NO_PROXY lists hosts sent to directly)",
    )
    group.add_argument(
        "--retry-throttled",
        action="store_true",
        help="send a request answered 429 (or 503 with Retry-After) again after the wait"
        " (default: never: each request is sent at most once)",
    )
    group.add_argument(
        "--max-throttle-wait",
        metavar="S",
        default=str(DEFAULT_THROTTLE_WAIT),
        help="seconds the run waits at most when the target asks it to slow down"
        f" (default {DEFAULT_THROTTLE_WAIT:g})",
    )


def embedded_tls(args: argparse.Namespace) -> dict[str, Any]:
    """The embedded collector's HTTPS settings for ``--collector-tls``: a CA made for this
    run in a folder of its own, removed when the process ends."""
    if not getattr(args, "collector_tls", False):
        return {}
    folder = tempfile.mkdtemp(prefix="nitrox-sim-tls-")
    atexit.register(shutil.rmtree, folder, True)
    return {"tls": True, "tls_folder": folder}


def settings(args: argparse.Namespace, target: str, collector: Any = None) -> NetworkSettings:
    """The run's network settings for ``target``; its warnings printed on stderr, once.

    Sending to an embedded ``collector`` over HTTPS, its CA is trusted (unless --ca-bundle).
    """
    from simulator_app.sender.network import NetworkSettings
    from simulator_app.sender.wire import WireTarget

    ca_bundle, source = args.ca_bundle, "--ca-bundle"
    certificate = getattr(collector, "certificate", None)
    if ca_bundle is None and certificate is not None:
        ca_bundle, source = certificate.ca, "the embedded collector's CA"
    network = NetworkSettings(
        ca_bundle=ca_bundle,
        insecure_hosts=tuple(args.insecure),
        proxy=args.proxy,
        bundle_from=source,
    )
    try:
        notes = network.check(WireTarget(target).origin)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    for note in notes:
        print(f"nitrox-sim run: {note}", file=sys.stderr)
    return network


def throttle_wait(args: argparse.Namespace) -> float:
    """``--max-throttle-wait`` in seconds (0 to 3600)."""
    try:
        value = float(args.max_throttle_wait)
    except ValueError:
        raise CliError(f"--max-throttle-wait: {args.max_throttle_wait!r} is not a number") from None
    if not 0 <= value <= 3600:
        raise CliError(f"--max-throttle-wait: must be between 0 and 3600, got {value:g}")
    return value
