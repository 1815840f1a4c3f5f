"""``nitrox-sim collector``: a local Nitrox receiver that checks every request it gets."""

from __future__ import annotations

import argparse
import re
import signal
import sys
from types import FrameType

MIB = 1024 * 1024
# The collector's defaults (store.MEMORY_BUDGET, wire.DEFAULT_TIMEOUT), written out so
# that building the parser does not import the collector; a test holds them equal.
MEMORY_MIB = 256
HEADER_TIMEOUT = 10.0
CLIENT_IP_HEADER = "X-Forwarded-For"  # geo.DEFAULT_HEADER, the scenario's default too
_TOKEN = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$")  # an HTTP header name

COMMAND = "collector"
HELP = "run a local Nitrox receiver that checks every request against the contract"
DESCRIPTION = """\
Run the embedded collector as a server: all 8 Nitrox endpoints on this
machine, each request filed good or bad with GA4-style validation messages.
Point any sender at it (nitrox-sim run --target, a Locust load test, a
browser tracker) and read the verdicts at /_collector/.
"""
EPILOG = """\
inspection API (on the same port):
  GET  /_collector/              HTML page: counts per type, funnel, recent events (refreshes)
  GET  /_collector/all           {"total", "good", "bad", "by_type", "bad_by_type", "countries", ...}
  GET  /_collector/countries     visitors and requests by country, from the client-IP header
  GET  /_collector/good          stored good requests, newest first (?type=&visitor=&limit=&before=)
  GET  /_collector/bad           bad requests with their messages (same filters)
  POST /_collector/reset         forget everything stored
  GET  /_collector/faults        the fault settings; POST a JSON object to change them
  It answers only Host names of this machine (loopback, --host, --allow-host) and
  refuses changes from other sites' pages (Origin, Sec-Fetch-Site, non-JSON bodies).

examples:
  nitrox-sim collector                                  listen on 127.0.0.1:8787, store in memory
  nitrox-sim collector --port 9000 --db run.sqlite     keep every request in a SQLite file
  nitrox-sim collector --latency 50-300 --error-rate 0.05
                                                        a slow collector failing 5% with 503
  nitrox-sim collector --drop-rate 0.01 --payload-error-rate 0.2 --seed 1
                                                        repeatable dropped connections and Payload Errors
  nitrox-sim collector --tls                            HTTPS on 127.0.0.1:8787; prints the CA to trust
  nitrox-sim collector --full-cart                      storefronts whose cart events list the whole cart
  nitrox-sim collector --client-ip-header X-Real-IP     visitors' addresses come in X-Real-IP
  nitrox-sim collector --host 0.0.0.0 --allow-host devbox.lan
                                                        reachable from the LAN as http://devbox.lan:8787
  curl -s localhost:8787/_collector/bad?type=checkout\\&limit=5
  curl -s -X POST localhost:8787/_collector/faults -H 'Content-Type: application/json' \\
       -d '{"error_rate": 0.5}'

Ctrl-C (SIGINT) or SIGTERM stops it gracefully: every request answered 2xx is in --db.
When --db cannot be written (a full disk), tracking requests are answered 503 until
it can, and the exit status is 1 with a line saying how many were not stored.
--db opens only the collector's own databases (or a new file): any other file is
left untouched.
"""


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number between 0 and 1") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0.01 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"{text} is not between 0.01 and 3600 seconds")
    return value


