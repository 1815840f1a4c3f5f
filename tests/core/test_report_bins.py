"""The report's charts take their bins from the run's length; verdicts grouped by code and field;
every value in its HTML is escaped by the template engine."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulator_app.core.charts import time_label
from simulator_app.core.funnel import MeasuredFunnel
from simulator_app.core.outcome import RunResult
from simulator_app.core.record import RequestRecord
from simulator_app.core.report import RunAggregate, write_report
from simulator_app.core.scenario_file import load_scenario
from simulator_app.core.stats import TimeSeries
from tests.core.test_report import Tags

BUYER = Path(__file__).parents[2] / "scenarios" / "buyer.yaml"
HOSTILE = "\"'><script>alert(1)</script><svg onload=alert(2)>&amp;"


def record(at: float, **kw: object) -> RequestRecord:
    fields: dict[str, object] = {
        "time": at, "visitor": 1, "journey": "buyer", "step": "buy", "name": "event/buy",
        "method": "POST", "url": "http://127.0.0.1:9/x", "status": 200, "latency_ms": 2.0,
        "request_headers": (), "request_body": None, "response_body": "",
    }  # fmt: skip
    fields.update(kw)
    return RequestRecord(**fields)  # type: ignore[arg-type]


def result(requests: int, elapsed: float, **kw: object) -> RunResult:
    from simulator_app.core.stats import StatsTable

    return RunResult(
        stats=StatsTable(), funnel=MeasuredFunnel(), visitors_done=1, journeys_completed=1,
        requests=requests, failures=0, cancelled=0, elapsed=elapsed, stopped=False, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def bars(html: str) -> list[float]:
    """The heights of the requests-per-second chart's bars."""
    chart = html.split("Requests per second", 1)[1].split("</svg>", 1)[0]
    return [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', chart)]


def x_ticks(html: str) -> list[str]:
    chart = html.split("Requests per second", 1)[1].split("</svg>", 1)[0]
    return re.findall(r'text-anchor="middle">([^<]*)<', chart)


def test_a_sub_second_run_is_drawn_in_bins_of_its_own_length(tmp_path: Path) -> None:
    # 263 requests in 0.2 s: 1,315 req/s. One 1 s bin would draw a flat 263 req/s.
    records = [record(1000.0 + i * 0.2 / 263) for i in range(263)]
    aggregate = RunAggregate()
    aggregate.add(records)
    points = aggregate.series.chart_points(0.2)
    assert len(points) >= 10 and points[0].width == 0.01
    assert sum(p.ok for p in points) == 263
    rates = [p.ok_per_second for p in points]
    assert min(rates) > 1000 and max(rates) < 1700  # near the run's own 1,315 req/s
    out = tmp_path / "r.html"
    write_report(out, load_scenario(BUYER), {"target": "t"}, aggregate, result(263, 0.2))
    html = out.read_text("utf-8")
    ticks = x_ticks(html)
    assert len(ticks) == len(set(ticks)) >= 3, ticks  # never "0s 0s 0s 1s 1s 1s"
    assert ticks[0] == "0s" and ticks[1] in ("0.025s", "0.05s")
    assert len(bars(html)) == len(points)
    assert "Each bar covers 10 ms." in html


@pytest.mark.parametrize(("length", "width"), [(0.05, 0.01), (3.0, 0.1), (100.0, 1.0),
                                               (3600.0, 60.0), (86400.0, 1200.0)])  # fmt: skip
def test_the_bin_width_follows_the_run_s_length(length: float, width: float) -> None:
    series = TimeSeries(start=0.0, width=0.01)
    steps = 500
    for i in range(steps):
        series.record(i * length / steps, 1.0, ok=True)
    points = series.chart_points(length)
    assert points[0].width == pytest.approx(width)
    assert len(points) <= 120 and sum(p.ok for p in points) == steps
    assert len(series.points()) <= series.max_slots  # the series itself stays bounded


def test_the_last_bin_is_as_wide_as_the_run_lasted_into_it() -> None:
    series = TimeSeries(start=0.0, width=1.0)
    for i in range(30):
        series.record(i * 0.05, 1.0, ok=True)  # 20 req/s for 1.5 s
    first, last = series.chart_points(1.5, bins=2)
    assert (first.ok_per_second, last.width, last.ok_per_second) == (20.0, 0.5, 20.0)


def test_time_labels_keep_the_digits_of_their_step() -> None:
    assert [time_label(t, 0.05) for t in (0, 0.05, 0.1)] == ["0s", "0.05s", "0.1s"]
    assert [time_label(t) for t in (0, 45, 125, 3725)] == ["0s", "45s", "2:05", "1:02:05"]


def test_bad_verdicts_are_grouped_by_code_and_field_with_their_figures_intact(
    tmp_path: Path,
) -> None:
    mismatch = "cart_value {} does not match this visitor's cart: {}"
    records = [
        record(1.0 + i, verdict="bad", verdict_messages=(
            {"fieldPath": "body.cart_value", "code": "CART_VALUE_MISMATCH",
             "description": mismatch.format(f"{i}0.00", f"{i}2.50")},
            {"fieldPath": f"body.line_items[{i % 2}].quantity", "code": "JOURNEY_ORDER",
             "description": "removes 1 of product 100068 but this visitor's cart holds 0"},
        ))
        for i in range(4)
    ]  # fmt: skip
    aggregate = RunAggregate()
    aggregate.add(records)
    out = tmp_path / "r.html"
    write_report(out, load_scenario(BUYER), {"target": "t"}, aggregate, result(4, 4.0))
    html = out.read_text("utf-8")
    section = html.split("Bad requests by reason code and field", 1)[1].split("</section>")[0]
    cells = [re.sub(r"<[^>]+>", "", c).replace("&emsp;", "").strip()
             for c in re.findall(r"<td[^>]*>(.*?)</td>", section)]  # fmt: skip
    assert cells[:4] == ["CART_VALUE_MISMATCH", "4", "body.cart_value", "4"]
    assert "JOURNEY_ORDER" in cells and "body.line_items[0].quantity" in cells
    assert "body.line_items[1].quantity" in cells
    assert "#d" not in section and "product 100068" in section  # no digit is masked
    assert "cart_value 00.00 does not match this visitor&#39;s cart: 02.50" in section


def test_hostile_codes_fields_journeys_and_settings_are_escaped(tmp_path: Path) -> None:
    message = {"fieldPath": HOSTILE, "code": HOSTILE, "description": HOSTILE}
    records = [
        record(1.0, journey=HOSTILE, name=HOSTILE, verdict="bad", verdict_messages=(message,)),
        record(1.5, error=HOSTILE, status=None),
    ]
    aggregate = RunAggregate()
    aggregate.add(records)
    out = tmp_path / "r.html"
    settings = {"target": HOSTILE, "concurrency": HOSTILE}
    write_report(out, load_scenario(BUYER), settings, aggregate, result(2, 1.0), title=HOSTILE)
    html = out.read_text("utf-8")
    tags = Tags()
    tags.feed(html)
    assert not tags.names & {"script", "img", "iframe"}
    assert not {a for a in tags.attributes if a.startswith("on")}
    assert "<script" not in html and "onload=alert" not in html.replace("onload=alert(2)&gt;", "")
    assert (
        html.count("&lt;script&gt;") >= 5
    )  # title, heading, code, field, example, setting, reason
    assert "&#34;&#39;&gt;" in html  # quotes are escaped too, so no attribute can be closed
    assert "&amp;amp;" in html  # an entity in a value is shown, not interpreted
