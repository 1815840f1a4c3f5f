"""``nitrox-sim run``: send a scenario's visitors to a target and summarise what happened."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
import threading
import time
from collections import Counter
from typing import IO, TYPE_CHECKING, Any

from simulator_app.cli import _network
from simulator_app.cli._common import CliError
from simulator_app.cli._outputs import close_stream, open_stream, refuse_bad_outputs, report_failure
from simulator_app.interrupts import Interrupts

if TYPE_CHECKING:
    from simulator_app.core.har import HarWriter
    from simulator_app.core.record import RequestRecord
    from simulator_app.core.report import RunAggregate
    from simulator_app.core.verdicts import RunTally
    from simulator_app.sender.runner import LoadRun

COMMAND = "run"
NOTES_SIGNALS = True  # Ctrl-C and SIGTERM stop the run in its own time: summary, whole log
HELP = "send a scenario's visitors to a target (default: the embedded collector)"
DESCRIPTION = """\
Send a scenario's visitors, each with its journey, to a target. Without
--target the embedded collector starts in this process on 127.0.0.1 and
judges every request; its verdict is added to the summary.
"""
EPILOG = """\
Exit status: 0 when every request succeeded, 1 when any failed (or the time
limit cut the run short, or an output could not be written whole: the
summary is kept and a line names the file), 2 on bad input (an output that
is not a regular file, or is the scenario or another output), 130 when
stopped with Ctrl-C, 143 when stopped with SIGTERM. Stopped either way, the run sends no new request,
prints its summary and completes the log.

examples:
  nitrox-sim run scenarios/demo_mix.yaml
  nitrox-sim run scenarios/buyer.yaml --visitors 20 --concurrency 5 --log run.jsonl
  nitrox-sim run scenarios/demo_mix.yaml --target http://127.0.0.1:8787 --think-scale 0 --duration 0
  nitrox-sim run scenarios/buyer.yaml --duration 0 --report run.html --har run.har
  nitrox-sim run scenarios/buyer.yaml --think-scale 0 --summary-json summary.json --junit junit.xml
  nitrox-sim run --replay session.har --seed 7
