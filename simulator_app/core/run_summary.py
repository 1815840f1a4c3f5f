"""Every figure of a run's summary, in one JSON-able mapping.

:func:`build_summary` is the one source of what ``nitrox-sim run`` says at
the end: the printed summary (``sender.report.render_summary``), the
``--summary-json`` file (this mapping as it is) and the ``--junit`` file
(:mod:`simulator_app.core.junit`) all read it, so they cannot disagree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from simulator_app.core.figures import rate
from simulator_app.core.funnel import Funnel
from simulator_app.core.outcome import RunResult
from simulator_app.core.report import failure_reason
from simulator_app.core.verdicts import RunTally

FORMAT = 1  # bumped when a key changes meaning or goes


def outcome_word(result: RunResult) -> str:
    """How the run ended: finished, stopped early, stopped at the time limit."""
    if result.time_limit_hit:
        return "stopped at the time limit"
    return "stopped early" if result.stopped else "finished"


def _endpoints(result: RunResult) -> list[dict[str, Any]]:
    return [
        {
            "name": r.name,
            "count": r.count,
            "failures": r.failures,
            "p50_ms": r.p50,
            "p95_ms": r.p95,
            "p99_ms": r.p99,
            "mean_ms": round(r.mean, 3),
            "max_ms": round(r.max, 3),
        }
        for r in result.stats.rows(with_total=True)
    ]


def _journeys(result: RunResult, tally: RunTally) -> dict[str, Any]:
    names = sorted(set(result.completed_by_journey) | set(tally.requests_by_journey))
    return {
        "completed": result.journeys_completed,
        "visitors": result.visitors_done,
        "by_journey": {
            name: {
                "completed": result.completed_by_journey.get(name, 0),
                "requests": tally.requests_by_journey.get(name, 0),
                "failed": tally.failures_by_journey.get(name, 0),
                "judged_bad": tally.bad_by_journey.get(name, 0),
            }
            for name in names
            if name
        },
    }


def _funnel(result: RunResult, expected: Funnel) -> dict[str, Any]:
    measured = result.funnel.funnel() if any(result.funnel.reached.values()) else None
    got = dict(measured.ordered()) if measured is not None else {}
    steps = [
        {
            "step": step,
            "measured": got.get(step, 0.0) if measured is not None else None,
            "expected": share,
        }
        for step, share in expected.ordered()
        if share or got.get(step, 0)
    ]
    return {"measured": measured is not None, "steps": steps}


def failure_reasons(errors: Mapping[str, int]) -> list[dict[str, Any]]:
    """Records' errors by their cause in plain words, most frequent first."""
    reasons: Counter[str] = Counter()
    for error, n in errors.items():
        reasons[failure_reason(error)] += n
    ordered = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"reason": reason, "count": n} for reason, n in ordered]


def _codes(tally: RunTally) -> list[dict[str, Any]]:
    out = []
    for group in tally.ranked():
        example = group.example
        out.append(
            {
                "code": group.code,
                "requests": group.requests,
                "fields": dict(sorted(group.fields.items(), key=lambda kv: (-kv[1], kv[0]))),
                "example": None
                if example is None
                else {
                    "name": example.name,
                    "visitor": example.visitor,
                    "journey": example.journey,
                    "field": example.field,
                    "description": example.description,
                },
            }
        )
    return out


def build_summary(
    result: RunResult,
    expected: Funnel,
    errors: Mapping[str, int],
    tally: RunTally | None = None,
    collector: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Every figure of the run's summary.

    ``errors`` counts the records' errors as logged; ``tally`` is fed every
    record of the run (None: none was kept, so no code and the elapsed time
    as the sending time); ``collector`` is what a collector says of the run
    (``{"source", "total", "good", "bad", "by_type", "bad_by_type", ...}``).
    """
    tally = tally if tally is not None else RunTally()
    if tally.sent:  # the one run state the app's views read too (core.verdicts)
        requests, failed, judged_bad = tally.sent, tally.transport, tally.bad
    else:  # no record was kept: the runner's own counts
        requests, failed, judged_bad = result.requests, result.failures, result.contract_failures
    succeeded = requests - failed
    sending = tally.sending_time or result.elapsed
    return {
        "format": FORMAT,
        "outcome": outcome_word(result),
        "elapsed_s": round(result.elapsed, 3),
        "sending_s": round(sending, 3),
        "visitors": result.visitors_done,
        "requests": requests,
        "succeeded": succeeded,
        "failed": failed,
        "counts": tally.counts() if tally.sent else None,
        "counts_line": tally.line() if tally.sent else None,
        "succeeded_per_s": round(rate(succeeded, sending), 3),
        "failures": {
            "answered_with_error": result.answered_failures,
            "throttled": result.throttled,
            "unanswered": result.unanswered,
            "unreached": result.unreached,
            "cancelled": result.cancelled,
        },
        "time_limit_hit": result.time_limit_hit,
        "judged_bad": judged_bad,
        "bad_by_code": _codes(tally),
        "seed": result.seed,
        "endpoints": _endpoints(result),
        "journeys": _journeys(result, tally),
        "funnel": _funnel(result, expected),
        "failure_reasons": failure_reasons(errors),
        "target_unreachable": bool(result.unreached and result.unreached == result.requests),
        "collector": None if collector is None else dict(collector),
        "network": {
            "throttled": result.throttled,
            "throttle_waited_s": round(result.throttle_waited, 3),
            "rate_lowered_to": result.rate_lowered_to,
            "connections_opened": result.connections_opened,
            "notes": list(result.network_notes),
        },
    }
