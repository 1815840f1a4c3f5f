"""The runtime's Locust event listeners, and this process's part of the current test.

:func:`install` registers them once (``simulator_app.locust.users`` calls it
at import, as locust-plugins registers its options): the file's options on
Locust's parser; at start-up, the settings check and the engine (Faker's
locales load before the clock starts); at each test start, the settings
again (the web UI sets host and options per test) and a fresh visitor pool;
when Locust quits, the thresholds and the workers lost. A bad setting stops
Locust with one line (``nitrox: --org-id 'x': must be a UUID ...``) before any
request. The permissions are this process's own, read at start-up, and each
user checks its host before it sends (:mod:`.guard`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import gevent
from locust import events
from locust.env import Environment
from locust.runners import MasterRunner, Runner, WorkerRunner
from locust.user.users import User

from simulator_app.core.journey import JourneyEngine, fresh_seed
from simulator_app.core.model import Scenario, scenario_from_dict
from simulator_app.core.world import Population
from simulator_app.locust import guard, lost
from simulator_app.locust.options import (
    NitroxOptions,
    OptionError,
    add_options,
    host_problem,
    permissions_of,
    read_options,
)
from simulator_app.locust.pool import VisitorPool, share, share_problem
from simulator_app.locust.thresholds import broken_thresholds, exit_code

_log = logging.getLogger("nitrox")


class SettingsError(ValueError):
    """The file or its options cannot run; the message is one line for the user."""


@dataclass
class RunState:
    """What this process's users share during one test: the pool and the settings."""

    pool: VisitorPool | None  # None: the test may not send (its settings were refused)
    options: NitroxOptions = field(default_factory=NitroxOptions)
    journeys: dict[type, int | None] = field(default_factory=dict)  # user class -> journey
    done_users: int = 0  # users that found no visitor left

    def think_scale(self, user_class: type) -> float:
        """``--think-scale``, else the class's own ``think_scale``."""
        if self.options.think_scale is not None:
            return self.options.think_scale
        return float(getattr(user_class, "think_scale", 1.0))

    def user_done(self, runner: Runner | None) -> None:
        """A user found no visitor left: the last one out ends a local run."""
        self.done_users += 1
        if runner is None or isinstance(runner, WorkerRunner):
            return  # a worker's users stop; the master ends the test at -t
        if self.done_users >= runner.target_user_count:
            gevent.spawn_later(0.1, runner.quit)


class _Process:
    """This process's runtime state: the base user class, engines made, the current test."""

    base: type[User] | None = None
    engines: dict[tuple[int, str, int | None], JourneyEngine] = {}  # noqa: RUF012 - one per process
    run = RunState(pool=None)


def current_run() -> RunState:
    """The current test of this process (its pool is None before a test starts)."""
    return _Process.run


def _listen(hook: object, handler: Callable[..., None]) -> None:
    # Locust's EventHook.add_listener is untyped; this is its one typed doorway.
    cast(Any, hook).add_listener(handler)


def install(base: type[User]) -> None:
    """Register the listeners for the user classes derived from ``base`` (once per process)."""
    if _Process.base is not None:
        return
    _Process.base = base
    _listen(events.init_command_line_parser, _on_parser)
    _listen(events.init, _on_init)
    _listen(events.test_start, _on_test_start)
    _listen(events.quitting, _on_quitting)


# -- what the file says --------------------------------------------------------


def file_classes(environment: Environment) -> list[type[User]]:
    """The user classes of this run that are the runtime's."""
    base = _Process.base
    return [c for c in environment.user_classes if base is not None and issubclass(c, base)]


def _scenario_data(classes: list[type[User]]) -> Mapping[str, Any]:
    found = {id(d): d for d in (getattr(c, "scenario", None) for c in classes) if d is not None}
    if not found:
        raise SettingsError(f"{classes[0].__name__}: no scenario (set its scenario attribute)")
    if len(found) > 1:
        raise SettingsError("the user classes of this run come from more than one scenario")
    data = next(iter(found.values()))
    if not isinstance(data, Mapping):
        raise SettingsError(f"the scenario is a {type(data).__name__}, not a dict")
    return data


def _read_scenario(data: Mapping[str, Any]) -> Scenario:
    try:
        return scenario_from_dict(dict(data))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise SettingsError(f"the file's scenario cannot be read: {what}") from None


