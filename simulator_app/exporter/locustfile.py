"""Build the text of a locustfile (and its locust.conf) from a scenario.

The file is a short, ordinary locustfile: a docstring that says how to run
it, an import of :class:`simulator_app.locust.users.NitroxUser`, the scenario
as data (``SCENARIO``), one base class with the settings a performance
engineer changes (host, think scale), ``AllJourneys``, and one class per
journey with its weight. Everything that comes from the scenario goes in
through ``repr`` (``pprint`` for the data), never pasted into code, so any
text (quotes, newlines, backslashes, any script) stays data. The output
depends on nothing but its inputs: no timestamps, no paths, no host names.
The exporter never imports locust: it writes text.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
from dataclasses import dataclass
from typing import Any

from simulator_app.core.model import Scenario, scenario_from_dict, scenario_to_dict
from simulator_app.core.safety import target_problem

DEFAULT_HOST = "http://127.0.0.1:8787"  # the embedded collector; never the production host
CONF_MARKER = "# written by nitrox-sim export-locust"
BASE_CLASS = "ScenarioUser"
RUNTIME_IMPORT = "from simulator_app.locust.users import NitroxUser"

HEADER = '''\
"""A Locust test of a Nitrox Traffic Simulator scenario (SCENARIO), one User class per journey.

Written by `nitrox-sim export-locust`; the users are simulator_app.locust's (`pip install .` of
the project where Locust runs, workers too; `--bundle` exports for workers with only locust and
Faker). Change the settings and weights here, the journeys in the scenario (then export again).

    locust -f THIS_FILE --config locust.conf      # the run settings beside it
    locust -f THIS_FILE AllJourneys --headless -u 1 -t 1m --visitors 20 --think-scale 0
                                                  # visitors 0..19, as `nitrox-sim run` sends them

