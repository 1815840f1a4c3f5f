"""The collector's HTML page at ``/_collector/``: counts, funnel and recent events.

One self-refreshing page (every 2 s), no scripts, no external assets,
rendered from ``templates/page.html`` by Jinja2 with autoescape on: request
paths and bodies come from anyone, and every value reaches the page only
through the template, escaped.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from simulator_app.collector.rows import Row
from simulator_app.core.funnel import FUNNEL_ORDER

_TEMPLATES = Environment(
    loader=PackageLoader("simulator_app.collector", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
)
SHORT_PATH = 120  # characters of a request path shown


def _row(row: Row) -> dict[str, Any]:
    when, kind, good, status, method, path, _visitor, messages, warnings, _body = row
    return {
        "clock": time.strftime("%H:%M:%S", time.localtime(when)),
        "kind": kind,
        "good": good,
        "status": status,
        "method": method,
        "path": path if len(path) <= SHORT_PATH else path[: SHORT_PATH - 3] + "...",
        "messages": messages,
        "warnings": warnings,
    }


def _codes(rows: Iterable[Row]) -> list[dict[str, Any]]:
    """The recent bad requests' messages by reason code and field, most frequent first."""
    counts: Counter[tuple[str, str]] = Counter()
    for row in rows:
        for message in row[7]:
            counts[(message.get("code", ""), message.get("fieldPath", ""))] += 1
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"code": c, "field": f or "(none)", "count": n} for (c, f), n in ordered]


def _countries(countries: dict[str, Any]) -> dict[str, Any]:
    """The "Visitors by country" table, and how many requests carried the header."""
    header = countries["header"]
    if header is None:
        return {"off": True}
    rows = countries["by_country"]
    top = max((c["visitors"] for c in rows.values()), default=0) or 1
    share = countries["header_share"]
    per = countries["addresses_per_visitor"]
    return {
        "off": False,
        "header": header,
        "shown": "no requests yet" if share is None else f"{100 * share:.1f}% of requests",
        "at_least": "at least " if countries["addresses_at_least"] else "",
        "addresses": countries["addresses"],
        "per": "" if per is None else f", {per:.2f} per visitor",
        "rows": [
            {
                "code": code,
                "visitors": c["visitors"],
                "requests": c["requests"],
                "bar": 200 * c["visitors"] // top,
            }
            for code, c in rows.items()
        ],
    }


def render_page(
    summary: dict[str, Any],
    funnel: dict[str, int],
    visitors: int,
    recent: list[Row],
    recent_bad: list[Row],
    faults: dict[str, Any],
) -> str:
    """The whole page, newest events first."""
    bad_by_type = summary["bad_by_type"]
    types = [
        {"name": t, "total": n, "good": n - bad_by_type.get(t, 0), "bad": bad_by_type.get(t, 0)}
        for t, n in summary["by_type"].items()
    ]
    top = max(visitors, 1)
    steps = [
        {
            "name": t,
            "visitors": funnel.get(t, 0),
            "share": f"{100 * funnel.get(t, 0) / top:.1f}%",
            "bar": 200 * funnel.get(t, 0) // top,
        }
        for t in FUNNEL_ORDER
    ]
    budget = summary.get("memory_budget")
    stored = None
    if budget is not None and summary["total"] > summary.get("stored", 0):
        stored = {"rows": f"{summary['stored']:,}", "mib": f"{budget // (1024 * 1024):,}"}
    geo = summary.get("countries")
    return (
        _TEMPLATES.get_template("page.html").render(
            summary={"warned": 0, **summary},
            visitors=visitors,
            stored=stored,
            full_cart=bool(summary.get("full_cart")),
            types=types,
            steps=steps,
            countries=_countries(geo) if geo else None,
            codes=_codes(recent_bad),
            recent_bad=[_row(r) for r in reversed(recent_bad)],
            recent=[_row(r) for r in reversed(recent)],
            faults=[(k, str(v)) for k, v in faults.items()],
        )
        + "\n"
    )
