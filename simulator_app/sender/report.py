"""Plain-text views of a run: the progress line and the end-of-run summary.

Kept apart from the command so the desktop app and tests can show the same
text; nothing here prints.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from simulator_app.core.funnel import Funnel
from simulator_app.core.report import failure_reason
from simulator_app.core.report_html import duration_text, ms_text
from simulator_app.core.words import plural
from simulator_app.sender.runner import Progress, RunResult
from simulator_app.sender.summary_net import throttle_lines


def progress_line(p: Progress, width: int = 24) -> str:
    """One line: a bar of visitors done, counts, request rate and the time left."""
    total = max(p.visitors_total, 1)
    filled = min(width, round(width * p.visitors_done / total))
    bar = "#" * filled + "-" * (width - filled)
    rate = p.requests / p.elapsed if p.elapsed > 0 else 0.0
    eta = "?" if p.eta is None else duration_text(p.eta)
    state = "  PAUSED" if p.paused else ""
    if p.waiting > 0:
        state += f"  WAITING {p.waiting:.0f} s: the target asked to slow down"
    unanswered = f" ({p.unanswered} unanswered)" if p.unanswered else ""
    return (
        f"[{bar}] visitors {p.visitors_done}/{p.visitors_total} "
        f"(started {p.visitors_started})  requests {p.requests}  failures {p.failures}"
        f"{unanswered}  {rate:,.0f} req/s  elapsed {duration_text(p.elapsed)}  left {eta}{state}"
    )


def stats_table(result: RunResult) -> list[str]:
    """Per endpoint: count, failures, p50/p95/p99 latency in ms; the total last."""
    rows = result.stats.rows(with_total=True)
    width = max([len(r.name) for r in rows] + [8])
    lines = [
        f"{'endpoint':<{width}}  {'count':>8}  {'failures':>8}  "
        f"{'p50 ms':>7}  {'p95 ms':>7}  {'p99 ms':>7}"
    ]
    for r in rows:
        lines.append(
            f"{r.name:<{width}}  {r.count:>8}  {r.failures:>8}  "
            f"{ms_text(r.p50):>7}  {ms_text(r.p95):>7}  {ms_text(r.p99):>7}"
        )
    return lines


def funnel_table(measured: Funnel | None, expected: Funnel) -> list[str]:
    """Each step type's share of visitors, measured beside what the scenario implies.

    ``measured`` None: nothing was measured (no request succeeded); its column is "-".
    """
    lines = [f"{'step':<15}  {'measured':>8}  {'expected':>8}"]
    got = dict(measured.ordered()) if measured is not None else {}
    for step, share in expected.ordered():
        if share == 0 and got.get(step, 0) == 0:
            continue
        shown = f"{got.get(step, 0.0):>8.1%}" if measured is not None else f"{'-':>8}"
        lines.append(f"{step:<15}  {shown}  {share:>8.1%}")
    return lines


def failure_kinds(result: RunResult) -> str:
    """The failures by what the target can have seen of them, as one line; "" when none."""
    parts = [
        (result.answered_failures, "answered with an error"),
        (result.throttled, "throttled (429, or 503 with Retry-After: the target asked to wait)"),
        (result.unanswered, "sent and unanswered (the target may have received them)"),
        (result.unreached, "never reached the target"),
        (result.cancelled, "cancelled in flight by the stop (may have been received)"),
    ]
    words = [f"{n} {what}" for n, what in parts if n]
    return "failed: " + ", ".join(words) if words else ""


def error_counts(errors: dict[str, int], limit: int = 5) -> list[str]:
    """The most frequent failure reasons, most frequent first.

    ``errors`` counts records' errors as logged; errors that
    :func:`failure_reason` words the same are one line.
    """
    reasons: Counter[str] = Counter()
    for error, n in errors.items():
        reasons[failure_reason(error)] += n
    ordered = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    return [f"  {n:>6} x {reason}" for reason, n in ordered[:limit]]


def collector_lines(summary: dict[str, Any], recent_bad: Sequence[dict[str, Any]]) -> list[str]:
    """The embedded collector's verdict: good/bad per type and the first bad messages."""
    lines = [
        f"collector: {summary.get('total', 0)} received, {summary.get('good', 0)} good, "
        f"{summary.get('bad', 0)} bad"
    ]
    by_type: dict[str, int] = summary.get("by_type", {})
    bad_by_type: dict[str, int] = summary.get("bad_by_type", {})
    for kind in sorted(by_type):
        n = by_type[kind]
        if n:
            bad = bad_by_type.get(kind, 0)
            lines.append(f"  {kind:<15} {n - bad:>8} good  {bad:>6} bad")
    lines.extend(country_lines(summary.get("countries")))
    for row in recent_bad:
        messages = row.get("messages", "")
        if isinstance(messages, list):
            messages = "; ".join(
                f"{m.get('fieldPath', '')}: {m.get('description', '')}"
                if isinstance(m, dict)
                else str(m)
                for m in messages
            )
        lines.append(f"  bad {row.get('type', '?')} {row.get('path', '')}: {messages}")
    return lines


