"""The loopback guard where traffic is made, and the door of Locust's web UI.

Two rules, for every process of a run (a lone Locust, a master, each worker):

- **Permissions are this process's own.** ``--allow-remote`` and
  ``--allow-host`` are read once, at start-up, from the process's command
  line, config file or environment (:func:`remember_start_up`). What the
  parsed options say later does not count: the web UI copies every field of
  its start form into them, and a worker takes the master's with each test.
- **Each user checks its host before its first request**
  (:func:`user_host_problem`, called by ``NitroxUser.on_start``). A test
  started from the web UI, a second start that changes the host while users
  run, a host the master sends, a class attribute set through the web UI's
  ``/user`` form: every user made for any of them checks the host it is about
  to open a connection to. A refused host sends nothing; the process says why
  once per host, and a lone Locust stops the test.

The web UI's door (:func:`protect_web_ui`) refuses, before Locust's own
handlers run: a request from another origin (its ``Origin``, or for a POST
its ``Referer`` or ``Sec-Fetch-Site``, naming another address than the one the
browser asked, so a page elsewhere cannot start or change a test); a request
whose ``Host`` is not this machine while the UI listens on loopback only (a
DNS-rebound page); a form that carries a permission; and a start whose host
the permissions refuse. Locust's UI itself binds 127.0.0.1 unless ``--web-host``
says otherwise (:func:`web_request_problem` holds the rules, plain Python).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from simulator_app.core.safety import is_loopback_host
from simulator_app.locust.options import (
    PERMISSIONS,
    NitroxOptions,
    OptionError,
    host_problem,
    read_options,
)

_log = logging.getLogger("nitrox")

WEB_HOST = "127.0.0.1"  # where Locust's web UI listens unless --web-host says otherwise
_SAFE_METHODS = frozenset({"GET", "HEAD"})
_SAFE_SITES = frozenset({"same-origin", "none"})
# What the web UI's /user form may change on a user class (Locust's class picker).
_USER_SETTINGS = frozenset({"user_class_name", "fixed_count", "weight", "tasks", "host"})


class _Guard:
    start_up: NitroxOptions | None = None  # None: not read yet, so nothing off this machine
    checked: dict[str, str | None] = {}  # noqa: RUF012 - host -> problem, one per process
    said: set[str] = set()  # noqa: RUF012 - hosts already refused in the log


def remember_start_up(namespace: object | None) -> None:
    """Read this process's permissions from its own parsed options (once: at start-up)."""
    if _Guard.start_up is not None:
        return
    try:
        _Guard.start_up = read_options(namespace)
    except OptionError:
        _Guard.start_up = NitroxOptions()  # the settings check says what is wrong
    _Guard.checked.clear()


def start_up() -> NitroxOptions:
    """This process's start-up options (permissions included); none allowed before start-up."""
    return _Guard.start_up or NitroxOptions()


def user_host_problem(host: str | None) -> str | None:
    """Why a user may not open a connection to ``host`` under this process's permissions."""
    key = host or ""
    if key not in _Guard.checked:
        _Guard.checked[key] = host_problem(host, start_up())
    return _Guard.checked[key]


def worker_hint(worker: bool) -> str:
    """What a worker's refusal adds: its permissions are its own, not the master's."""
    return (
        " (a worker's permission is its own: give it on this worker's own command line)"
        if worker
        else ""
    )


def say_refused(host: str | None, problem: str, worker: bool) -> bool:
    """Log a refused host once per process; True the first time (the caller may stop the test)."""
    key = host or ""
    if key in _Guard.said:
        return False
    _Guard.said.add(key)
    _log.error("nitrox: %s%s; users for that host send nothing", problem, worker_hint(worker))
    return True


# -- the web UI's door ---------------------------------------------------------------


def host_name(authority: str) -> str:
    """The name in a Host header or a URL's authority: lower case, no port, no brackets."""
    value = authority.strip().lower()
    if value.startswith("["):
        return value[1:].partition("]")[0]
    name, colon, port = value.rpartition(":")
    return name if colon and name and port.isdigit() else value


def _origin(url: str) -> str | None:
    """``scheme://host:port`` of ``url`` in lower case, or None when it has none."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def web_request_problem(
    method: str,
    headers: Mapping[str, str],
    form_keys: Iterable[str],
    bound: str,
    *,
    path: str = "/",
    scheme: str = "http",
    form_host: str | None = None,
    user_settings: Iterable[str] = (),
) -> str | None:
    """Why the web UI refuses this request, or None to let Locust handle it.

    ``headers`` by lower-case name; ``bound`` is the address the UI listens
    on ("" or "*": every interface); ``scheme`` the UI's own (https with
    ``--tls-cert``); ``form_host`` the host of a start form.
    """
    host = headers.get("host", "")
    loopback_only = bool(bound) and bound != "*" and is_loopback_host(bound)
    if loopback_only and not is_loopback_host(host_name(host)):
        return f"Host {host!r} is not this machine (the web UI listens on {bound} only)"
    own = f"{scheme}://{host.strip()}".lower()
    origin = headers.get("origin")
    if origin is not None and _origin(origin) != own:
        return f"a request from another origin ({origin!r}) is refused"
    if method.upper() not in _SAFE_METHODS:
        site = headers.get("sec-fetch-site")
        if site is not None and site.lower() not in _SAFE_SITES:
            return f"a {method} from another site (Sec-Fetch-Site: {site}) is refused"
        referer = headers.get("referer")
        if origin is None and referer is not None and _origin(referer) != own:
            return f"a {method} from another page ({referer!r}) is refused"
    given = sorted(set(form_keys) & set(PERMISSIONS))
    if given:
        names = ", ".join("--" + k.replace("_", "-") for k in given)
        return f"{names} can be given only on the command line, in the config file or environment"
    unknown = sorted(set(user_settings) - _USER_SETTINGS)
    if unknown:
        return f"the web UI may not change a user class's {', '.join(unknown)}"
    if path.rstrip("/").endswith("/swarm") and form_host:
        return host_problem(form_host, start_up())
    return None


def protect_web_ui(web_ui: Any, bound: str) -> None:
    """Put the door in front of every route of Locust's web UI (a Flask app)."""
    from flask import jsonify, request  # Locust's own dependency; only a UI process needs it

    def door() -> Any:
        settings: Iterable[str] = ()
        if request.path.rstrip("/").endswith("/user") and request.method == "POST":
            data = request.get_json(force=True, silent=True)
            settings = data.keys() if isinstance(data, dict) else ("(not a JSON object)",)
        form = request.form if request.method not in _SAFE_METHODS else {}
        problem = web_request_problem(
            request.method,
            {k.lower(): v for k, v in request.headers.items()},
            list(form.keys()),
            bound,
            path=request.path,
            scheme=request.scheme,
            form_host=form.get("host") or None,
            user_settings=settings,
        )
        if problem is None:
            return None
        _log.error("nitrox: web UI: %s %s: %s", request.method, request.path, problem)
        answer = jsonify({"success": False, "message": f"nitrox: {problem}", "host": ""})
        answer.status_code = 403
        return answer

    register: Callable[[Callable[[], Any]], object] = web_ui.app.before_request
    register(door)
