"""The Locust part of every generated locustfile, as source text.

It is kept as text, not as an importable module, because it imports locust
and the package itself never does (gevent monkey-patches at import). It holds
no scenario text: the exporter appends the scenario as data and one small
class per journey, built with ``repr``. The names it uses (``JourneyEngine``,
``scenario_from_dict``, ``judge_response``, ``id_problem``, ``is_loopback``...)
are those of the inlined core modules that precede it in the file.
"""

from __future__ import annotations

RUNTIME_SOURCE = '''
import dataclasses
import itertools
import logging
import sys
import time
from collections import deque
from urllib.parse import quote, urlsplit

import gevent
from locust import FastHttpUser, HttpUser, events, task
from locust.contrib.fasthttp import FAILURE_EXCEPTIONS, FastResponse
from locust.exception import CatchResponseError, StopUser
from locust.runners import MasterRunner, WorkerRunner

_log = logging.getLogger("nitrox")
_USER_BASES = {"FastHttpUser": FastHttpUser, "HttpUser": HttpUser}
_FAST = USER_CLASS == "FastHttpUser"


@events.init_command_line_parser.add_listener
def _add_nitrox_options(parser):
    """The scenario's settings, overridable on the command line or in locust.conf."""
    defaults = scenario_from_dict(SCENARIO_DATA)
    group = parser.add_argument_group("nitrox scenario", "settings of the exported scenario")
    group.add_argument("--org-id", default=defaults.ids.org_id, help="org_id in every request path (default: %(default)s)")
    group.add_argument("--seed", type=int, default=defaults.identities.seed, help="identity seed: the same seed and visitor index give the same requests (default: %(default)s)")
    group.add_argument("--visitors", type=int, default=0, help="stop after this many visitors in all, across workers (default: 0, no limit; -t bounds the run)")
    group.add_argument("--think-scale", type=float, default=DEFAULT_THINK_SCALE, help="multiply every think time by this; 0 for maximum throughput (default: %(default)s)")
    group.add_argument("--max-fail-ratio", type=float, default=None, help="exit 1 when the share of failed requests is above this (0..1)")
    group.add_argument("--max-p95-ms", type=float, default=None, help="exit 1 when the 95th percentile response time, in ms, is above this")
    group.add_argument("--allow-remote", action="store_true", default=False, help="allow a --host that is not this machine (you must own it)")


def _settings_problem(options, host):
    """Why these settings cannot run, or None."""
    problem = id_problem("org_id", options.org_id)
    if problem:
        return f"--org-id {options.org_id!r}: {problem}"
    if options.visitors < 0:
        return f"--visitors {options.visitors}: must be 0 (no limit) or more"
    if options.think_scale < 0:
        return f"--think-scale {options.think_scale}: must be 0 or more"
    if options.max_fail_ratio is not None and not 0 <= options.max_fail_ratio <= 1:
        return f"--max-fail-ratio {options.max_fail_ratio}: must be between 0 and 1"
    if host:
        problem = target_problem(host)
        if problem:
            return f"--host: {problem}"
        if not is_loopback(host) and not options.allow_remote:
            return f"--host {host}: not this machine; pass --allow-remote if you own that server"
    return None


@events.init.add_listener
def _check_settings(environment, **_kwargs):
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        return  # the master checked; its settings arrive with each spawn message
    options = environment.parsed_options
    if options is not None:
        problem = _settings_problem(options, environment.host or NitroxVisitor.host)
        if problem:
            sys.exit(f"nitrox: {problem}")
        if not options.user_classes and environment.user_classes:
            # AllJourneys runs only when named: with the per-journey classes it
            # would take a share of users that the scenario's weights did not give it.
            environment.user_classes[:] = [u for u in environment.user_classes if u is not AllJourneys]


def _scenario(options):
    scenario = scenario_from_dict(SCENARIO_DATA)
    if options is None:
        return scenario
    return dataclasses.replace(
        scenario,
        ids=dataclasses.replace(scenario.ids, org_id=options.org_id),
        identities=dataclasses.replace(scenario.identities, seed=options.seed),
    )


class VisitorPool:
    """Hands out visitor indexes so that no two users, nor two workers, run the same visitor.

    A process walks its share of the indexes: ``start, start + stride, ...``
    (worker ``w`` of ``n`` takes ``w, w + n, ...``; one process takes
    ``0, 1, 2, ...`` like ``nitrox-sim run``). The engine draws each visitor's
    journey from that visitor's own random generator, so a per-journey class
    takes the next index whose drawn journey is its own; indexes drawn for
    other journeys wait in their journey's queue for that journey's users.
    """

    QUEUE_LIMIT = 100_000  # indexes of a journey nobody runs are dropped past this

    def __init__(self, engine, start, stride, limit):
        self.engine = engine
        self.next = start
        self.stride = stride
        self.limit = limit  # 0: no limit
        self.journeys = engine.scenario.journeys
        self.waiting = [deque() for _ in self.journeys]
        self._position = {id(j): n for n, j in enumerate(self.journeys)}

    def _draw(self):
        """The next index of this process's share, or None past --visitors."""
        index = self.next
        if self.limit and index >= self.limit:
            return None
        self.next += self.stride
        return index

    def take(self, journey):
        """The next visitor's planned requests for ``journey`` (None: any journey), or None when all are taken."""
        engine = self.engine
        if journey is None:
            heads = [(q[0], n) for n, q in enumerate(self.waiting) if q]
            index = self.waiting[min(heads)[1]].popleft() if heads else self._draw()
            return None if index is None else engine.plan(index)
        queue = self.waiting[journey]
        if queue:
            return engine.plan(queue.popleft())
        for drawn_count in itertools.count(1):
            if drawn_count % 1000 == 0:
                gevent.sleep(0)  # a rare journey: let the other users send meanwhile
            index = self._draw()
            if index is None:
                return None
            rng = engine.rng(index)
            drawn = engine.journey_for(rng)
            position = self._position[id(drawn)]
            if position == journey:
                return engine.plan_drawn(index, rng, drawn)  # seeded once
            if len(self.waiting[position]) < self.QUEUE_LIMIT:
                self.waiting[position].append(index)


class _State:
    """This process's engine and visitor pool, made when the test starts."""

    engine = None
    key = None  # the (org_id, seed) the engine was made for
    pool = None
    think_scale = 1.0
    done_users = 0  # users that found no visitor left


def _engine_for(options):
    """The engine for these settings: made once, again only when --org-id or --seed change."""
    key = None if options is None else (options.org_id, options.seed)
    if _State.engine is None or _State.key != key:
        engine = JourneyEngine(_scenario(options))
        engine.identities.prepare()
        _State.engine, _State.key = engine, key
    return _State.engine


@events.init.add_listener
def _prepare_engine(environment, **_kwargs):
    # Before the clock starts: Faker's locales take tens of milliseconds to load.
    if not isinstance(environment.runner, MasterRunner):
        _engine_for(environment.parsed_options)


@events.test_start.add_listener
def _start_visitors(environment, **_kwargs):
    runner = environment.runner
    options = environment.parsed_options  # on a worker, the master's
    # Again here, not only at start-up: the web UI sets the host and options per test.
    problem = None if options is None else _settings_problem(options, environment.host or NitroxVisitor.host)
    if problem:
        _log.error("nitrox: %s; this test sends nothing", problem)
        _State.pool = None  # every user stops before its first request
        if not isinstance(runner, WorkerRunner):
            gevent.spawn(runner.stop)
        return
    if isinstance(runner, MasterRunner):
        return
    engine = _engine_for(options)
    start, stride = 0, 1
    if isinstance(runner, WorkerRunner):
        workers = max(1, int(getattr(options, "expect_workers", 1) or 1))
        start, stride = max(runner.worker_index, 0), workers
        if start >= workers:
            _log.error("worker index %d but --expect-workers %d: start the master with --expect-workers equal to the number of workers, or visitors may repeat", start, workers)
            start, stride = start * 10_000_000, 1
    _State.done_users = 0
    _State.pool = VisitorPool(engine, start, stride, options.visitors if options else 0)
    _State.think_scale = options.think_scale if options else DEFAULT_THINK_SCALE


@events.quitting.add_listener
def _thresholds(environment, **_kwargs):
    """Like k6 thresholds: exit 1 when the run was worse than the limits given.

    A run that made no request fails them. When they pass, --max-fail-ratio
    replaces Locust's own rule (any failure: exit 1) with the ratio given;
    with --max-p95-ms alone, failures still fail the run as Locust decides,
    and so do errors raised in the file's code.
    """
    runner = environment.runner
    if isinstance(runner, WorkerRunner) or environment.parsed_options is None:
        return
    options = environment.parsed_options
    if options.max_fail_ratio is None and options.max_p95_ms is None:
        return
    total = environment.stats.total
    broken = [] if total.num_requests else ["no request was made"]
    if options.max_fail_ratio is not None and total.fail_ratio > options.max_fail_ratio:
        broken.append(f"failure ratio {total.fail_ratio:.4f} > {options.max_fail_ratio}")
    p95 = total.get_response_time_percentile(0.95) if total.num_requests else 0
    if options.max_p95_ms is not None and p95 > options.max_p95_ms:
        broken.append(f"p95 {p95:.0f} ms > {options.max_p95_ms:g} ms")
    if broken:
        _log.error("nitrox thresholds failed: %s", "; ".join(broken))
        environment.process_exit_code = 1
    else:
        _log.info("nitrox thresholds passed")
        if options.max_fail_ratio is not None and not runner.exceptions:
            environment.process_exit_code = 0


class NitroxVisitor(_USER_BASES[USER_CLASS]):
    """Runs visitors one after another, one request per task, thinking in between.

    ``journey`` is the index of the journey this class runs (None: whichever
    journey each visitor draws, exactly as ``nitrox-sim run`` does).
    """

    abstract = True
    host = DEFAULT_HOST
    journey = None

    def on_start(self):
        self._plan = None
        self._think = 0.0
        # "--host http://h/base/" sends to /base/jsv1/...; FastHttpSession's base_url
        # is the host without user:password@ (HttpUser's requests reads them itself)
        self._base = (self.client.base_url if _FAST else self.host).rstrip("/")
        if _FAST:
            session = self.client
            # the client of FastHttpUser's own pool for this host; it connects on first use
            self._http = session.client.clientpool.get_client(self._base)
            self._prefix = quote(urlsplit(self._base).path, safe="/%!$&'()*+,;=:@~")
            # what FastHttpSession would add: the class's default_headers, user:password@
            extra = dict(self.default_headers or {})
            if session.auth_header:
                extra["Authorization"] = session.auth_header
            self._extra_headers = tuple(extra.items())

    def wait_time(self):
        return self._think * _State.think_scale

    def _next_visitor(self):
        """The first request of the next visitor that sends one; stops the user when none is left."""
        while True:  # a visitor may leave before its first request
            plan = _State.pool.take(self.journey) if _State.pool is not None else None
            if plan is None:
                _State.done_users += 1
                runner = self.environment.runner
                if not isinstance(runner, WorkerRunner) and _State.done_users >= runner.target_user_count:
                    gevent.spawn_later(0.1, runner.quit)  # the last user out ends a local run
                raise StopUser()
            # The whole visitor at once: the engine's code runs while it is hot in
            # the CPU's caches, not interleaved with the network code per request.
            self._plan = iter(list(plan))
            planned = next(self._plan, None)
            if planned is not None:
                return planned

    @task
    def send(self):
        planned = next(self._plan, None) if self._plan is not None else None
        if planned is None:
            planned = self._next_visitor()
        spec = planned.spec
        self._think = planned.think
        target = spec.target(time.time_ns() // 1_000_000)
        body = None if spec.body is None else spec.body.encode("utf-8")
        if _FAST:
            self._send_direct(spec, target, body)
        else:
            self._send_through_session(spec, target, body)

    def _send_direct(self, spec, target, body):
        """Send on FastHttpUser's own connection pool and report to Locust's request event.

        This is what FastHttpSession.request does, less what these requests
        never need: it parses every URL (each visitor's differs), merges the
        headers into case-insensitive dicts twice and runs a cookie jar,
        which in a profile cost more than the whole journey engine. No
        redirect is followed and no cookie kept: the API sets neither. The
        pool is the one FastHttpUser built from its settings (timeouts, TLS,
        proxy); the class's ``default_headers`` and the host's user:password
        are sent as FastHttpSession sends them. A request is timed, named,
        measured and failed as FastHttpSession does it (connection errors,
        any non-2xx, a ``Payload Error`` body); the tracker's headers go out
        as they are, without an Accept-Encoding, as ``nitrox-sim run`` sends them.
        """
        headers = self._extra_headers + spec.headers if self._extra_headers else spec.headers
        start_time = time.time()
        started = time.perf_counter()
        response = None
        length = 0
        try:
            response = FastResponse(self._http.request(spec.method, self._prefix + target, body=body, headers=headers))
            content = response.content  # the whole body, decompressed; the connection goes back to the pool
            response_time = (time.perf_counter() - started) * 1000
            length = len(content)
            problem = judge_response(spec, response.status_code, content.decode("utf-8", "replace"))
            exception = CatchResponseError(problem) if problem else None
        except FAILURE_EXCEPTIONS as error:
            response_time = (time.perf_counter() - started) * 1000
            exception = error
        self.environment.events.request.fire(
            request_type=spec.method,
            name=spec.name,
            response_time=response_time,
            response_length=length,
            response=response,
            context=self.context(),
            exception=exception,
            start_time=start_time,
            url=self._base + target,
        )

    def _send_through_session(self, spec, target, body):
        """HttpUser: send with its requests session, judging the answer with catch_response."""
        with self.client.request(
            spec.method,
            self._base + target,
            name=spec.name,
            headers=dict(spec.headers),
            data=body,
            catch_response=True,
        ) as response:
            status = response.status_code or 0
            if not status:
                response.failure(str(response.error or "no response"))
                return
            # content.decode, not response.text: text may sniff the charset, slowly
            problem = judge_response(spec, status, (response.content or b"").decode("utf-8", "replace"))
            if problem:
                response.failure(problem)
            else:
                response.success()


class AllJourneys(NitroxVisitor):
    """Every visitor index in turn, each on the journey it draws: name it to run it.

    ``locust -f FILE AllJourneys -u 1 --visitors N`` sends what
    ``nitrox-sim run`` sends for visitors 0..N-1.
    """

    abstract = False
'''
