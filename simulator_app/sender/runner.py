"""The load run: visitors arrive on the scenario's schedule and send their journeys.

:class:`LoadRun` is what the CLI and the desktop app drive. ``run()`` blocks
and owns its own asyncio loop (uvloop when installed), so a GUI calls it from
one worker thread and talks to it only through the thread-safe ``stop``,
``pause``, ``resume`` and ``progress``, and the ``on_records`` callback, which
gets records in batches (every ~50 ms) rather than one call per request.

Concurrency is a pool of worker coroutines, one per visitor in flight. Each
worker owns its own HTTP connection (:class:`~.transport.Connection`) and
sends every request with :func:`~.exchange.send_planned`, the sender's one
send path. A visitor's requests are planned one at a time as they are sent,
so a journey of any length costs the memory of one request, and the run
ends at its time limit or on ``stop()`` whatever a visitor still has to send.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simulator_app.core.funnel import MeasuredFunnel
from simulator_app.core.journey import JourneyEngine, fresh_seed
from simulator_app.core.model import Scenario
from simulator_app.core.outcome import RunResult as RunResult  # the sender's result, in core
from simulator_app.core.record import CANCELLED, RequestRecord
from simulator_app.core.recording.replay import Planner
from simulator_app.core.schedule import default_time_limit
from simulator_app.core.stats import StatsTable
from simulator_app.core.time_left import RunState, VisitLengths, sample_visits, time_left
from simulator_app.net.throttle import MAX_WAIT
from simulator_app.sender.exchange import (
    ANSWERED,
    THROTTLED,
    UNANSWERED,
    UNREACHED,
    Exchanger,
    Outcome,
    failure_kind,
    record_of,
    send_planned,
)
from simulator_app.sender.loop import fewer_collections, new_event_loop, sleep_unless
from simulator_app.sender.network import Connector, NetworkSettings, default_network
from simulator_app.sender.pacing import TokenBucket
from simulator_app.sender.throttling import Throttle
from simulator_app.sender.transport import Origin
from simulator_app.sender.wire import SHAPES_KEPT, WireTarget

FLUSH_INTERVAL = 0.05  # seconds between on_records batches
STOP_GRACE = 2.0  # seconds in-flight requests get to finish after stop()
ETA_EVERY = 0.5  # seconds between two workings-out of the time left
# Requests a worker sends back to back before it lets the loop run other work
# for certain; an answer usually makes it wait anyway, a failure that comes at
# once (a request that cannot be written) would not.
YIELD_EVERY = 64
RETRIES_THROTTLED = 3  # sends of one request at most with --retry-throttled

RecordsCallback = Callable[[list[RequestRecord]], None]


ConnectionFactory = Callable[[Origin], Exchanger]
# Makes what the run sends from the effective scenario and the run's seed
# (default: the journey engine; a recording's replay plan is another).
PlannerFactory = Callable[[Scenario, int], Planner]


@dataclass
class RunSettings:
    """How to run a scenario; None means "as the scenario says"."""

    target: str
    visitors: int | None = None
    duration: float | None = None  # arrival span in seconds
    concurrency: int = 50  # visitors in flight at most
    rate: float | None = None  # requests per second at most
    think_scale: float = 1.0  # 0: no think time at all
    time_limit: float | None = None  # hard stop; default: schedule.default_time_limit
    seed: int | None = None  # overrides the scenario's identities seed
    timeout: float = 10.0  # per request
    network: NetworkSettings = dataclasses.field(default_factory=default_network)
    retry_throttled: bool = False  # send a throttled request again, once the wait is over
    throttle_wait: float = MAX_WAIT  # seconds the run waits at most per throttled answer


@dataclass
class Progress:
    """A snapshot of a running load run."""

    visitors_total: int
    visitors_started: int
    visitors_done: int
    requests: int
    failures: int
    elapsed: float
    eta: float | None
    paused: bool
    unanswered: int = 0  # failures the target may have received (timed out, connection broke)
    in_flight: int = 0  # requests sent and not answered (nor failed) yet
    throttled: int = 0  # answered 429 (or 503 with Retry-After)
    waiting: float = 0.0  # seconds the run still waits because the target asked to slow down
    rate_limit: float | None = None  # the run's current rate cap, lowered after throttling


def effective_scenario(scenario: Scenario, settings: RunSettings) -> Scenario:
    """The scenario with the settings' visitors, duration and seed applied."""
    schedule = scenario.schedule
    if settings.visitors is not None:
        schedule = dataclasses.replace(schedule, visitors=settings.visitors)
    if settings.duration is not None:
        schedule = dataclasses.replace(schedule, duration=settings.duration)
    seed = settings.seed if settings.seed is not None else scenario.seed
    return dataclasses.replace(scenario, schedule=schedule, seed=seed)