def country_lines(countries: dict[str, Any] | None, shown: int = 8) -> list[str]:
    """Visitors by country as the collector geolocated them from the client-IP header."""
    if not countries or not countries.get("visitors") or not countries.get("header"):
        return []
    by_country: dict[str, dict[str, int]] = countries.get("by_country", {})
    ranked = sorted(by_country.items(), key=lambda item: (-item[1]["visitors"], item[0]))
    total = countries["visitors"]
    parts = [f"{code} {n['visitors']:,} ({n['visitors'] / total:.0%})" for code, n in ranked]
    if len(parts) > shown:
        parts = [*parts[:shown], f"{len(parts) - shown} more"]
    share = countries.get("header_share")
    header = f"{countries.get('header')} on {share:.0%} of requests" if share is not None else ""
    return [f"  visitors by country: {', '.join(parts)}" + (f"; {header}" if header else "")]


def summary_text(
    result: RunResult,
    expected: Funnel,
    errors: dict[str, int],
    collector: tuple[dict[str, Any], Sequence[dict[str, Any]]] | None = None,
) -> str:
    """The whole end-of-run summary; ``errors`` counts the records' errors as logged."""
    how = "stopped early" if result.stopped else "finished"
    if result.time_limit_hit:
        how = "stopped at the time limit"
    succeeded = result.requests - result.failures
    rate = succeeded / result.elapsed if result.elapsed > 0 else 0.0
    kinds = failure_kinds(result)
    measured = result.funnel.funnel() if any(result.funnel.reached.values()) else None
    lines = [
        f"run {how} after {duration_text(result.elapsed)}: {plural(result.visitors_done, 'visitor')}, "
        f"{plural(result.requests, 'request')}: {succeeded:,} succeeded ({rate:,.0f} req/s), "
        f"{result.failures} failed"
        + (f" ({result.cancelled} cancelled)" if result.cancelled else ""),
        *([kinds] if kinds else []),
        *(
            [
                f"{result.contract_failures} delivered but judged bad by the receiver"
                " (the contract; its messages below)"
            ]
            if result.contract_failures
            else []
        ),
        *throttle_lines(result),
        f"seed {result.seed}: replay with --seed {result.seed}",
        "",
        *stats_table(result),
        "",
        f"journeys completed: {result.journeys_completed} of {result.visitors_done} visitors"
        + (
            " ("
            + ", ".join(f"{k} {v}" for k, v in sorted(result.completed_by_journey.items()))
            + ")"
            if result.completed_by_journey
            else ""
        ),
        "",
        *funnel_table(measured, expected),
        *([] if measured is not None else ["no measured funnel: no request succeeded"]),
    ]
    if errors:
        lines += ["", "failures by reason:", *error_counts(errors)]
        if result.unreached and result.unreached == result.requests:
            lines.append("the target could not be reached: no request got a response")
    if collector is not None:
        lines += ["", *collector_lines(*collector)]
    return "\n".join(lines) + "\n"