"""

PLAIN_PROGRESS_EVERY = 5.0  # seconds between progress lines when stderr is not a terminal


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", metavar="SCENARIO", nargs="?", help="scenario YAML file")
    # Replays (simulator_app.cli._har): a recording's requests, or an imported scenario exactly.
    parser.add_argument(
        "--replay",
        metavar="FILE.har",
        help="send a browser recording's Nitrox requests again, in their order and timing,"
        " with fresh visitor IDs (new each run unless --seed); --think-scale scales the gaps"
        " between visitors too",
    )
    parser.add_argument(
        "--exact",
        action="store_true",
        help="send each journey of SCENARIO once, visitor i journey i (an imported recording);"
        " --think-scale scales the arrivals too",
    )
    parser.add_argument(
        "--target", metavar="URL", help="base URL to send to (default: the embedded collector)"
    )
    parser.add_argument("--visitors", metavar="N", help="number of visitors (default: scenario's)")
    parser.add_argument(
        "--duration", metavar="T", help="seconds over which visitors arrive (default: scenario's)"
    )
    parser.add_argument(
        "--concurrency",
        metavar="C",
        help="visitors in flight at most (default: the scenario's, else 50)",
    )
    parser.add_argument("--rate", metavar="R", help="requests per second at most (default: no cap)")
    parser.add_argument(
        "--seed",
        metavar="S",
        help="replay a run: the same seed sends the same visitors, IDs and orders"
        " (default: the scenario's, else a fresh one, shown in the summary)",
    )
    parser.add_argument("--log", metavar="FILE", help="write every request and response as JSONL")
    parser.add_argument(
        "--report",
        metavar="FILE.html",
        help="write the run's report: one HTML file with charts that opens offline",
    )
    parser.add_argument("--har", metavar="FILE", help="write every request and response as HAR 1.2")
    parser.add_argument(
        "--summary-json",
        metavar="FILE",
        help="write every figure of the summary as JSON (the same figures as printed)",
    )
    parser.add_argument(
        "--junit",
        metavar="FILE",
        help="write the summary as JUnit XML for CI: a test case per journey and per reason code",
    )
    parser.add_argument(
        "--think-scale",
        metavar="F",
        help="multiply think times by F; 0 sends without waiting (default: the scenario's, else 1)",
    )
    parser.add_argument(
        "--time-limit",
        metavar="T",
        help="hard stop after T seconds (default: the arrival span plus the longest visits, + 60)",
    )
    parser.add_argument(
        "--timeout", metavar="T", default="10", help="seconds per request (default 10)"
    )
    parser.add_argument(
        "--yes",
        action="store_true",
        help="confirm sending to a non-loopback target without being asked",
    )
    _network.add_arguments(parser)


MAX_CONCURRENCY = 10_000  # visitors in flight; the desktop app has the same bound


def _number(
    text: str | None,
    option: str,
    kind: type[int] | type[float],
    minimum: float,
    strict: bool = False,
    maximum: float | None = None,
) -> Any:
    """``text`` as a number at least (or, ``strict``, above) ``minimum``; None stays None."""
    if text is None:
        return None
    try:
        value = kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise CliError(f"{option}: {text!r} is not {what}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise CliError(f"{option}: {text!r} is not a finite number")
    if value < minimum or (strict and value == minimum):
        raise CliError(
            f"{option}: must be {'above' if strict else 'at least'} {minimum:g}, got {text}"
        )
    if maximum is not None and value > maximum:
        raise CliError(f"{option}: must be at most {maximum:g}, got {text}")
    return value


def _confirm(
    target: str, rate: float | None, yes: bool, interrupts: Interrupts | None = None
) -> None:
    from simulator_app.core.safety import needs_confirmation

    if not needs_confirmation(target, rate) or yes:
        return
    pace = "with no rate limit" if rate is None else f"at up to {rate:g} requests/s"
    question = f"{target} is not on this machine; send traffic to it {pace}?"
    if not sys.stdin.isatty():
        raise CliError(f"{question} refusing without --yes (or use --rate 2 or less)")
    try:
        with interrupts.paused() if interrupts is not None else contextlib.nullcontext():
            answer = input(f"{question} [y/N] ").strip().lower()
    except (KeyboardInterrupt, EOFError):
        print(file=sys.stderr)
        raise CliError("not confirmed; nothing sent", exit_code=130) from None
    if answer not in ("y", "yes"):
        raise CliError("not confirmed; nothing sent", exit_code=1)


class _Log:
    """Hands record batches to the JSONL log, the HAR file and the report (runner thread);
    counts failure reasons.

    Every JSONL line carries the run's ``seed``, so a log says how to replay its
    run. Each record is written as it comes: neither file is held in memory,
    and the report keeps only per-second aggregates.
    """

    def __init__(
        self,
        stream: IO[str] | None,
        seed: int,
        har: HarWriter | None = None,
        report: RunAggregate | None = None,
        tally: RunTally | None = None,
    ) -> None:
        self.tally = tally
        self.stream = stream
        self.seed = seed
        self.har = har
        self.report = report
        self.errors: Counter[str] = Counter()
        self.write_error: str | None = None
        self.har_error: str | None = None
        self.logged = 0  # records the log holds whole
        self.har_written = 0  # entries the HAR file holds

    def __call__(self, records: list[RequestRecord]) -> None:
        for record in records:
            if record.error is not None:
                self.errors[record.error] += 1
        if self.report is not None:
            self.report.add(records)
        if self.tally is not None:
            self.tally.add(records)
        if self.stream is not None and self.write_error is None:
            try:
                self.stream.write(
                    "".join(
                        json.dumps({**r.to_json(), "seed": self.seed}, ensure_ascii=False) + "\n"
                        for r in records
                    )
                )
                self.stream.flush()  # so that what `logged` counts is in the file
                self.logged += len(records)
            except OSError as exc:
                self.write_error = exc.strerror or str(exc)
        if self.har is not None and self.har_error is None:
            try:
                for record in records:
                    self.har.add(record)
                self.har.out.flush()
                self.har_written = self.har.count
            except OSError as exc:
                self.har_error = exc.strerror or str(exc)


def _watch(run: LoadRun, done: threading.Event, interrupts: Interrupts) -> int | None:
    """Show progress until the run ends; the signal that stopped it (SIGINT, SIGTERM), if any.

    Signals arrive as notes in ``interrupts`` (see :mod:`simulator_app.interrupts`),
    never as exceptions, so a second Ctrl-C cannot cut the summary short.
    """
    from simulator_app.sender.report import progress_line

    tty = sys.stderr.isatty()
    write = getattr(sys.stderr, "write_raw", sys.stderr.write)  # the bar's own \r, unescaped
    stopped_by: int | None = None
    last_plain = time.monotonic()
    while not done.is_set():
        done.wait(0.2 if tty else 0.5)
        if interrupts.first is not None and stopped_by is None:
            stopped_by = interrupts.first
            run.stop()
            print("\nstopping: letting in-flight requests finish...", file=sys.stderr)
            continue
        if tty:
            write("\r" + progress_line(run.progress()) + "\x1b[K")
            sys.stderr.flush()
        elif time.monotonic() - last_plain >= PLAIN_PROGRESS_EVERY:
            last_plain = time.monotonic()
            print(progress_line(run.progress()), file=sys.stderr)
    if tty:
        write("\r" + progress_line(run.progress()) + "\x1b[K\n")
    return stopped_by


def run(args: argparse.Namespace) -> int:
    from simulator_app.cli._har import replay_plan
    from simulator_app.cli._summary_files import write_summary_files
    from simulator_app.core.funnel import expected_funnel
    from simulator_app.core.run_summary import build_summary
    from simulator_app.core.safety import target_problem
    from simulator_app.core.scenario_file import ScenarioError, load_scenario
    from simulator_app.sender.report import render_summary
    from simulator_app.sender.runner import LoadRun, RunResult, RunSettings

    visitors = _number(args.visitors, "--visitors", int, 0)
    duration = _number(args.duration, "--duration", float, 0)
    concurrency = _number(args.concurrency, "--concurrency", int, 1, maximum=MAX_CONCURRENCY)
    rate = _number(args.rate, "--rate", float, 0, strict=True)
    seed = _number(args.seed, "--seed", int, 0)
    think_scale = _number(args.think_scale, "--think-scale", float, 0)
    time_limit = _number(args.time_limit, "--time-limit", float, 0, strict=True)
    timeout = _number(args.timeout, "--timeout", float, 0, strict=True)
    if args.target is not None:
        problem = target_problem(args.target)
        if problem:
            raise CliError(f"--target: {problem}")
    replay = replay_plan(args)  # --replay FILE.har / --exact, else None
    try:
        scenario = replay.scenario if replay is not None else load_scenario(args.scenario)
    except ScenarioError as exc:
        if len(exc.problems) == 1:
            raise CliError(str(exc.problems[0])) from None
        for each in exc.problems:
            print(each, file=sys.stderr)
        return 2
    if replay is None:  # setups that guarantee bad verdicts, said once before sending
        from simulator_app.core.setup_warnings import warning_lines

        for line in warning_lines(scenario, args.scenario):
            print(line, file=sys.stderr)
    interrupts: Interrupts | None = getattr(args, "interrupts", None)
    if interrupts is None:  # run() called without main()
        interrupts = Interrupts()
    if args.target is not None:
        _confirm(args.target, rate, args.yes, interrupts)

    # Ctrl-C and SIGTERM are noted from the first line of the program on (see
    # simulator_app.interrupts): whenever they come, the run stops sending, the
    # log is completed and the summary printed.
    refuse_bad_outputs(
        [
            ("--log", args.log),
            ("--har", args.har),
            ("--report", args.report),
            ("--summary-json", args.summary_json),
            ("--junit", args.junit),
        ],
        [
            ("the scenario", args.scenario),
            ("the recording replayed", args.replay),
            ("the CA bundle", getattr(args, "ca_bundle", None)),
        ],
    )
    log_stream = open_stream(args.log, "--log")
    try:
        har_stream = open_stream(args.har, "--har")
    except CliError:
        close_stream(log_stream)
        raise
    har: HarWriter | None = None
    collector: Any = None
    log: _Log | None = None
    try:
        if har_stream is not None:
            from simulator_app.core.har import HarWriter, package_version

            har = HarWriter(har_stream, package_version())
        target = args.target
        if target is None:
            from simulator_app.collector import CollectorStartError, EmbeddedCollector

            collector = EmbeddedCollector(
                host="127.0.0.1",
                port=0,
                db=":memory:",
                full_cart=scenario.tracker.full_cart,
                client_ip_header=scenario.tracker.ip_header,  # it reads the header the run sends
                **_network.embedded_tls(args),
            )
            try:
                target = collector.start()
            except CollectorStartError as exc:
                raise CliError(f"cannot start the embedded collector: {exc}") from None
            print(f"embedded collector on {target}", file=sys.stderr)
        settings = RunSettings(
            target=target,
            visitors=visitors,
            duration=duration,
            concurrency=scenario.schedule.concurrency if concurrency is None else concurrency,
            rate=rate,
            think_scale=scenario.schedule.think_scale if think_scale is None else think_scale,
            time_limit=time_limit,
            seed=seed,
            timeout=timeout,
            network=_network.settings(args, target, collector),
            retry_throttled=args.retry_throttled,
            throttle_wait=_network.throttle_wait(args),
        )
        if replay is not None:
            replay.settle(settings)
        load = LoadRun(scenario, settings, planner=replay.planner if replay is not None else None)
        aggregate: RunAggregate | None = None
        if args.report:
            from simulator_app.core.report import RunAggregate

            aggregate = RunAggregate()  # slots from the first request on
        from simulator_app.cli._inspection import snapshot
        from simulator_app.core.verdicts import RunTally

        # One tally of the records for the summary and the report (the report's feeds it).
        tally = aggregate.tally if aggregate is not None else RunTally()
        log = _Log(log_stream, load.seed, har, aggregate, None if aggregate is not None else tally)
        before = snapshot(target) if collector is None else None  # a collector at --target
        load.on_records = log
        print(f"seed {load.seed}: replay with --seed {load.seed}", file=sys.stderr)
        outcome: list[RunResult] = []
        failure: list[BaseException] = []

        done = threading.Event()

        def work() -> None:
            try:
                outcome.append(load.run())
            except BaseException as exc:  # shown by the main thread, not lost in this one
                failure.append(exc)
            finally:
                done.set()

        if interrupts.first is not None:  # interrupted while starting: no request is sent
            load.stop()
        thread = threading.Thread(target=work, name="nitrox-run")
        thread.start()
        stopped_by = _watch(load, done, interrupts)
        if stopped_by is None:  # a signal that came as the run ended by itself counts too
            stopped_by = interrupts.first
        thread.join()
        if failure:
            raise failure[0]
        result = outcome[0]
        verdict = None
        if collector is not None:
            verdict = {"source": "embedded collector", **collector.summary()}
        elif before is not None:
            from simulator_app.cli._inspection import during

            verdict = during(target, before, snapshot(target))
    finally:
        if collector is not None:
            collector.stop()
        closed = close_stream(log_stream)
        if closed and log is not None and log.write_error is None:
            log.write_error = closed
        if har is not None and log is not None and log.har_error is None:
            try:
                har.close()
            except OSError as exc:
                log.har_error = exc.strerror or str(exc)
        closed = close_stream(har_stream)
        if closed and log is not None and log.har_error is None:
            log.har_error = closed
    assert log is not None  # made before the run, which has ended without an exception
    summary = build_summary(
        result, expected_funnel(load.scenario), dict(log.errors), tally, verdict
    )
    sys.stdout.write(render_summary(summary))
    if collector is not None:
        for line in collector.unstored_lines():
            print(f"nitrox-sim run: error: {line}", file=sys.stderr)
    summary_error = write_summary_files(summary, args.summary_json, args.junit)
    if args.log:
        if log.write_error:
            report_failure(
                "run",
                "--log",
                args.log,
                log.write_error,
                f"it holds {log.logged} of the {result.requests} requests whole"
                " (a last line may be cut short)",
            )
        else:
            print(f"log: {args.log} ({result.requests} requests)")
    if args.har:
        if log.har_error:
            entries = log.har_written
            report_failure(
                "run",
                "--har",
                args.har,
                log.har_error,
                f"it holds at most {entries} of the {result.requests} entries and lacks"
                " its end: it is not a valid HAR file",
            )
        else:
            print(f"har: {args.har} ({result.requests} entries, HAR 1.2)")
    report_error = None
    if aggregate is not None:
        from simulator_app.core.report import write_report

        try:
            write_report(args.report, load.scenario, settings, aggregate, result)
            print(f"report: {args.report}")
        except OSError as exc:
            report_error = exc.strerror or str(exc)
            report_failure(
                "run",
                "--report",
                args.report,
                report_error,
                "no report was written (a file already there is left as it was)",
            )
    if stopped_by is not None:
        return 128 + stopped_by  # as a shell reports a command the signal ended: 130, 143
    if result.failures or result.time_limit_hit or log.write_error or log.har_error:
        return 1
    unstored = collector is not None and collector.unstored_lines()
    if report_error or summary_error or unstored:
        return 1
    return 0