class LoadRun:
    """One run of a scenario against a target; see the module docstring.

    ``connect`` makes each worker's connection from the target's origin
    (default: a real :class:`~.transport.Connection`); tests pass a stand-in.
    """

    def __init__(
        self,
        scenario: Scenario,
        settings: RunSettings,
        on_records: RecordsCallback | None = None,
        connect: ConnectionFactory | None = None,
        planner: PlannerFactory | None = None,
    ) -> None:
        if settings.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if settings.rate is not None and settings.rate <= 0:
            raise ValueError("rate must be positive")
        self.scenario = effective_scenario(scenario, settings)
        # The run's seed, decided now so it can be shown before the first request.
        self.seed = self.scenario.seed if self.scenario.seed is not None else fresh_seed()
        self._engine: Planner | None = None
        self._planner = planner
        self.settings = settings
        self.on_records = on_records  # may be set until run() starts
        self.connector: Connector | None = None  # counts the connections a run opened
        if connect is None:
            connect = self.connector = settings.network.connector()
        self._connect: ConnectionFactory = connect
        # A visitor in flight sends a few request shapes (its path per event type,
        # its headers) again and again: remember them all, or at concurrency 5000
        # each would be worked out anew for almost every request.
        self._wire = WireTarget(settings.target, max(SHAPES_KEPT, 8 * settings.concurrency))
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_requested = False
        self._paused = False
        self._started_at: float | None = None
        self._paused_total = 0.0
        self._paused_since: float | None = None
        self.stats = StatsTable()
        self.funnel = MeasuredFunnel()
        self._visitors_total = self.scenario.schedule.visitors
        self._started = 0
        self._done = 0
        self._requests = 0
        self._begun = 0  # requests handed to the connection (written from the loop thread only)
        self._failures = 0
        self._cancelled = 0
        self._by_kind: Counter[str] = Counter()
        self._contract_failures = 0  # delivered, and judged bad by the receiver
        self._completed = 0
        self._completed_by: Counter[str] = Counter()
        self._outcomes: list[Outcome] = []  # made into records by _flush, in batches
        # Visitors that ended (index, journey, not cut short), settled by _flush after
        # their records: a journey is completed when every request of it succeeded,
        # and the funnel counts the step types a visitor sent successfully.
        self._ended: list[tuple[int, str, bool]] = []
        self._ok_steps: dict[int, set[str]] = {}  # visitors in flight: step types that succeeded
        self._had_failure: set[int] = set()  # visitors in flight with a failed request
        self._finished_at: float | None = None
        self._visit_lengths: VisitLengths | None = None  # for the time left
        self._time_limit: float | None = None
        self._eta: tuple[float | None, float] = (None, 0.0)  # (when worked out, time left then)
        self._in_visit: dict[int, float] = {}  # visitors in flight: when each started (active s)
        self._throttle: Throttle | None = None  # made on the run's loop
        self._throttled_last: object = None  # the planned request last answered "throttled"

    def prepare(self) -> None:
        """Make the journey engine now (the data sets' tables load once per process, about
        a second): call it ahead, off a GUI thread, or :meth:`run` does."""
        if self._engine is None:
            if self._planner is not None:
                self._engine = self._planner(self.scenario, self.seed)
            else:
                self._engine = JourneyEngine(self.scenario, seed=self.seed)
        if self._visit_lengths is None:
            # A planner whose plan() does more than plan (a campaign reserves each visitor
            # it plans) offers the same plans without that as ``preview``.
            preview = getattr(self._engine, "preview", self._engine)
            self._visit_lengths = sample_visits(
                preview, self._visitors_total, self.settings.think_scale
            )

    # -- control from any thread ------------------------------------------------

    def stop(self) -> None:
        """Stop soon: no new requests; in-flight ones finish or are recorded as cancelled."""
        with self._lock:
            self._stop_requested = True
            loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                loop.call_soon_threadsafe(self._wake_all)

    def pause(self) -> None:
        """No new request starts until :meth:`resume` (in-flight ones finish)."""
        with self._lock:
            if not self._paused:
                self._paused = True
                self._paused_since = time.monotonic()
            loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._sync_pause)

    def resume(self) -> None:
        with self._lock:
            if self._paused:
                self._paused = False
                if self._paused_since is not None:
                    self._paused_total += time.monotonic() - self._paused_since
                self._paused_since = None
            loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._sync_pause)

    def progress(self) -> Progress:
        """A consistent snapshot of the counters."""
        state: RunState | None = None
        with self._lock:
            now = self._finished_at or time.monotonic()
            elapsed = now - self._started_at if self._started_at is not None else 0.0
            total, started, done = self._visitors_total, self._started, self._done
            eta: float | None = None
            if self._finished_at is not None:
                eta = 0.0
            elif self._started_at is not None and self._visit_lengths is not None:
                state = RunState(
                    now=self._active_time(time.monotonic()),
                    span=self.scenario.schedule.duration,
                    visitors=total,
                    started=started,
                    in_flight=list(self._in_visit.items()),
                    concurrency=self._slots(),
                    latency=self._mean_latency(),
                    requests=self._requests,
                    rate=self.settings.rate,
                    time_limit=self._time_limit,
                )
            progress = Progress(
                visitors_total=total,
                visitors_started=started,
                visitors_done=done,
                requests=self._requests,
                failures=self._failures,
                elapsed=elapsed,
                eta=eta,
                paused=self._paused,
                unanswered=self._by_kind[UNANSWERED],
                in_flight=self._begun - self._requests,
                throttled=self._by_kind[THROTTLED],
                waiting=self._throttle.waiting() if self._throttle is not None else 0.0,
                rate_limit=self._throttle.rate() if self._throttle is not None else None,
            )
        if state is not None and self._visit_lengths is not None:  # worked out off the lock
            progress.eta = self._time_left(self._visit_lengths, state)
        return progress

    # -- the run ----------------------------------------------------------------

    def run(self) -> RunResult:
        """Run to the end (or until stopped); blocks, so call it from a worker thread."""
        loop = new_event_loop()
        try:
            with fewer_collections(self._slots()):
                return loop.run_until_complete(self._main(loop))
        finally:
            with self._lock:
                self._loop = None
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def _time_left(self, lengths: VisitLengths, state: RunState) -> float | None:
        """:func:`time_left`, worked out at most every :data:`ETA_EVERY` seconds (polling is
        cheap: a bench looks every 10 ms at 5000 visitors in flight)."""
        at, left = self._eta
        if at is None or state.now - at >= ETA_EVERY or state.now < at:
            left = time_left(lengths, state)
            self._eta = (state.now, left)
        else:
            left = max(left - (state.now - at), 0.0)
        return left if math.isfinite(left) else None

    def _mean_latency(self) -> float:
        """Seconds a request has taken so far, on average (0 before any answer)."""
        try:
            endpoints = list(self.stats.endpoints.values())
        except RuntimeError:  # a new endpoint came in meanwhile: next time
            return 0.0
        count = sum(e.count for e in endpoints)
        return sum(e.total_ms for e in endpoints) / count / 1000 if count else 0.0

    def _slots(self) -> int:
        """The run's workers: no more than visitors, so a huge --concurrency cannot stall
        the start."""
        return max(1, min(self.settings.concurrency, self._visitors_total))

    def _active_time(self, now: float) -> float:
        """Seconds since the start, not counting time spent paused."""
        assert self._started_at is not None
        paused = self._paused_total
        if self._paused_since is not None:
            paused += now - self._paused_since
        return now - self._started_at - paused

    def _wake_all(self) -> None:
        self._stop_event.set()
        self._running.set()  # paused workers wake up to see the stop

    def _sync_pause(self) -> None:
        if self._paused and not self._stop_event.is_set():
            self._running.clear()
        else:
            self._running.set()

    async def _main(self, loop: asyncio.AbstractEventLoop) -> RunResult:
        self._stop_event = asyncio.Event()
        self._running = asyncio.Event()
        self._running.set()
        self._queue: asyncio.Queue[int | None] = asyncio.Queue(maxsize=self.settings.concurrency)
        settings = self.settings
        self._bucket = TokenBucket(settings.rate, 1.0, loop.time()) if settings.rate else None
        self._throttle = Throttle(loop, self._stop_event, settings.throttle_wait, settings.rate)
        self.prepare()
        engine = self._engine
        assert engine is not None
        with self._lock:
            self._loop = loop
            self._started_at = time.monotonic()
            stop_requested = self._stop_requested
        self._sync_pause()
        if stop_requested:
            self._stop_event.set()
        slots = self._slots()
        limit = settings.time_limit
        if limit is None:
            limit = default_time_limit(self.scenario, slots, settings.think_scale)
        self._time_limit = limit
        workers = [loop.create_task(self._worker()) for _ in range(slots)]
        flusher = loop.create_task(self._flush_periodically())
        dispatcher = loop.create_task(self._dispatch(len(workers)))
        time_limit_hit = False
        try:
            all_done: asyncio.Future[Any] = asyncio.gather(*workers)
            stop_wait: asyncio.Future[Any] = loop.create_task(self._stop_event.wait())
            finished, _ = await asyncio.wait(
                {all_done, stop_wait}, timeout=limit, return_when=asyncio.FIRST_COMPLETED
            )
            if all_done not in finished:
                time_limit_hit = not finished
                self._wake_all()
                # In-flight requests get a short grace; then they are cancelled (and recorded).
                await asyncio.wait({all_done}, timeout=STOP_GRACE)
                for task in workers:
                    task.cancel()
                await asyncio.gather(*workers, return_exceptions=True)
                with contextlib.suppress(asyncio.CancelledError):
                    await all_done  # cancelled workers are expected here
            else:
                all_done.result()  # a bug in a worker surfaces here rather than vanishing
            stop_wait.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await stop_wait
        finally:
            dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await dispatcher
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
            self._flush()
        with self._lock:
            self._finished_at = time.monotonic()
            elapsed = self._finished_at - (self._started_at or self._finished_at)
            stopped = self._stop_event.is_set() or time_limit_hit
        return RunResult(
            stats=self.stats,
            funnel=self.funnel,
            visitors_done=self._done,
            journeys_completed=self._completed,
            requests=self._requests,
            failures=self._failures,
            cancelled=self._cancelled,
            elapsed=elapsed,
            stopped=stopped,
            completed_by_journey=dict(self._completed_by),
            time_limit_hit=time_limit_hit,
            answered_failures=self._by_kind[ANSWERED],
            unanswered=self._by_kind[UNANSWERED],
            unreached=self._by_kind[UNREACHED],
            seed=self.seed,
            contract_failures=self._contract_failures,
            throttled=self._by_kind[THROTTLED],
            connections_opened=self.connector.opened if self.connector is not None else 0,
            throttle_waited=self._throttle.waited,
            rate_lowered_to=self._throttle.lowest,
            network_notes=tuple(self._network_notes()),
        )

    def _network_notes(self) -> list[str]:
        try:
            return self.settings.network.notes(self._wire.origin)
        except ValueError as exc:  # a proxy URL that cannot be used: every request said so
            return [str(exc)]

    async def _dispatch(self, workers: int) -> None:
        """Hands visitor indices to workers at their arrival times, then one None per worker."""
        loop = asyncio.get_running_loop()
        stop = self._stop_event
        assert self._engine is not None
        # A planner may give (index, offset) pairs itself: a resumed campaign starts past 0.
        arrivals = getattr(self._engine, "arrivals", None)
        pairs = arrivals() if arrivals is not None else enumerate(self._engine.arrival_offsets())
        for index, offset in pairs:
            while not stop.is_set():
                await self._running.wait()
                if stop.is_set():
                    break
                wait = offset - self._active_time(time.monotonic())
                if wait <= 0:
                    break
                await sleep_unless(stop, min(wait, 0.5), loop)
            if stop.is_set():
                break
            await self._queue.put(index)
        if stop.is_set():
            while not self._queue.empty():  # visitors that never started stay unsent
                self._queue.get_nowait()
        for _ in range(workers):
            await self._queue.put(None)

    async def _worker(self) -> None:
        connection = self._connect(self._wire.origin)
        try:
            while True:
                index = await self._queue.get()
                if index is None or self._stop_event.is_set():
                    return
                await self._visit(index, connection)
        finally:
            connection.close()

    async def _visit(self, index: int, connection: Exchanger) -> None:
        with self._lock:
            self._started += 1
            self._in_visit[index] = self._active_time(time.monotonic())
        journey = ""
        finished = True
        loop = asyncio.get_running_loop()
        scale = self.settings.think_scale
        timeout = self.settings.timeout
        stop = self._stop_event
        running = self._running
        wire = self._wire
        add = self._add
        engine = self._engine
        assert engine is not None  # made by prepare() before any worker starts
        back_to_back = 0
        try:
            # Planned lazily: a step repeated a hundred million times costs one
            # request's memory, and the stop is seen between any two requests.
            for planned in engine.plan(index):
                journey = planned.journey
                if not running.is_set():
                    await running.wait()
                if stop.is_set():
                    finished = False
                    break
                throttle = self._throttle
                assert throttle is not None
                if not await throttle.ready():
                    finished = False
                    break
                if self._bucket is not None:
                    wait = self._bucket.reserve(loop.time())
                    if wait > 0 and not await sleep_unless(stop, wait, loop):
                        finished = False
                        break
                self._begun += 1
                try:
                    await send_planned(planned, wire, connection, timeout, add)
                    tries = 1
                    while (
                        self._throttled_last is planned
                        and self.settings.retry_throttled
                        and tries < RETRIES_THROTTLED
                    ):
                        # --retry-throttled: the target answered and asked to wait, so it
                        # did not take the request; sent again once the wait is over.
                        self._throttled_last = None
                        if not await throttle.ready():
                            break
                        tries += 1
                        self._begun += 1
                        await send_planned(planned, wire, connection, timeout, add)
                except asyncio.CancelledError:
                    finished = False
                    raise
                think = planned.think * scale
                if think > 0:
                    if not await sleep_unless(stop, think, loop):
                        finished = False
                        break
                else:
                    back_to_back += 1
                    if back_to_back >= YIELD_EVERY:
                        back_to_back = 0
                        await asyncio.sleep(0)
        finally:
            with self._lock:
                self._done += 1
                self._in_visit.pop(index, None)
            # After every outcome of this visitor: _flush settles its journey after them.
            self._ended.append((index, journey, finished))

    def _add(self, outcome: Outcome) -> None:
        # All a request's own path does: its record is made in the next batch.
        self._outcomes.append(outcome)
        self._requests += 1
        answer = outcome[4]
        if answer is not None and answer.status in (429, 503):
            throttle = self._throttle
            if throttle is not None and throttle.answered(answer.status, answer.headers):
                self._throttled_last = outcome[0]
                self._bucket = throttle.bucket(
                    self._bucket, self._active_time(time.monotonic()), self._requests
                )

    def _flush(self) -> None:
        """Records for the outcomes so far: judged, counted, measured, handed on."""
        ended, self._ended = self._ended, []
        if not self._outcomes:
            self._settle(ended)
            return
        outcomes, self._outcomes = self._outcomes, []
        batch = [record_of(*outcome) for outcome in outcomes]
        stats = self.stats.record
        failed: list[RequestRecord] = []
        judged_bad = 0
        ok_steps = self._ok_steps
        for record in batch:
            ok = record.error is None
            stats(record.name, record.latency_ms, ok)
            if not ok:
                failed.append(record)
                self._had_failure.add(record.visitor)
            else:
                steps = ok_steps.get(record.visitor)
                if steps is None:
                    ok_steps[record.visitor] = {record.step}
                else:
                    steps.add(record.step)
                if record.verdict == "bad":
                    judged_bad += 1
        if judged_bad:
            with self._lock:
                self._contract_failures += judged_bad
        if failed:
            with self._lock:
                self._failures += len(failed)
                for record in failed:
                    kind = failure_kind(record.status, record.error)
                    if kind == CANCELLED:
                        self._cancelled += 1
                    elif kind is not None:
                        self._by_kind[kind] += 1
        self._settle(ended)
        if self.on_records is not None:
            self.on_records(batch)

    def _settle(self, ended: list[tuple[int, str, bool]]) -> None:
        """Count the ended visitors' journeys and funnel steps (their records are in)."""
        if not ended:
            return
        completed: Counter[str] = Counter()
        for index, journey, finished in ended:
            self.funnel.visitor_done(self._ok_steps.pop(index, ()))
            failed = index in self._had_failure
            self._had_failure.discard(index)
            if finished and not failed:
                completed[journey] += 1
        if completed:
            with self._lock:
                self._completed += completed.total()
                self._completed_by.update(completed)

    async def _flush_periodically(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_INTERVAL)
            self._flush()
