"""The exported file's own command-line options, and the checks every run passes first.

Plain Python: :func:`add_options` takes Locust's parser (an argparse parser)
and :func:`read_options` reads Locust's parsed options, which on a worker are
the master's and, after a test started from the web UI, may hold text where
a number belongs. Defaults of ``None`` mean "what the file says" (the
scenario's org id and seed, the base class's think scale).

The permissions (``--allow-remote``, ``--allow-host``, ``--allow-lost-workers``)
are another kind: each process reads its own once, from its command line,
config file or environment, at start-up (:mod:`.guard` keeps them), and never
again. The web UI copies every field of its start form into the parsed
options, and a worker takes the master's options with each test, so what
they hold later is no permission; they are also kept out of the web UI's form.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from simulator_app.core.contract import id_problem
from simulator_app.core.safety import is_loopback, target_problem, text_problem
from simulator_app.locust.network import add_network_options

# The options that permit something: read from this process's own start-up only.
PERMISSIONS = ("allow_remote", "allow_host", "allow_lost_workers")


class _ArgumentGroup(Protocol):
    def add_argument(self, *names: str, **settings: Any) -> Any: ...


class ArgumentParserLike(Protocol):
    """What of Locust's parser this module uses (argparse's, extended)."""

    def add_argument_group(self, title: str, description: str) -> _ArgumentGroup: ...


class OptionError(ValueError):
    """An option holds a value it cannot have; the message names the option."""


@dataclass(frozen=True, slots=True)
class NitroxOptions:
    """The file's settings for one run, as given on the command line or in locust.conf."""

    org_id: str | None = None  # None: the scenario's
    seed: int | None = None  # None: the scenario's
    visitors: int = 0  # 0: no limit
    think_scale: float | None = None  # None: the user class's
    max_fail_ratio: float | None = None
    max_p95_ms: float | None = None
    allow_remote: bool = False
    allow_hosts: tuple[str, ...] = ()  # host names allowed besides this machine
    allow_lost_workers: bool = False  # a worker lost mid-test does not fail the run
    # The network (simulator_app.net): a CA bundle, hosts whose certificates are not
    # checked, an HTTP proxy (None: the worker's HTTPS_PROXY / HTTP_PROXY / NO_PROXY).
    ca_bundle: str | None = None
    insecure_hosts: tuple[str, ...] = ()
    proxy: str | None = None

    @property
    def has_thresholds(self) -> bool:
        return self.max_fail_ratio is not None or self.max_p95_ms is not None


def add_options(parser: ArgumentParserLike) -> None:
    """Add the options to Locust's parser (the ``init_command_line_parser`` event)."""
    group = parser.add_argument_group("nitrox scenario", "settings of the exported scenario")
    group.add_argument(
        "--org-id", default=None, help="org_id in every request path (default: the scenario's)"
    )
    group.add_argument(
        "--seed",
        default=None,
        help="identity seed: the same seed and visitor index give the same requests"
        " (default: the scenario's)",
    )
    group.add_argument(
        "--visitors",
        default="0",
        help="stop after this many visitors in all, across workers (default: 0, no limit;"
        " -t bounds the run)",
    )
    group.add_argument(
        "--think-scale",
        default=None,
        help="multiply every think time by this; 0 for maximum throughput (default: the file's)",
    )
    group.add_argument(
        "--max-fail-ratio",
        default=None,
        help="exit 1 when the share of failed requests is above this (0..1)",
    )
    group.add_argument(
        "--max-p95-ms",
        default=None,
        help="exit 1 when the 95th percentile response time, in ms, is above this",
    )
    # The permissions: command line, config file or environment, never the web UI's form.
    env = any(c.__module__ == "configargparse" for c in type(parser).__mro__)

    def permission(name: str, **settings: Any) -> None:
        if env:  # Locust's parser (configargparse) reads LOCUST_ALLOW_REMOTE and the like
            settings["env_var"] = "LOCUST_" + name.upper().replace("-", "_")
        action = group.add_argument("--" + name, **settings)
        action.include_in_web_ui = False  # Locust's web UI form skips it

    permission(
        "allow-remote",
        action="store_true",
        default=False,
        help="allow a --host that is not this machine (you must own it); each worker needs its own",
    )
    permission(
        "allow-host",
        action="append",
        default=None,
        metavar="NAME",
        help="allow a --host with this host name, as a cluster's collector (repeatable;"
        " each worker needs its own)",
    )
    permission(
        "allow-lost-workers",
        action="store_true",
        default=False,
        help="exit 0 even when a worker was lost mid-test (its last requests are not counted)",
    )
    add_network_options(group)


