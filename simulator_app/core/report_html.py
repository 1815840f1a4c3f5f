"""The run report's HTML: inline CSS and inline SVG charts, no script, nothing fetched.

Every text that comes from a scenario, a target or a response goes through
:func:`html.escape` (the :func:`_e` calls): a scenario named
``<script>...`` shows as text.
"""

from __future__ import annotations

import time
from collections import Counter
from html import escape
from typing import Protocol

from simulator_app.core.charts import Series, line_chart, stacked_bars
from simulator_app.core.funnel import expected_funnel, expected_orders
from simulator_app.core.model import Scenario
from simulator_app.core.outcome import RunResult
from simulator_app.core.stats import TimeSeries


class Aggregate(Protocol):
    """What the report reads of :class:`simulator_app.core.report.RunAggregate` (which imports
    this module to render itself)."""

    series: TimeSeries
    reasons: Counter[str]
    verdicts: Counter[str]
    bad_messages: Counter[str]
    orders: int
    order_lines: int
    revenue_cents: int


GREEN, RED, BLUE, AMBER, PURPLE, GREY = (
    "#2f9e6a",
    "#d94848",
    "#3b6fd8",
    "#e39b23",
    "#8a4fd0",
    "#9aa3ad",
)
ORDERS_PLANNED = 2000  # visitors planned (not sent) to estimate the expected orders

