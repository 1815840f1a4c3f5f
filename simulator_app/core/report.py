"""A run's report: one self-contained HTML file, from its records, result and scenario.

The CLI (``nitrox-sim run --report FILE.html``) and the desktop app write the
same report with :func:`write_report`. Records are aggregated as they come
(:class:`RunAggregate`: per-second slots, counters), so a run of millions of
requests is reported in bounded memory: a runner feeds the aggregate batch
by batch and keeps no record.

What the report counts as a success is a record without ``error``; latency
percentiles over time are those of successful requests; orders and revenue
are those of ``buy`` requests that went through and were not judged bad.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from simulator_app.core.funnel import order_value
from simulator_app.core.model import Scenario
from simulator_app.core.outcome import RunResult
from simulator_app.core.record import RequestRecord
from simulator_app.core.stats import TimeSeries
from simulator_app.core.verdicts import RunTally

MAX_REASONS = 50  # distinct failure reasons kept; the rest are "other"
OTHER = "other"
NOT_JUDGED = "not judged"  # answered, and the target gave no verdict
NO_ANSWER = "no answer"  # failed before any answer came


_CANNOT_CONNECT = re.compile(r"cannot connect to (\S+): (.+)")
_CONNECT_TIMED_OUT = re.compile(r"connect to (\S+) timed out")
_ERRNO = re.compile(r"\[Errno -?\d+\] ")
FINEST_SLOT = 0.01  # seconds: a sub-second run is drawn at its own pace


def _plain(text: str) -> str:
    """An OS message as part of a sentence: "[Errno 104] Connection reset" -> "connection reset"."""
    text = _ERRNO.sub("", text).strip()
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def failure_reason(error: str) -> str:
    """A record's ``error`` as a summary says it: the cause in plain words.

    "connection error: cannot connect to 127.0.0.1:9: Connection refused"
    becomes "connection refused (127.0.0.1:9)"; the sender's other errors are
    plain words already ("timed out; the target may have received it").
    Anything is cut at 100 characters.
    """
    kind, _, detail = error.partition(": ")
    reason = error
    if kind == "connection error":
        found = _CANNOT_CONNECT.fullmatch(detail)
        if found is None and detail[:1].islower():
            return detail  # simulator_app.net.failures' line: cause, where, remedy, said whole
        reason = (
            f"{_plain(found[2])} ({found[1]})" if found else f"cannot connect: {_plain(detail)}"
        )
    elif kind == "connect timeout":
        found = _CONNECT_TIMED_OUT.fullmatch(detail)
        reason = f"connect timed out ({found[1]})" if found else "connect timed out"
    return reason if len(reason) <= 100 else reason[:97] + "..."


def _count(counter: Counter[str], key: str, n: int = 1) -> None:
    """Count ``key``, or "other" once MAX_REASONS distinct keys are kept (bounded memory)."""
    if key in counter or len(counter) < MAX_REASONS:
        counter[key] += n
    else:
        counter[OTHER] += n


class RunAggregate:
    """What a report shows of a run's records, counted as they come.

    Feed it every batch (:meth:`add`); it keeps time slots (see
    :class:`~simulator_app.core.stats.TimeSeries`), a :class:`RunTally` (the
    summary reads the same one) and a few bounded counters, never a record. ``start`` is the run's start (epoch seconds;
    default: the first record's time).
    """

    def __init__(self, start: float | None = None) -> None:
        self.series = TimeSeries(start, width=FINEST_SLOT)
        self.tally = RunTally()  # bad verdicts by code and field; when requests were in flight
        self.requests = 0
        self.failures = 0
        self.reasons: Counter[str] = Counter()  # failure_reason() -> count
        self.verdicts: Counter[str] = Counter()  # good / warn / bad / not judged / no answer
        self.orders = 0
        self.order_lines = 0
        self.revenue_cents = 0

    def add(self, records: Iterable[RequestRecord]) -> None:
        series = self.series.record
        records = list(records)
        self.tally.add(records)
        for record in records:
            self.requests += 1
            ok = record.error is None
            series(record.time, record.latency_ms, ok)
            if not ok:
                self.failures += 1
                _count(self.reasons, failure_reason(record.error or ""))
            verdict = NO_ANSWER if record.status is None else (record.verdict or NOT_JUDGED)
            self.verdicts[verdict] += 1
            if verdict == "bad":
                continue  # counted by the tally, by reason code and field
            if ok and record.step == "buy" and record.request_body is not None:
                order = order_value(record.request_body)
                if order is None:
                    continue  # not an order body the simulator wrote: nothing to add up
                lines, cents = order
                self.orders += 1
                self.order_lines += lines
                self.revenue_cents += cents

    def __call__(self, records: list[RequestRecord]) -> None:
        """The aggregate as a runner's ``on_records`` callback."""
        self.add(records)


def settings_items(
    scenario: Scenario, settings: object, result: RunResult
) -> list[tuple[str, str]]:
    """The run's settings as (name, value) rows; None means "as the scenario says"."""
    if dataclasses.is_dataclass(settings) and not isinstance(settings, type):
        values = dataclasses.asdict(settings)
    elif isinstance(settings, Mapping):
        values = dict(settings)
    else:
        raise TypeError("settings must be a dataclass instance or a mapping")
    schedule = scenario.schedule
    shown = {
        "target": values.get("target"),
        "visitors": values.get("visitors") or schedule.visitors,
        "arrival span": f"{values.get('duration') or schedule.duration:g} s ({schedule.pattern})",
        "concurrency": values.get("concurrency"),
        "rate limit": "none" if values.get("rate") is None else f"{values['rate']:g} req/s",
        "think scale": values.get("think_scale"),
        "time limit": "arrival span + 60 s"
        if values.get("time_limit") is None
        else f"{values['time_limit']:g} s",
        "timeout": f"{values.get('timeout', 0):g} s per request",
        "seed": f"{result.seed} (replay with --seed {result.seed})",
    }
    return [(k, "" if v is None else str(v)) for k, v in shown.items()]


def write_report(
    path: str | Path,
    scenario: Scenario,
    settings: object,
    records: Iterable[RequestRecord] | RunAggregate,
    result: RunResult,
    title: str | None = None,
) -> None:
    """Write the run's HTML report to ``path`` (one file, opens offline).

    ``scenario`` is the scenario as run (``LoadRun.scenario``: the settings'
    visitors, duration and seed applied); ``settings`` the run's settings
    (a ``RunSettings`` or a mapping of its fields); ``records`` every record
    of the run, or a :class:`RunAggregate` fed with them while it ran.
    Raises OSError when the file cannot be written.
    """
    from simulator_app.core.atomic import write_atomically
    from simulator_app.core.report_html import render_report

    aggregate = records if isinstance(records, RunAggregate) else RunAggregate()
    if not isinstance(records, RunAggregate):
        aggregate.add(records)
    html = render_report(
        scenario, settings_items(scenario, settings, result), aggregate, result, title
    )
    target = Path(path)
    new = not target.exists()
    if new:  # made as any new file is (the umask), not private as a temporary file is
        target.touch()
    try:
        write_atomically(target, html)
    except OSError:
        if new:
            target.unlink(missing_ok=True)
        raise