TEST_SEED = "nitrox_test_seed"  # the seed a test drew; the master's options carry it to workers


def file_scenario(
    classes: list[type[User]], options: NitroxOptions, test_seed: int | None = None
) -> Scenario:
    """The classes' scenario with ``--org-id`` and the seed applied.

    The seed is ``--seed``, else the scenario's, else the one the test drew
    (``test_seed``): every worker of one test gets the master's, another
    test another one.
    """
    scenario = _read_scenario(_scenario_data(classes))
    org_id = options.org_id or scenario.ids.org_id
    seed = options.seed if options.seed is not None else scenario.seed
    return dataclasses.replace(
        scenario,
        ids=dataclasses.replace(scenario.ids, org_id=org_id),
        seed=seed if seed is not None else test_seed,
    )


def _population(classes: list[type[User]]) -> Population | None:
    data = next((p for p in (getattr(c, "population", None) for c in classes) if p), None)
    if data is None:
        return None
    try:
        return Population.from_json(dict(data))
    except (KeyError, TypeError, ValueError) as exc:
        raise SettingsError(f"the file's population tables cannot be read: {exc}") from None


def engine_for(classes: list[type[User]], scenario: Scenario) -> JourneyEngine:
    """The engine for ``scenario``: made once per scenario, org id and seed in a process."""
    key = (id(_scenario_data(classes)), scenario.ids.org_id, scenario.seed)
    engine = _Process.engines.get(key)
    if engine is None:
        engine = JourneyEngine(scenario, seed=scenario.seed, population=_population(classes))
        _Process.engines[key] = engine
    return engine


def journey_index(user_class: type, scenario: Scenario) -> int | None:
    """The number of the journey ``user_class`` runs (None: every journey, as drawn)."""
    wanted = getattr(user_class, "journey", None)
    names = [j.name for j in scenario.journeys]
    if wanted is None:
        return None
    if isinstance(wanted, int) and not isinstance(wanted, bool) and 0 <= wanted < len(names):
        return wanted
    if isinstance(wanted, str) and wanted in names:
        return names.index(wanted)
    raise SettingsError(
        f"{user_class.__name__}: journey {wanted!r} is not one of the scenario's"
        f" ({', '.join(map(repr, names))})"
    )


def check(environment: Environment) -> tuple[NitroxOptions, Scenario, dict[type, int | None]]:
    """The settings of a test, checked: raises :class:`SettingsError` in one line."""
    classes = file_classes(environment)
    try:
        options = permissions_of(read_options(environment.parsed_options), guard.start_up())
    except OptionError as exc:
        raise SettingsError(str(exc)) from None
    hosts = {environment.host} if environment.host else {c.host for c in classes}
    for host in sorted(hosts, key=str):
        problem = host_problem(host, options)
        if problem:
            raise SettingsError(problem)
    test_seed = getattr(environment.parsed_options, TEST_SEED, None)
    scenario = file_scenario(classes, options, test_seed)
    journeys = {c: journey_index(c, scenario) for c in classes}
    for user_class, journey in journeys.items():
        if journey is not None and scenario.journeys[journey].weight <= 0:
            raise SettingsError(
                f"{user_class.__name__}: journey {scenario.journeys[journey].name!r}"
                " has weight 0, so no visitor ever takes it"
            )
    return options, scenario, journeys


# -- the listeners -------------------------------------------------------------


def _on_parser(parser: Any, **_kwargs: Any) -> None:
    add_options(parser)
    parser.set_defaults(web_host=guard.WEB_HOST)  # this machine only, unless --web-host says


