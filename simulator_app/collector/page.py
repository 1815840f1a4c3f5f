"""The collector's HTML page at ``/_collector/``: counts, funnel and recent events.

One self-refreshing page (every 2 s), no scripts, no external assets; every
value shown is escaped, since request paths and bodies come from anyone.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from html import escape
from typing import Any

from simulator_app.collector.rows import Row
from simulator_app.core.funnel import FUNNEL_ORDER

_STYLE = """
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.3em}h2{font-size:1.05em;margin-top:1.5em}
table{border-collapse:collapse;margin:.4em 0}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}.n{text-align:right}.bad{color:#b00020}.good{color:#1b6e20}.warn{color:#8a5a00}
code{font-size:12px;word-break:break-all}.bar{background:#4a7fd4;height:.8em;display:inline-block}
"""


def _notes(messages: list[dict[str, str]], css: str) -> list[str]:
    return [
        f"<span class='{css}'><code>{escape(m['fieldPath'])}</code> {escape(m['description'])}"
        f" ({escape(m['code'])})</span>"
        for m in messages
    ]


def _row_html(row: Row) -> str:
    when, kind, good, status, method, path, _visitor, messages, warnings, _body = row
    if not good:
        verdict = '<span class="bad">bad</span>'
    elif warnings:
        verdict = '<span class="warn">good, with warnings</span>'
    else:
        verdict = '<span class="good">good</span>'
    notes = "<br>".join(_notes(messages, "bad") + _notes(warnings, "warn"))
    clock = time.strftime("%H:%M:%S", time.localtime(when))
    short = path if len(path) <= 120 else path[:117] + "..."
    return (
        f"<tr><td>{clock}</td><td>{escape(kind)}</td><td>{verdict}</td><td>{status}</td>"
        f"<td>{escape(method)} <code>{escape(short)}</code></td><td>{notes}</td></tr>"
    )


def _events_table(rows: Iterable[Row]) -> str:
    body = "".join(_row_html(r) for r in rows)
    if not body:
        return "<p>None yet.</p>"
    head = "<tr><th>time</th><th>type</th><th>verdict</th><th>status</th><th>request</th><th>messages</th></tr>"
    return f"<table>{head}{body}</table>"


def _countries_html(countries: dict[str, Any]) -> str:
    """The "Visitors by country" table, and how many requests carried the header."""
    header = countries["header"]
    if header is None:
        return "<p>The client-IP header is off (--client-ip-header off): no countries.</p>"
    rows = countries["by_country"]
    top = max((c["visitors"] for c in rows.values()), default=0) or 1
    body = "".join(
        f"<tr><td>{escape(code)}</td><td class='n'>{c['visitors']}</td>"
        f"<td class='n'>{c['requests']}</td>"
        f"<td><span class='bar' style='width:{200 * c['visitors'] // top}px'></span></td></tr>"
        for code, c in rows.items()
    )
    share = countries["header_share"]
    shown = "no requests yet" if share is None else f"{100 * share:.1f}% of requests"
    per = countries["addresses_per_visitor"]
    at_least = "at least " if countries["addresses_at_least"] else ""
    table = (
        f"<table><tr><th>country</th><th>visitors</th><th>requests</th><th></th></tr>{body}</table>"
        if body
        else "<p>None yet.</p>"
    )
    return (
        f"<p>From the <code>{escape(header)}</code> header ({shown}); "
        f"{at_least}{countries['addresses']} distinct addresses"
        f"{'' if per is None else f', {per:.2f} per visitor'}.</p>{table}"
    )


def render_page(
    summary: dict[str, Any],
    funnel: dict[str, int],
    visitors: int,
    recent: list[Row],
    recent_bad: list[Row],
    faults: dict[str, Any],
) -> str:
    """The whole page, newest events first."""
    by_type, bad_by_type = summary["by_type"], summary["bad_by_type"]
    counts = "".join(
        f"<tr><td>{escape(t)}</td><td class='n'>{n}</td>"
        f"<td class='n'>{n - bad_by_type.get(t, 0)}</td><td class='n bad'>{bad_by_type.get(t, 0)}</td></tr>"
        for t, n in by_type.items()
    )
    top = max(visitors, 1)
    steps = "".join(
        f"<tr><td>{escape(t)}</td><td class='n'>{funnel.get(t, 0)}</td>"
        f"<td class='n'>{100 * funnel.get(t, 0) / top:.1f}%</td>"
        f"<td><span class='bar' style='width:{200 * funnel.get(t, 0) // top}px'></span></td></tr>"
        for t in FUNNEL_ORDER
    )
    fault_text = ", ".join(f"{escape(k)}={escape(str(v))}" for k, v in faults.items())
    budget = summary.get("memory_budget")
    if budget is not None and summary["total"] > summary.get("stored", 0):
        stored = (
            f"<p>Kept in memory and shown by good and bad: the latest {summary['stored']:,}"
            f" requests, in at most {budget // (1024 * 1024):,} MiB"
            " (start the collector with --db FILE to keep every one).</p>"
        )
    else:
        stored = ""
    geo = summary.get("countries")
    by_country = f"<h2>Visitors by country</h2>{_countries_html(geo)}" if geo else ""
    if summary.get("full_cart"):
        stored += "<p>Cart bodies are judged in the full-cart form (--full-cart).</p>"
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<link rel="icon" href="data:,"><title>Nitrox collector</title><style>{_STYLE}</style></head>
<body><h1>Nitrox collector</h1>
<p>{summary["total"]} requests: <span class="good">{summary["good"]} good</span>,
<span class="bad">{summary["bad"]} bad</span>, {summary.get("warned", 0)} with warnings;
{visitors} visitors.
JSON: <a href="/_collector/all">all</a>, <a href="/_collector/good">good</a>,
<a href="/_collector/bad">bad</a>, <a href="/_collector/faults">faults</a>.</p>{stored}
<h2>Requests per type</h2>
<table><tr><th>type</th><th>total</th><th>good</th><th>bad</th></tr>{counts}</table>
<h2>Funnel (visitors reaching each step)</h2>
<table><tr><th>step</th><th>visitors</th><th>share</th><th></th></tr>{steps}</table>
{by_country}
<h2>Recent bad requests</h2>{_events_table(reversed(recent_bad))}
<h2>Recent requests</h2>{_events_table(reversed(recent))}
<p>Faults: {fault_text}</p>
</body></html>
"""
