"""Plain-text views of a run: the progress line and the end-of-run summary.

Kept apart from the command so the desktop app and tests can show the same
text; nothing here prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simulator_app.core.figures import duration_text, ms_text, rate_text
from simulator_app.core.funnel import Funnel
from simulator_app.core.report import failure_reason as failure_reason  # shown with the summary
from simulator_app.core.run_summary import build_summary, failure_reasons
from simulator_app.core.verdicts import RunTally
from simulator_app.core.words import plural
from simulator_app.sender.runner import Progress, RunResult
from simulator_app.sender.summary_net import throttle_lines


def progress_line(p: Progress, width: int = 24) -> str:
    """One line: a bar of visitors done, counts, request rate and the time left."""
    total = max(p.visitors_total, 1)
    filled = min(width, round(width * p.visitors_done / total))
    bar = "#" * filled + "-" * (width - filled)
    rate = rate_text(p.requests / p.elapsed) if p.elapsed > 0 else "0"
    eta = "?" if p.eta is None else duration_text(p.eta)
    state = "  PAUSED" if p.paused else ""
    if p.waiting > 0:
        state += f"  WAITING {p.waiting:.0f} s: the target asked to slow down"
    unanswered = f" ({p.unanswered} unanswered)" if p.unanswered else ""
    return (
        f"[{bar}] visitors {p.visitors_done}/{p.visitors_total} "
        f"(started {p.visitors_started})  requests {p.requests}  failures {p.failures}"
        f"{unanswered}  {rate} req/s  elapsed {duration_text(p.elapsed)}  left {eta}{state}"
    )


def failure_kinds(failures: dict[str, int]) -> str:
    """The failures by what the target can have seen of them, as one line; "" when none.

    ``failures`` is the summary's ``failures`` mapping.
    """
    parts = [
        (failures["answered_with_error"], "answered with an error"),
        (
            failures.get("throttled", 0),
            "throttled (429, or 503 with Retry-After: the target asked to wait)",
        ),
        (failures["unanswered"], "sent and unanswered (the target may have received them)"),
        (failures["unreached"], "never reached the target"),
        (failures["cancelled"], "cancelled in flight by the stop (may have been received)"),
    ]
    words = [f"{n} {what}" for n, what in parts if n]
    return "failed: " + ", ".join(words) if words else ""


def error_counts(errors: dict[str, int], limit: int = 5) -> list[str]:
    """The most frequent failure reasons, most frequent first.

    ``errors`` counts records' errors as logged; errors that
    :func:`failure_reason` words the same are one line.
    """
    return [f"  {r['count']:>6} x {r['reason']}" for r in failure_reasons(errors)[:limit]]


def collector_lines(
    summary: dict[str, Any], recent_bad: Sequence[dict[str, Any]] = ()
) -> list[str]:
    """A collector's verdict: good/bad per type, visitors by country, and ``recent_bad`` requests.

    The run's summary passes no ``recent_bad``: its bad requests are grouped by
    reason code from the run's own records (:func:`code_lines`), one source
    for every bad request it announces.
    """
    source = summary.get("source", "collector")
    lines = [
        f"{source}: {summary.get('total', 0)} received, {summary.get('good', 0)} good, "
        f"{summary.get('bad', 0)} bad"
    ]
    if summary.get("note"):
        lines.append(f"  ({summary['note']})")
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


def code_lines(codes: Sequence[dict[str, Any]]) -> list[str]:
    """Bad requests by reason code: how many, on which fields, and one example each."""
    width = max([len(c["code"]) for c in codes] + [4])
    lines = []
    for group in codes:
        fields = group["fields"]
        shown = ", ".join(f"{name or '(no field)'} {n:,}" for name, n in list(fields.items())[:4])
        if len(fields) > 4:
            shown += f", {len(fields) - 4} more"
        lines.append(f"  {group['code']:<{width}}  {plural(group['requests'], 'request')}: {shown}")
        example = group.get("example")
        if example:
            where = f"{example['field']}: " if example["field"] else ""
            what = example["description"] or "(no description)"
            lines.append(
                f"  {'':<{width}}  e.g. {example['name']} of visitor {example['visitor']}"
                f" ({example['journey']}): {where}{what}"
            )
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


def journeys_text(journeys: dict[str, Any]) -> str:
    """``journeys completed: 95 of 200 visitors (browser: 77, buyer: 6)``.

    A replay's journeys are its recorded visitors, one each: those are
    counted, not listed.
    """
    line = f"journeys completed: {journeys['completed']:,} of {plural(journeys['visitors'], 'visitor')}"
    done = {k: v["completed"] for k, v in journeys["by_journey"].items() if v["completed"]}
    if not done:
        return line
    if len(done) > 1 and all(n == 1 for n in done.values()):
        return line + f" (one each, of {plural(len(done), 'recorded journey')})"
    return line + " (" + ", ".join(f"{k}: {v:,}" for k, v in sorted(done.items())) + ")"


def render_summary(data: dict[str, Any]) -> str:
    """The end-of-run summary of :func:`~simulator_app.core.run_summary.build_summary`'s figures."""
    failures = data["failures"]
    kinds = failure_kinds(failures)
    sending = data["sending_s"]
    over = (
        f" over {duration_text(sending)} of sending"
        if round(sending) != round(data["elapsed_s"]) and sending >= 1
        else ""
    )
    judged_bad = data["judged_bad"]
    lines = [
        f"run {data['outcome']} after {duration_text(data['elapsed_s'])}: "
        f"{plural(data['visitors'], 'visitor')}, {plural(data['requests'], 'request')}: "
        f"{data['succeeded']:,} succeeded ({rate_text(data['succeeded_per_s'])} req/s{over}), "
        f"{data['failed']:,} failed"
        + (f" ({failures['cancelled']} cancelled)" if failures["cancelled"] else ""),
        *([kinds] if kinds else []),
        *([data["counts_line"]] if data.get("counts_line") else []),  # as the app shows it
        *(
            [
                f"{judged_bad:,} delivered but judged bad by the receiver"
                " (the contract; by reason code below)"
            ]
            if judged_bad
            else []
        ),
        *throttle_lines(data["network"]),
        f"seed {data['seed']}: replay with --seed {data['seed']}",
        "",
        *_endpoint_lines(data["endpoints"]),
        "",
        journeys_text(data["journeys"]),
        "",
        *_funnel_lines(data["funnel"]),
    ]
    reasons = data["failure_reasons"]
    if reasons:
        lines += ["", "failures by reason:"]
        lines += [f"  {r['count']:>6} x {r['reason']}" for r in reasons[:5]]  # as error_counts
        if len(reasons) > 5:
            rest = sum(r["count"] for r in reasons[5:])
            lines.append(f"  {rest:>6} x {len(reasons) - 5} other reasons")
        if data["target_unreachable"]:
            lines.append("the target could not be reached: no request got a response")
    if judged_bad:
        lines += [
            "",
            "judged bad by the receiver, by reason code:",
            *code_lines(data["bad_by_code"]),
        ]
    if data["collector"] is not None:
        lines += ["", *collector_lines(data["collector"])]
    return "\n".join(lines) + "\n"