CSS = """
:root{--ink:#1d2733;--muted:#5f6b78;--line:#e3e7ec;--bg:#f5f7fa;--card:#fff}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
 font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1080px;margin:0 auto;padding:28px 24px 48px}
header h1{margin:0;font-size:26px;font-weight:650;overflow-wrap:anywhere}
header p{margin:4px 0 0;color:var(--muted)}
.badge{display:inline-block;padding:2px 10px;border-radius:99px;font-size:12px;font-weight:600;
 vertical-align:middle;margin-left:8px;color:#fff}
.badge.ok{background:#2f9e6a}.badge.bad{background:#d94848}.badge.warn{background:#e39b23}
.kpis{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin:22px 0}
@media (max-width:720px){.kpis{grid-template-columns:repeat(2,1fr)}}
.kpi{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px}
.kpi b{display:block;font-size:22px;font-weight:650;font-variant-numeric:tabular-nums}
.kpi span{color:var(--muted);font-size:12px}
.kpi.bad b{color:#c23b3b}.kpi.ok b{color:#23855a}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;
 padding:16px 18px;margin:16px 0}
h2{font-size:16px;margin:0 0 10px;font-weight:650}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.cols section{margin:0}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left;white-space:normal;overflow-wrap:break-word}
th{color:var(--muted);font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.03em}
tr.total td{font-weight:650;border-top:2px solid var(--line)}
td.fail{color:#c23b3b}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
figure.chart{margin:0 0 8px}
figcaption{font-weight:650;margin-bottom:4px;display:flex;justify-content:space-between}
.legend{font-weight:400;color:var(--muted);font-size:12px}
.key{margin-left:14px}.key i{display:inline-block;width:10px;height:10px;border-radius:2px;
 margin-right:5px;vertical-align:-1px}
svg{width:100%;height:auto;display:block}
svg .grid{stroke:#edf0f3}svg .axis{stroke:#b8c0c8}
svg text{font:12px system-ui,sans-serif;fill:#5f6b78}
.bar{position:relative;height:9px;background:#eef1f4;border-radius:5px;margin:2px 0}
.bar i{position:absolute;left:0;top:0;bottom:0;border-radius:5px}
td.bars{width:38%;min-width:120px}
.note{color:var(--muted);font-size:12px;margin:8px 0 0}
.empty{color:var(--muted);font-style:italic}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:24px}
@media print{body{background:#fff}section,.kpi{break-inside:avoid}}
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def ms_text(value: float) -> str:
    """A latency in ms as tables show it: 147, 9.5."""
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def _money(cents_or_value: float) -> str:
    return f"{cents_or_value:,.2f}"


def duration_text(seconds: float) -> str:
    """Seconds as a clock: 0:05, 12:30, 1:02:03."""
    seconds = max(0, round(seconds))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _clock(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(epoch))


def _kpi(label: str, value: str, tone: str = "") -> str:
    return f'<div class="kpi {tone}"><b>{_e(value)}</b><span>{_e(label)}</span></div>'


def _table(head: list[str], rows: list[list[str]], total: bool = False) -> str:
    """A table of already escaped cells; ``total``: the last row is a total."""
    out = ["<table><thead><tr>", *(f"<th>{h}</th>" for h in head), "</tr></thead><tbody>"]
    for i, row in enumerate(rows):
        cls = ' class="total"' if total and i == len(rows) - 1 else ""
        out.append(f"<tr{cls}>" + "".join(row) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _td(value: object, fail: bool = False) -> str:
    return f'<td class="fail">{_e(value)}</td>' if fail else f"<td>{_e(value)}</td>"


def _counts(counter: Counter[str], empty: str, limit: int = 10) -> str:
    if not counter:
        return f'<p class="empty">{_e(empty)}</p>'
    ordered = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    rows = [[_td(k), _td(f"{n:,}")] for k, n in ordered[:limit]]
    more = len(ordered) - limit
    note = f'<p class="note">and {more} more</p>' if more > 0 else ""
    return _table(["", "count"], rows) + note


def _charts(aggregate: Aggregate, elapsed: float) -> str:
    points = aggregate.series.points()
    if not points:
        return '<section><h2>Over time</h2><p class="empty">No request was sent.</p></section>'
    width = aggregate.series.width
    x_high = max(elapsed, points[-1].start + width)
    rps = stacked_bars(
        "Requests per second",
        "req/s",
        x_high,
        width,
        [
            Series("succeeded", GREEN, [(p.start, p.ok_per_second) for p in points]),
            Series("failed", RED, [(p.start, p.failures_per_second) for p in points]),
        ],
    )
    answered = [p for p in points if p.ok]
    mid = width / 2
    latency = line_chart(
        "Latency of successful requests",
        "ms",
        x_high,
        [
            Series("p50", BLUE, [(p.start + mid, p.p50) for p in answered]),
            Series("p95", AMBER, [(p.start + mid, p.p95) for p in answered]),
            Series("p99", PURPLE, [(p.start + mid, p.p99) for p in answered]),
        ],
    )
    first = aggregate.series.start or 0.0
    note = (
        f'<p class="note">Time from the first request, sent {_e(_clock(first))}.'
        + (f" Each point covers {width:g} s." if width > 1 else "")
        + "</p>"
    )
    if not answered:
        latency = '<p class="empty">No request succeeded: no latency to draw.</p>'
    return f"<section><h2>Over time</h2>{rps}{latency}{note}</section>"


def _endpoints(result: RunResult) -> str:
    rows = [
        [
            _td(r.name),
            _td(f"{r.count:,}"),
            _td(f"{r.failures:,}", fail=r.failures > 0),
            _td(ms_text(r.p50)),
            _td(ms_text(r.p95)),
            _td(ms_text(r.p99)),
            _td(ms_text(r.mean)),
            _td(ms_text(r.max)),
        ]
        for r in result.stats.rows(with_total=True)
    ]
    head = ["endpoint", "requests", "failures", "p50 ms", "p95 ms", "p99 ms", "mean ms", "max ms"]
    return f"<section><h2>Endpoints</h2>{_table(head, rows, total=True)}</section>"


def _failures(result: RunResult, aggregate: Aggregate) -> str:
    kinds = [
        ("answered with an error", result.answered_failures),
        ("sent, unanswered (may have been received)", result.unanswered),
        ("never reached the target", result.unreached),
        ("cancelled in flight by the stop", result.cancelled),
    ]
    rows = [[_td(k), _td(f"{n:,}", fail=n > 0)] for k, n in kinds]
    rows.append(
        [
            _td("delivered, judged bad by the receiver (counted apart)"),
            _td(f"{result.contract_failures:,}", fail=result.contract_failures > 0),
        ]
    )
    by_kind = _table(["kind", "requests"], rows)
    reasons = _counts(aggregate.reasons, "No request failed.")
    return (
        f'<section><h2>Failures by cause</h2>{by_kind}<h2 style="margin-top:14px">Reasons</h2>'
        f"{reasons}</section>"
    )


def _verdicts(aggregate: Aggregate) -> str:
    order = ["good", "warn", "bad", "not judged", "no answer"]
    counts = aggregate.verdicts
    rows = [
        [_td(k), _td(f"{counts[k]:,}", fail=k == "bad" and counts[k] > 0)]
        for k in order + sorted(set(counts) - set(order))
        if counts.get(k)
    ]
    table = _table(["verdict", "requests"], rows) if rows else '<p class="empty">None.</p>'
    messages = _counts(aggregate.bad_messages, "No request was judged bad.", limit=6)
    return (
        f'<section><h2>Receiver\'s verdicts</h2>{table}<h2 style="margin-top:14px">'
        f"Messages of bad requests</h2>{messages}</section>"
    )


def _bar(share: float, colour: str) -> str:
    pct = max(0.0, min(1.0, share)) * 100
    return f'<div class="bar"><i style="width:{pct:.1f}%;background:{colour}"></i></div>'


def _funnel(scenario: Scenario, result: RunResult) -> str:
    expected = dict(expected_funnel(scenario).ordered())
    measured_funnel = result.funnel.funnel()
    any_success = result.funnel.visitors > 0 and any(result.funnel.reached.values())
    measured = dict(measured_funnel.ordered())
    rows = []
    for step, share in expected.items():
        got = measured.get(step, 0.0)
        if share == 0 and got == 0:
            continue
        got_text = f"{got:.1%}" if any_success else "-"
        rows.append(
            [
                _td(step),
                _td(got_text),
                _td(f"{share:.1%}"),
                '<td class="bars">'
                + (_bar(got, GREEN) if any_success else "")
                + _bar(share, GREY)
                + "</td>",
            ]
        )
    note = (
        '<p class="note">Measured: the share of visitors who sent each step successfully '
        "(green); expected: what the scenario's weights and drop-offs imply (grey).</p>"
    )
    if not any_success:
        note = '<p class="note">Not measured: no request succeeded. Expected figures only.</p>'
    table = _table(["step", "measured", "expected", ""], rows)
    return f"<section><h2>Funnel</h2>{table}{note}</section>"


def _orders(scenario: Scenario, result: RunResult, aggregate: Aggregate) -> str:
    estimate = expected_orders(scenario, visitors=ORDERS_PLANNED)
    count, revenue = estimate.for_visitors(result.visitors_done)
    measured_revenue = aggregate.revenue_cents / 100
    aov = measured_revenue / aggregate.orders if aggregate.orders else 0.0
    lines = aggregate.order_lines / aggregate.orders if aggregate.orders else 0.0
    rows = [
        [_td("orders"), _td(f"{aggregate.orders:,}"), _td(f"{count:,.1f}")],
        [_td("revenue"), _td(_money(measured_revenue)), _td(_money(revenue))],
        [_td("average order value"), _td(_money(aov)), _td(_money(estimate.average_order_value))],
        [_td("lines per order"), _td(f"{lines:.1f}"), _td(f"{estimate.lines_per_order:.1f}")],
    ]
    note = (
        f'<p class="note">Measured: buy requests that went through and were not judged bad. '
        f"Expected: for {result.visitors_done:,} visitors, estimated by planning "
        f"{ORDERS_PLANNED:,} visitors (none sent).</p>"
    )
    table = _table(["", "measured", "expected"], rows)
    return f"<section><h2>Orders and revenue</h2>{table}{note}</section>"


def render_report(
    scenario: Scenario,
    settings: list[tuple[str, str]],
    aggregate: Aggregate,
    result: RunResult,
    title: str | None = None,
) -> str:
    """The whole report as one HTML document."""
    ok = result.requests - result.failures
    rate = ok / result.elapsed if result.elapsed > 0 else 0.0
    how = "stopped early" if result.stopped else "finished"
    if result.time_limit_hit:
        how = "stopped at the time limit"
    if result.failures == 0 and result.contract_failures == 0:
        badge = '<span class="badge ok">all requests succeeded</span>'
    elif ok == 0:
        badge = '<span class="badge bad">no request succeeded</span>'
    else:
        badge = '<span class="badge warn">some requests failed</span>'
    latency = aggregate.series.succeeded()
    percentiles = (
        " / ".join(ms_text(latency.percentile(q)) for q in (0.5, 0.95, 0.99))
        if latency.count
        else "-"
    )
    success_share = ok / result.requests if result.requests else 0.0
    kpis = "".join(
        [
            _kpi("requests succeeded", f"{ok:,} of {result.requests:,}", "ok" if ok else "bad"),
            _kpi("failed", f"{result.failures:,}", "bad" if result.failures else "ok"),
            _kpi("success rate", f"{success_share:.1%}"),
            _kpi("successful req/s", f"{rate:,.1f}"),
            _kpi(
                "journeys completed",
                f"{result.journeys_completed:,} of {result.visitors_done:,}",
                "ok" if result.journeys_completed == result.visitors_done else "bad",
            ),
            _kpi("p50 / p95 / p99 ms of successes", percentiles),
            _kpi("orders", f"{aggregate.orders:,}"),
            _kpi("revenue", _money(aggregate.revenue_cents / 100)),
        ]
    )
    settings_html = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in settings)
    heading = title or scenario.name
    made = _clock(time.time())
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{_e(heading)}: run report</title>'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<style>{CSS}</style></head><body><main>"
        f"<header><h1>{_e(heading)}{badge}</h1>"
        f"<p>Run {how} after {_e(duration_text(result.elapsed))}: {result.visitors_done:,} visitors, "
        f"{result.requests:,} requests. Report written {_e(made)} by the Nitrox Traffic "
        "Simulator.</p></header>"
        f'<div class="kpis">{kpis}</div>'
        f"{_charts(aggregate, result.elapsed)}"
        f"{_endpoints(result)}"
        f'<div class="cols">{_failures(result, aggregate)}{_verdicts(aggregate)}</div>'
        f'<div class="cols">{_funnel(scenario, result)}{_orders(scenario, result, aggregate)}</div>'
        f"<section><h2>Settings</h2><dl>{settings_html}</dl></section>"
        "<footer>Self-contained: open it anywhere, offline.</footer>"
        "</main></body></html>\n"
    )