def _header_name(text: str) -> str | None:
    if text == "off":
        return None
    if not _TOKEN.match(text):
        raise argparse.ArgumentTypeError(
            f"{text[:100]!r} is not an HTTP header name (letters, digits, - and the like) or 'off'"
        )
    return text


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8787,
        help="port to listen on (default 8787; 0 picks a free one)",
    )
    parser.add_argument(
        "--db",
        default=":memory:",
        metavar="FILE",
        help="SQLite file to keep every request in (default: memory, the latest within --memory)",
    )
    parser.add_argument(
        "--memory",
        type=_positive_int,
        default=MEMORY_MIB,
        metavar="MIB",
        help=f"MiB of stored requests kept in memory without --db (default {MEMORY_MIB})",
    )
    parser.add_argument(
        "--full-cart",
        action="store_true",
        help="cart events list every line now in the cart (line_items), not just the change",
    )
    parser.add_argument(
        "--client-ip-header",
        type=_header_name,
        default=CLIENT_IP_HEADER,
        metavar="NAME|off",
        help=f"the header carrying each visitor's address, counted by country "
        f"(default {CLIENT_IP_HEADER}; the scenario's tracker.client_ip_header)",
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a Host name the inspection API answers besides loopback and --host (repeatable)",
    )
    parser.add_argument(
        "--header-timeout",
        type=_seconds,
        default=HEADER_TIMEOUT,
        metavar="S",
        help=f"seconds a client has to send a request's headers, then its body "
        f"(default {HEADER_TIMEOUT:g})",
    )
    tls = parser.add_argument_group("HTTPS")
    tls.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS with a certificate for 127.0.0.1, ::1 and localhost, signed by a local"
        " CA kept in --tls-dir (its ca.pem is printed: trust it with --ca-bundle)",
    )
    tls.add_argument(
        "--tls-dir",
        metavar="DIR",
        help="folder of the local CA and certificate (default ~/.config/nitrox-sim/tls)",
    )
    tls.add_argument("--cert", metavar="FILE", help="serve HTTPS with this PEM certificate chain")
    tls.add_argument("--key", metavar="FILE", help="the private key of --cert (PEM)")
    faults = parser.add_argument_group("fault injection (also changeable at /_collector/faults)")
    faults.add_argument(
        "--latency", default="0", metavar="MS|MIN-MAX", help="delay each answer, e.g. 200 or 50-300"
    )
    faults.add_argument(
        "--error-rate", type=_rate, default=0.0, metavar="R", help="share of requests answered 503"
    )
    faults.add_argument(
        "--payload-error-rate",
        type=_rate,
        default=0.0,
        metavar="R",
        help="share of identify requests answered 'Payload Error'",
    )
    faults.add_argument(
        "--drop-rate",
        type=_rate,
        default=0.0,
        metavar="R",
        help="share of connections closed without an answer",
    )
    faults.add_argument(
        "--throttle-rate",
        type=_rate,
        default=0.0,
        metavar="R",
        help="share of requests answered 429 Too Many Requests, with --retry-after",
    )
    faults.add_argument(
        "--retry-after",
        type=_seconds,
        default=1.0,
        metavar="S",
        help="the Retry-After seconds of those 429 answers (default 1)",
    )
    faults.add_argument("--seed", type=int, default=None, help="seed for repeatable faults")
    parser.add_argument(
        "--max-body",
        type=_positive_int,
        default=64 * 1024,
        metavar="BYTES",
        help="largest request body accepted; larger gets 413 (default 65536)",
    )


class _Stopped(Exception):
    """SIGTERM arrived: leave the server loop like Ctrl-C does."""


def _on_term(signum: int, frame: FrameType | None) -> None:
    raise _Stopped


def run(args: argparse.Namespace) -> int:
    from simulator_app.cli._common import CliError
    from simulator_app.cli._tls import server_certificate, tls_banner
    from simulator_app.collector.app import CollectorApp
    from simulator_app.collector.faults import FaultSettings, parse_latency
    from simulator_app.collector.guard import HostPolicy
    from simulator_app.collector.server import (
        CollectorStartError,
        base_url,
        bind_socket,
        host_warning,
        make_server,
    )
    from simulator_app.collector.store import EventStore, StoreError

    try:
        faults = FaultSettings(
            latency_ms=parse_latency(args.latency),
            error_rate=args.error_rate,
            payload_error_rate=args.payload_error_rate,
            drop_rate=args.drop_rate,
            seed=args.seed,
            throttle_rate=args.throttle_rate,
            retry_after=args.retry_after,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None
    try:
        store = EventStore(args.db, args.memory * MIB)
    except StoreError as exc:
        raise CliError(str(exc)) from None
    try:
        certificate = server_certificate(args)
    except CliError:
        store.close()
        raise
    try:
        sock = bind_socket(args.host, args.port)
    except CollectorStartError as exc:
        store.close()
        raise CliError(str(exc), exit_code=1) from None
    warning = host_warning(args.host)  # once it is bound: an address that failed warns of nothing
    if warning:
        print(f"nitrox-sim collector: {warning}", file=sys.stderr)
    hosts = HostPolicy(args.host, args.allow_host)
    app = CollectorApp(store, faults, args.max_body, hosts, args.full_cart, args.client_ip_header)
    server = make_server(app, False, header_timeout=args.header_timeout, tls=certificate)
    app.geo.load()  # before the banner: whoever reads the URL may send at once
    url = base_url(sock, certificate is not None)
    where = "memory" if args.db == ":memory:" else args.db
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal;
    # catch it here so the final count is printed and the exit is clean. A signal
    # right after the banner (before uvicorn handles them) ends the same way.
    previous = signal.signal(signal.SIGTERM, _on_term)
    try:
        print(f"collector listening on {url} (storing in {where})", flush=True)
        print(f"inspect: {url}/_collector/   stop: Ctrl-C", flush=True)
        if certificate is not None:
            print(tls_banner(certificate), flush=True)
        if faults.active:
            print(f"faults: {faults.describe()}", flush=True)
        if args.full_cart:
            print("cart events are judged in the full-cart form", flush=True)
        server.run(sockets=[sock])
    except (_Stopped, KeyboardInterrupt):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        store.close()
        sock.close()
    s = app.summary()
    failure = store.failure_line()
    stored = f"stored in {where}" if failure is None else f"{s['stored']} stored in {where}"
    print(
        f"collector stopped: {s['total']} requests ({s['good']} good, {s['bad']} bad), {stored}",
        flush=True,
    )
    if failure is not None:
        print(f"nitrox-sim collector: error: {failure}", file=sys.stderr, flush=True)
        return 1
    return 0