def _names(value: object) -> tuple[str, ...]:
    """Host names from --allow-host: a list, or text (the web UI), comma-separated."""
    items = value if isinstance(value, list | tuple) else [value] if value else []
    return tuple(
        name.strip().lower() for item in items for name in str(item).split(",") if name.strip()
    )


def _flag(value: object) -> bool:
    return str(value).lower() in ("true", "1", "yes", "on")


def _text(name: str, value: object) -> str | None:
    """A text option as given: a control character or space around it is an error.

    Never stripped: ``--org-id 'UUID\\n'`` is refused, not sent as another UUID.
    """
    if value is None or value == "":
        return None
    text = str(value)
    problem = text_problem(text)
    if problem:
        raise OptionError(f"--{name} {text!r}: {problem}")
    return text


def _number(name: str, value: object, kind: type[int] | type[float]) -> Any:
    text = None if value is None else str(value).strip() or None  # a number is only a number
    if text is None:
        return None
    try:
        number = kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise OptionError(f"--{name} {text!r}: not {what}") from None
    if isinstance(number, float) and not math.isfinite(number):
        raise OptionError(f"--{name} {text!r}: must be a finite number")
    return number


def read_options(namespace: object | None) -> NitroxOptions:
    """The options from Locust's parsed options (None: a run without a command line).

    Raises :class:`OptionError` with a one-line message for a value out of range.
    """
    if namespace is None:
        return NitroxOptions()
    get = vars(namespace).get
    options = NitroxOptions(
        org_id=_text("org-id", get("org_id")),
        seed=_number("seed", get("seed"), int),
        visitors=_number("visitors", get("visitors"), int) or 0,
        think_scale=_number("think-scale", get("think_scale"), float),
        max_fail_ratio=_number("max-fail-ratio", get("max_fail_ratio"), float),
        max_p95_ms=_number("max-p95-ms", get("max_p95_ms"), float),
        allow_remote=_flag(get("allow_remote")),
        allow_hosts=_names(get("allow_host")),
        allow_lost_workers=_flag(get("allow_lost_workers")),
        ca_bundle=_text("ca-bundle", get("ca_bundle")),
        insecure_hosts=_names(get("insecure_host")),
        proxy=_text("proxy", get("proxy")),
    )
    if options.org_id is not None:
        problem = id_problem("org_id", options.org_id)
        if problem:
            raise OptionError(f"--org-id {options.org_id!r}: {problem}")
    if options.visitors < 0:
        raise OptionError(f"--visitors {options.visitors}: must be 0 (no limit) or more")
    if options.think_scale is not None and options.think_scale < 0:
        raise OptionError(f"--think-scale {options.think_scale}: must be 0 or more")
    if options.max_fail_ratio is not None and not 0 <= options.max_fail_ratio <= 1:
        raise OptionError(f"--max-fail-ratio {options.max_fail_ratio}: must be between 0 and 1")
    if options.max_p95_ms is not None and options.max_p95_ms < 0:
        raise OptionError(f"--max-p95-ms {options.max_p95_ms}: must be 0 or more")
    return options


def permissions_of(options: NitroxOptions, start_up: NitroxOptions) -> NitroxOptions:
    """``options`` with the permissions of ``start_up`` (this process's own, read once)."""
    return dataclasses.replace(
        options,
        allow_remote=start_up.allow_remote,
        allow_hosts=start_up.allow_hosts,
        allow_lost_workers=start_up.allow_lost_workers,
    )


def host_problem(host: str | None, options: NitroxOptions) -> str | None:
    """Why the run cannot send to ``host``, or None: a usable URL, this machine unless allowed.

    ``--allow-remote`` allows any host; ``--allow-host NAME`` only that name
    (a cluster's own collector), so the web UI cannot point the run elsewhere.
    """
    if not host:
        return "no target: pass --host URL (the file's classes set none)"
    problem = target_problem(host)
    if problem:
        return f"--host: {problem}"
    if is_loopback(host) or options.allow_remote:
        return None
    if (urlsplit(host).hostname or "") in options.allow_hosts:
        return None
    return f"--host {host}: not this machine; pass --allow-remote if you own that server"
