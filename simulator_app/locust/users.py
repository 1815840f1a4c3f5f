"""The user every exported journey class derives from: it runs visitors, one request per task.

An exported file subclasses :class:`NitroxUser` once for its settings (the
scenario, ``host``, ``think_scale``) and once per journey (``journey``,
``weight``). Each user takes a visitor from the process's pool, sends that
visitor's planned requests one per task, waits each step's think time, and
takes the next visitor; the same seed and visitor index give the same
requests as ``nitrox-sim run``.

Sending is :mod:`.wire`'s: one geventhttpclient connection per user, and the
outcome reported to Locust's ``request`` event by the user itself, as
locust-plugins' own users do. Importing this module imports locust and
registers the runtime's listeners (:mod:`.hooks`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from geventhttpclient.header import Headers
from locust import User, task
from locust.exception import StopUser

from simulator_app.core.contract import judge_response
from simulator_app.core.journey import PlannedRequest
from simulator_app.locust import hooks
from simulator_app.locust.wire import (
    FAILURES,
    PlainClient,
    RequestFailure,
    Target,
    describe_failure,
    merged_headers,
    open_client,
    read_body,
)
from simulator_app.net.throttle import is_throttled, throttled_error


class NitroxUser(User):
    """Runs the visitors of ``scenario``: those of journey ``journey`` (None: every journey).

    Class settings, as on Locust's FastHttpUser: ``host``, ``default_headers``
    (sent with every request), ``connection_timeout`` and ``network_timeout``
    (seconds), ``insecure`` (no TLS verification at all; ``--insecure-host`` names one
    host instead); and the runtime's own:
    ``scenario`` (the scenario's data), ``journey`` (a journey's name or
    number) and ``think_scale`` (every think time × this; ``--think-scale``
    overrides it).
    """

    abstract = True
    scenario: ClassVar[Mapping[str, Any] | None] = None
    # The data sets' tables for the scenario (world.Population.to_json), carried by a
    # bundled file for workers that lack the packages; None: made from the packages.
    population: ClassVar[Mapping[str, Any] | None] = None
    journey: ClassVar[str | int | None] = None
    think_scale: ClassVar[float] = 1.0
    default_headers: ClassVar[Mapping[str, str] | None] = None
    connection_timeout: ClassVar[float] = 60.0
    network_timeout: ClassVar[float] = 60.0
    insecure: ClassVar[bool] = False  # True: no certificate checked (--insecure-host: one)

    _client: PlainClient | None = None

    def on_start(self) -> None:
        self._run = hooks.current_run()
        if self._run.pool is None or hooks.host_refused(self.environment, self.host):
            raise StopUser()  # the test's settings or this host were refused: send nothing
        self._journey = self._run.journeys.get(type(self))
        self._scale = self._run.think_scale(type(self))
        target = Target.parse(self.host or "")
        options = self._run.options
        self._client = open_client(
            target,
            self.connection_timeout,
            self.network_timeout,
            self.insecure,
            options.ca_bundle,
            options.insecure_hosts,
            options.proxy,
        )
        self._target = target
        self._prefix = target.prefix
        self._base = target.base_url
        host, *credentials = target.headers
        extra = tuple((str(k), str(v)) for k, v in (self.default_headers or {}).items())
        self._headers = (host, *extra, *credentials)
        self._plan: Iterator[PlannedRequest] = iter(())
        self._think = 0.0
        # The visitor's header tuples (one per kind of request) merged with the user's:
        # geventhttpclient copies a Headers as it is, and re-reads a dict name by name.
        self._merged: dict[tuple[tuple[str, str], ...], Headers] = {}

    def on_stop(self) -> None:
        if self._client is not None:
            self._client.close()

    def wait_time(self) -> float:
        return self._think * self._scale

    def _next_visitor(self) -> PlannedRequest:
        """The first request of the next visitor that sends one; stops the user when none is left."""
        pool = self._run.pool
        while True:  # a visitor may leave before its first request
            plan = pool.take(self._journey) if pool is not None else None
            if plan is None:
                self._run.user_done(self.environment.runner)
                raise StopUser()
            # The whole visitor at once: the engine's code runs while it is hot in the
            # CPU's caches, not interleaved with the network code per request.
            self._plan = iter(list(plan))
            self._merged.clear()  # the last visitor's headers are not sent again
            planned = next(self._plan, None)
            if planned is not None:
                return planned

    @task
    def send(self) -> None:
        """Send the visitor's next request and report it to Locust."""
        planned = next(self._plan, None) or self._next_visitor()
        spec = planned.spec
        self._think = planned.think
        target = spec.target(time.time_ns() // 1_000_000)
        body = b"" if spec.body is None else spec.body.encode("utf-8")
        client = self._client
        assert client is not None  # on_start made it
        headers = self._merged.get(spec.headers)
        if headers is None:
            headers = self._merged[spec.headers] = merged_headers(self._headers + spec.headers)
        response = None
        length = 0
        exception: Exception | None = None
        start_time = time.time()
        started = time.perf_counter()
        try:
            response = client.request(
                spec.method, self._prefix + target, body=body, headers=headers
            )
            content = read_body(response)
            response_time = (time.perf_counter() - started) * 1000
            length = len(content)
            status = response.status_code
            problem = judge_response(spec, status, content.decode("utf-8", "replace"))
            if status in (429, 503):
                asked = response.get("retry-after")
                asked = None if asked is None else str(asked)
                if is_throttled(status, asked):
                    problem = throttled_error(status, asked)  # its own name in the stats
            exception = RequestFailure(problem) if problem else None
        except FAILURES as error:
            response_time = (time.perf_counter() - started) * 1000
            exception = RequestFailure(describe_failure(error, self.network_timeout, self._target))
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


hooks.install(NitroxUser)
