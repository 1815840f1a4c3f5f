"""The run report's HTML: a Jinja2 template (``templates/report.html``), autoescaped.

Every value that comes from a scenario, a target or a response reaches the
page only through the template, which escapes it: a scenario named
``<script>...`` shows as text. This module works out the figures (plain
strings and numbers); the markup is all in the templates.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any, Protocol

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from simulator_app.core.charts import Chart, Series, line_chart, stacked_bars
from simulator_app.core.figures import duration_text, ms_text, rate, rate_text
from simulator_app.core.funnel import expected_funnel, expected_orders
from simulator_app.core.model import Scenario
from simulator_app.core.outcome import RunResult
from simulator_app.core.stats import TimeSeries
from simulator_app.core.verdicts import RunTally

GREEN, RED, BLUE, AMBER, PURPLE, GREY = (
    "#2f9e6a",
    "#d94848",
    "#3b6fd8",
    "#e39b23",
    "#8a4fd0",
    "#9aa3ad",
)
ORDERS_PLANNED = 2000  # visitors planned (not sent) to estimate the expected orders
CHART_BINS = 120  # bars at most across the run's length
SHOWN_CODES = 12  # reason codes listed (each with its fields)

_TEMPLATES = Environment(
    loader=PackageLoader("simulator_app.core", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
)


class RunAggregate(Protocol):
    """What the report reads of a run's records (core.report.RunAggregate counts them;
    core.report renders through this module, so it is named here by its shape)."""

    series: TimeSeries
    tally: RunTally
    reasons: Counter[str]
    verdicts: Counter[str]
    orders: int
    order_lines: int
    revenue_cents: int


def _money(cents_or_value: float) -> str:
    return f"{cents_or_value:,.2f}"


def _clock(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(epoch))


def _cell(value: object, fail: bool = False) -> dict[str, Any]:
    return {"text": str(value), "fail": fail}


def _width_text(seconds: float) -> str:
    return f"{seconds * 1000:g} ms" if seconds < 1 else f"{seconds:g} s"


def _over_time(aggregate: RunAggregate, elapsed: float) -> dict[str, Any]:
    series = aggregate.series
    last = series.points()[-1:] if series.start is not None else []
    if not last:
        return {"rps": None, "latency": None}
    length = max(elapsed, last[0].start + series.width * 0.5)  # as long as the run, at least
    points = series.chart_points(length, CHART_BINS)
    width = points[0].width if len(points) > 1 else series.width
    full = max(p.width for p in points)
    rps = stacked_bars(
        "Requests per second",
        "req/s",
        length,
        [
            Series("succeeded", GREEN, [(p.start, p.ok_per_second) for p in points]),
            Series("failed", RED, [(p.start, p.failures_per_second) for p in points]),
        ],
        [p.width for p in points],
    )
    answered = [p for p in points if p.ok]
    latency: Chart | None = None
    if answered:
        latency = line_chart(
            "Latency of successful requests",
            "ms",
            length,
            [
                Series(name, colour, [(p.start + p.width / 2, getattr(p, name)) for p in answered])
                for name, colour in (("p50", BLUE), ("p95", AMBER), ("p99", PURPLE))
            ],
        )
    return {
        "rps": rps,
        "latency": latency,
        "first": _clock(series.start or 0.0),
        "width": _width_text(max(width, full)),
    }


def _endpoints(result: RunResult) -> dict[str, Any]:
    rows = [
        [
            _cell(r.name),
            _cell(f"{r.count:,}"),
            _cell(f"{r.failures:,}", fail=r.failures > 0),
            *(_cell(ms_text(v)) for v in (r.p50, r.p95, r.p99, r.mean, r.max)),
        ]
        for r in result.stats.rows(with_total=True)
    ]
    head = ["endpoint", "requests", "failures", "p50 ms", "p95 ms", "p99 ms", "mean ms", "max ms"]
    return {"head": head, "rows": rows}


def _ranked(counter: Counter[str], limit: int) -> tuple[list[tuple[str, str]], int]:
    ordered = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(k, f"{n:,}") for k, n in ordered[:limit]], max(len(ordered) - limit, 0)


def _failures(result: RunResult, aggregate: RunAggregate) -> dict[str, Any]:
    kinds = [
        ("answered with an error", result.answered_failures),
        ("sent, unanswered (may have been received)", result.unanswered),
        ("never reached the target", result.unreached),
        ("cancelled in flight by the stop", result.cancelled),
        ("delivered, judged bad by the receiver (counted apart)", result.contract_failures),
    ]
    reasons, more = _ranked(aggregate.reasons, 10)
    return {
        "kinds": [[_cell(k), _cell(f"{n:,}", fail=n > 0)] for k, n in kinds],
        "reasons": reasons,
        "more": more,
    }


def _verdicts(aggregate: RunAggregate) -> dict[str, Any]:
    order = ["good", "warn", "bad", "not judged", "no answer"]
    counts = aggregate.verdicts
    rows = [
        [_cell(k), _cell(f"{counts[k]:,}", fail=k == "bad" and counts[k] > 0)]
        for k in order + sorted(set(counts) - set(order))
        if counts.get(k)
    ]
    ranked = aggregate.tally.ranked()
    codes = []
    for group in ranked[:SHOWN_CODES]:
        fields = sorted(group.fields.items(), key=lambda kv: (-kv[1], kv[0]))
        example = group.example
        text = ""
        if example is not None:
            where = f"{example.field}: " if example.field else ""
            text = (
                f"{example.name} of visitor {example.visitor} ({example.journey}): "
                f"{where}{example.description or '(no description)'}"
            )
        codes.append(
            {
                "code": group.code,
                "requests": f"{group.requests:,}",
                "fields": [(name or "(no field)", f"{n:,}") for name, n in fields],
                "example": text,
            }
        )
    return {"rows": rows, "codes": codes, "more": max(len(ranked) - SHOWN_CODES, 0)}


def _share(value: float) -> str:
    return f"{max(0.0, min(1.0, value)) * 100:.1f}"


def _funnel(scenario: Scenario, result: RunResult) -> dict[str, Any]:
    expected = dict(expected_funnel(scenario).ordered())
    any_success = result.funnel.visitors > 0 and any(result.funnel.reached.values())
    measured = dict(result.funnel.funnel().ordered())
    rows = []
    for step, share in expected.items():
        got = measured.get(step, 0.0)
        if share == 0 and got == 0:
            continue
        rows.append(
            {
                "step": step,
                "measured": f"{got:.1%}" if any_success else "-",
                "expected": f"{share:.1%}",
                "measured_share": _share(got) if any_success else None,
                "expected_share": _share(share),
            }
        )
    return {"rows": rows, "measured": any_success}


def _orders(scenario: Scenario, result: RunResult, aggregate: RunAggregate) -> dict[str, Any]:
    estimate = expected_orders(scenario, visitors=ORDERS_PLANNED)
    count, revenue = estimate.for_visitors(result.visitors_done)
    measured_revenue = aggregate.revenue_cents / 100
    aov = measured_revenue / aggregate.orders if aggregate.orders else 0.0
    lines = aggregate.order_lines / aggregate.orders if aggregate.orders else 0.0
    rows = [
        ("orders", f"{aggregate.orders:,}", f"{count:,.1f}"),
        ("revenue", _money(measured_revenue), _money(revenue)),
        ("average order value", _money(aov), _money(estimate.average_order_value)),
        ("lines per order", f"{lines:.1f}", f"{estimate.lines_per_order:.1f}"),
    ]
    return {
        "rows": [[_cell(v) for v in row] for row in rows],
        "visitors": f"{result.visitors_done:,}",
        "planned": f"{ORDERS_PLANNED:,}",
    }


def _badge(result: RunResult, ok: int) -> dict[str, str]:
    if result.failures == 0 and result.contract_failures == 0:
        return {"tone": "ok", "text": "all requests succeeded"}
    if ok == 0:
        return {"tone": "bad", "text": "no request succeeded"}
    return {"tone": "warn", "text": "some requests failed"}


def render_report(
    scenario: Scenario,
    settings: list[tuple[str, str]],
    aggregate: RunAggregate,
    result: RunResult,
    title: str | None = None,
) -> str:
    """The whole report as one HTML document."""
    ok = result.requests - result.failures
    how = "stopped early" if result.stopped else "finished"
    if result.time_limit_hit:
        how = "stopped at the time limit"
    latency = aggregate.series.succeeded()
    percentiles = (
        " / ".join(ms_text(latency.percentile(q)) for q in (0.5, 0.95, 0.99))
        if latency.count
        else "-"
    )
    success_share = ok / result.requests if result.requests else 0.0
    sending = aggregate.tally.sending_time or result.elapsed  # as the summary counts it
    kpis = [
        ("requests succeeded", f"{ok:,} of {result.requests:,}", "ok" if ok else "bad"),
        ("failed", f"{result.failures:,}", "bad" if result.failures else "ok"),
        ("success rate", f"{success_share:.1%}", ""),
        ("successful req/s", rate_text(rate(ok, sending)), ""),
        (
            "journeys completed",
            f"{result.journeys_completed:,} of {result.visitors_done:,}",
            "ok" if result.journeys_completed == result.visitors_done else "bad",
        ),
        ("p50 / p95 / p99 ms of successes", percentiles, ""),
        ("orders", f"{aggregate.orders:,}", ""),
        ("revenue", _money(aggregate.revenue_cents / 100), ""),
    ]
    page = _TEMPLATES.get_template("report.html").render(
        heading=title or scenario.name,
        badge=_badge(result, ok),
        how=how,
        duration=duration_text(result.elapsed),
        visitors=f"{result.visitors_done:,}",
        requests=f"{result.requests:,}",
        made=_clock(time.time()),
        kpis=[{"label": k, "value": v, "tone": t} for k, v, t in kpis],
        over_time=_over_time(aggregate, result.elapsed),
        endpoints=_endpoints(result),
        failures=_failures(result, aggregate),
        verdicts=_verdicts(aggregate),
        funnel=_funnel(scenario, result),
        orders=_orders(scenario, result, aggregate),
        settings=settings,
        colours={"measured": GREEN, "expected": GREY},
    )
    return page + "\n"