def _endpoint_lines(rows: list[dict[str, Any]]) -> list[str]:
    width = max([len(r["name"]) for r in rows] + [8])
    lines = [
        f"{'endpoint':<{width}}  {'count':>8}  {'failures':>8}  "
        f"{'p50 ms':>7}  {'p95 ms':>7}  {'p99 ms':>7}"
    ]
    for r in rows:
        lines.append(
            f"{r['name']:<{width}}  {r['count']:>8}  {r['failures']:>8}  "
            f"{ms_text(r['p50_ms']):>7}  {ms_text(r['p95_ms']):>7}  {ms_text(r['p99_ms']):>7}"
        )
    return lines


def _funnel_lines(funnel: dict[str, Any]) -> list[str]:
    lines = [f"{'step':<15}  {'measured':>8}  {'expected':>8}"]
    for row in funnel["steps"]:
        got = row["measured"]
        shown = f"{got:>8.1%}" if got is not None else f"{'-':>8}"
        lines.append(f"{row['step']:<15}  {shown}  {row['expected']:>8.1%}")
    if not funnel["measured"]:
        lines.append("no measured funnel: no request succeeded")
    return lines


def summary_text(
    result: RunResult,
    expected: Funnel,
    errors: dict[str, int],
    collector: dict[str, Any] | None = None,
    tally: RunTally | None = None,
) -> str:
    """The whole end-of-run summary; ``errors`` counts the records' errors as logged."""
    return render_summary(build_summary(result, expected, errors, tally, collector))