Its own options (Locust's web UI lists them, --help does not): --org-id, --seed, --visitors,
--think-scale, --max-fail-ratio, --max-p95-ms, --allow-remote, --allow-host.
"""
'''

DATA_WIDTH = 110  # the scenario's lines: one step of a journey fits on one


class ExportError(Exception):
    """The scenario cannot be exported (a setting out of range, a module that cannot be bundled)."""


@dataclass(frozen=True, slots=True)
class ExportSettings:
    """Choices made at export time; the locust command line overrides them."""

    think_scale: float = 1.0
    host: str = DEFAULT_HOST


def class_name(journey_name: str, taken: set[str]) -> str:
    """A Python class name for a journey: its ASCII words in CamelCase, unique."""
    words = re.findall(r"[A-Za-z0-9]+", journey_name)
    base = "".join(w[:1].upper() + w[1:] for w in words) or "Journey"
    if base[0].isdigit():
        base = "Journey" + base
    if not base.endswith("User"):
        base += "User"
    name, n = base, 2
    while name in taken or keyword.iskeyword(name) or not name.isidentifier():
        name = f"{base}{n}"
        n += 1
    taken.add(name)
    return name


def user_weights(weights: list[float]) -> list[int]:
    """Locust's whole-number weights in the scenario's proportions (two decimals kept)."""
    if all(w == int(w) for w in weights):
        return [max(1, int(w)) for w in weights]
    return [max(1, round(w * 100)) for w in weights]  # 0 stays 1: the caller skips those


def _check_finite(value: Any, where: str = "scenario") -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ExportError(f"{where}: {value!r} cannot be exported (not a finite number)")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_finite(item, f"{where}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            _check_finite(item, f"{where}[{n}]")


def _journey_classes(scenario: Scenario) -> str:
    taken = {"NitroxUser", BASE_CLASS, "AllJourneys", "SCENARIO"}
    names = [j.name for j in scenario.journeys]
    weights = user_weights([j.weight for j in scenario.journeys])
    blocks = []
    for n, (journey, weight) in enumerate(zip(scenario.journeys, weights, strict=True)):
        if journey.weight <= 0:
            continue  # never drawn: a class for it would wait forever for a visitor
        # by name, unless two journeys share it: then by number
        which = journey.name if names.count(journey.name) == 1 else n
        blocks.append(
            f"class {class_name(journey.name, taken)}({BASE_CLASS}):\n"
            f"    journey = {which!r}\n"
            f"    weight = {weight}\n"
        )
    return "\n\n".join(blocks)


def _checked_data(scenario: Scenario, settings: ExportSettings) -> dict[str, Any]:
    if not (math.isfinite(settings.think_scale) and settings.think_scale >= 0):
        raise ExportError(f"think scale {settings.think_scale!r}: must be 0 or more")
    problem = host_problem(settings.host)
    if problem:  # written as repr, so it would stay data: but as another URL than the one checked
        raise ExportError(problem)
    data = scenario_to_dict(scenario)
    _check_finite(data)
    if scenario_from_dict(data) != scenario:
        # The file rebuilds the scenario from this data: were it to differ, the
        # locustfile would send other requests than `nitrox-sim run`. Refuse.
        raise ExportError(
            "the scenario does not read back equal from its own data"
            " (model.scenario_to_dict loses a setting), so the export would not match nitrox-sim run"
        )
    return data


def python_literal(value: Any, indent: int = 0, column: int = 0, width: int = 100) -> str:
    """``value`` (JSON-like data) as a Python literal, laid out as ruff formats code.

    ``column`` is where the literal starts on its line, ``indent`` that line's
    indentation. What fits in ``width`` stays on one line; a longer dict or
    list gets one item per line. Every key, string and number is a ``repr``.
    """
    flat = repr(value)
    if column + len(flat) + 1 <= width or not isinstance(value, dict | list) or not value:
        return flat
    inner = indent + 4
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            head = f"{' ' * inner}{key!r}: "
            lines.append(head + python_literal(item, inner, len(head), width) + ",")
    else:
        lines = [" " * inner + python_literal(item, inner, inner, width) + "," for item in value]
    opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
    return opening + "\n" + "\n".join(lines) + "\n" + " " * indent + closing


def locustfile_body(scenario: Scenario, settings: ExportSettings) -> str:
    """The file after its docstring: the import, the scenario, the classes."""
    data = _checked_data(scenario, settings)
    scenario_src = python_literal(data, 0, len("SCENARIO = "), DATA_WIDTH)
    return (
        f"{RUNTIME_IMPORT}\n\n"
        f"SCENARIO = {scenario_src}\n\n\n"
        f"class {BASE_CLASS}(NitroxUser):  # what every journey's users share\n"
        "    abstract = True\n"
        "    scenario = SCENARIO\n"
        f"    host = {settings.host!r}  # --host overrides it\n"
        f"    think_scale = {settings.think_scale!r}  # every think time × this (0: none); --think-scale\n\n\n"
        f"class AllJourneys({BASE_CLASS}):  # every visitor on the journey it draws; runs when named\n"
        "    journey = None\n\n\n" + _journey_classes(scenario)
    )


def export_locustfile(scenario: Scenario, settings: ExportSettings | None = None) -> str:
    """The locustfile for ``scenario``, as text. Raises :class:`ExportError`."""
    settings = settings or ExportSettings()
    text = HEADER + "\nfrom __future__ import annotations\n\n" + locustfile_body(scenario, settings)
    compile(text, "<locustfile>", "exec")  # a broken export must never reach the disk
    return text


def scenario_data_of(text: str) -> Any:
    """The SCENARIO literal of a generated locustfile, read without running it."""
    for node in ast.parse(text).body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "SCENARIO"
        ):
            return ast.literal_eval(node.value)
    raise ValueError("no SCENARIO in this file")


RUN_TIME = re.compile(r"(\d+h)?(\d+m)?(\d+s)?|\d+")  # Locust's -t: 30s, 5m, 1h30m, 90


def run_time_problem(run_time: str) -> str | None:
    """Why ``run_time`` is not a duration Locust's ``-t`` reads (matched whole), or None."""
    if not RUN_TIME.fullmatch(run_time) or run_time.strip("0hms") == "":
        return f"run time {run_time!r}: use a duration such as 30s, 5m, 1h30m"
    return None


def host_problem(host: str, conf: bool = False) -> str | None:
    """Why ``host`` cannot be written as the file's default target (a URL, one line), or None.

    In locust.conf (``conf``) it may hold no white space either: `` #`` would
    start a comment there, and Locust would read another host than the one checked.
    """
    problem = target_problem(host)
    if problem is None and conf and any(c.isspace() for c in host):
        problem = f"{host!r} holds white space, which locust.conf cannot hold (write it as %20)"
    return f"host: {problem}" if problem else None


def locust_conf(
    users: int = 10, spawn_rate: float = 5.0, run_time: str = "1m", host: str = DEFAULT_HOST
) -> str:
    """A locust.conf for an exported file: no scenario in it, so several exports can share it.

    Every value is checked before it is written: each must stay one setting on
    its line (no newline can add ``allow-remote = true``). Raises :class:`ExportError`.
    """
    problem = (
        host_problem(host, conf=True)
        or run_time_problem(run_time)
        or (None if type(users) is int and users >= 1 else f"users {users!r}: must be 1 or more")
        or (
            None
            if isinstance(spawn_rate, int | float) and math.isfinite(spawn_rate) and spawn_rate > 0
            else f"spawn rate {spawn_rate!r}: must be a number above 0"
        )
    )
    if problem:
        raise ExportError(f"locust.conf: {problem}")
    return (
        f"{CONF_MARKER}: settings for `locust -f <exported file>`.\n"
        "# Command-line options override these; the scenario's own settings\n"
        "# (org-id, seed, visitors, think-scale, max-fail-ratio, max-p95-ms) can go here too.\n"
        f"host = {host}\n"
        f"users = {users}\n"
        f"spawn-rate = {spawn_rate:g}\n"
        f"run-time = {run_time}\n"
        "headless = true\n"
        "# An https:// host is checked against the system's trust store; or name a CA bundle,\n"
        "# a test server whose certificate is not checked, an HTTP proxy (else HTTPS_PROXY):\n"
        "# ca-bundle = /path/to/ca.pem\n"
        "# insecure-host = staging.example.test\n"
        "# proxy = http://user:password@proxy.example.test:3128\n"
    )