def _on_init(environment: Environment, web_ui: Any = None, **_kwargs: Any) -> None:
    if not file_classes(environment):
        return
    guard.remember_start_up(environment.parsed_options)  # before any form or master speaks
    if web_ui is not None:
        guard.protect_web_ui(web_ui, str(getattr(environment.parsed_options, "web_host", "")))
    if isinstance(environment.runner, MasterRunner):
        lost.watch(environment.runner)
    if isinstance(environment.runner, WorkerRunner):
        # The master checks the settings, which arrive with each test: the worker only
        # makes the engine ahead (its data sets' tables load), for the settings it has.
        with contextlib.suppress(SettingsError):
            engine_for(file_classes(environment), check(environment)[1])
        return
    if environment.parsed_options is not None and not environment.parsed_options.user_classes:
        # A class with no journey (AllJourneys) runs only when named: with the per-journey
        # classes it would take a share of users that the scenario's weights did not give it.
        environment.user_classes[:] = [
            c for c in environment.user_classes if getattr(c, "journey", 0) is not None
        ]
    try:
        _options, scenario, _journeys = check(environment)
    except SettingsError as exc:
        sys.exit(f"nitrox: {exc}")
    if not isinstance(environment.runner, MasterRunner):
        engine_for(file_classes(environment), scenario)  # before the clock: the tables load


def _draw_test_seed(environment: Environment) -> None:
    """On the master (or alone): a fresh seed for this test unless one is given; logged."""
    options = environment.parsed_options
    if options is None:
        return
    scenario = _read_scenario(_scenario_data(file_classes(environment)))
    given = getattr(options, "seed", None)
    seed = int(given) if given not in (None, "") else scenario.seed
    if seed is None:
        seed = fresh_seed()
        vars(options)[TEST_SEED] = seed  # sent to the workers with the test's options
    _log.info("nitrox: seed %d: replay with --seed %d", seed, seed)


def _on_test_start(environment: Environment, **_kwargs: Any) -> None:
    runner = environment.runner
    if not file_classes(environment):
        return
    if not isinstance(runner, WorkerRunner):
        with contextlib.suppress(SettingsError, ValueError):
            _draw_test_seed(environment)
    try:
        options, scenario, journeys = check(environment)
    except SettingsError as exc:
        _log.error(
            "nitrox: %s%s; this test sends nothing",
            exc,
            guard.worker_hint(isinstance(runner, WorkerRunner)),
        )
        _Process.run = RunState(pool=None)  # every user stops before its first request
        if runner is not None and not isinstance(runner, WorkerRunner):
            gevent.spawn(runner.stop)
        return
    if isinstance(runner, MasterRunner):
        return
    if isinstance(runner, WorkerRunner):
        # Made in a thread of the hub's pool: under load a test's engine (its seed's
        # visitors) takes seconds to build, and on the hub's own thread the worker sent
        # no heartbeat meanwhile, so the master counted it missing and sent it nothing.
        engine = gevent.get_hub().threadpool.apply(
            engine_for, (file_classes(environment), scenario)
        )
    else:
        engine = engine_for(file_classes(environment), scenario)
    start, stride = 0, 1
    if isinstance(runner, WorkerRunner):
        workers = int(getattr(environment.parsed_options, "expect_workers", 1) or 1)
        problem = share_problem(runner.worker_index, workers)
        if problem:
            _log.error(problem)
        start, stride = share(runner.worker_index, workers)
    pool = VisitorPool(engine, start, stride, options.visitors, pause=lambda: gevent.sleep(0))
    _Process.run = RunState(pool=pool, options=options, journeys=journeys)


def host_refused(environment: Environment, host: str | None) -> bool:
    """True when a user may not send to ``host`` (said once; a lone Locust stops the test)."""
    problem = guard.user_host_problem(host)
    if problem is None:
        return False
    runner = environment.runner
    worker = isinstance(runner, WorkerRunner)
    if guard.say_refused(host, problem, worker) and runner is not None and not worker:
        gevent.spawn(runner.stop)
    return True


def _on_quitting(environment: Environment, **_kwargs: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner) or not file_classes(environment):
        return
    try:
        options = permissions_of(read_options(environment.parsed_options), guard.start_up())
    except OptionError:
        return  # refused at start-up already
    total = environment.stats.total
    requests = int(total.num_requests)
    p95 = float(total.get_response_time_percentile(0.95) or 0) if requests else 0.0
    broken = broken_thresholds(options, requests, float(total.fail_ratio), p95)
    code = exit_code(options, broken, bool(runner is not None and runner.exceptions))
    if options.has_thresholds:
        if broken:
            _log.error("nitrox thresholds failed: %s", "; ".join(broken))
        else:
            _log.info("nitrox thresholds passed")
    if isinstance(runner, MasterRunner):
        code = lost.report(options.allow_lost_workers, code)
    if code is not None:
        environment.process_exit_code = code
