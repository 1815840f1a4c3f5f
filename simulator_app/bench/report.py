"""The bench's output: a table of figures, the goals as ratios with PASS/MISS, and JSON."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simulator_app.bench.suite import FIGURE_KEYS, STEAL_SHOWN, WRK_FIGURES, BenchResult
from simulator_app.bench.wrk import NOT_MEASURED

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


@dataclass(frozen=True)
class Goal:
    """``numerator / denominator`` (or the figure alone) compared with ``target``.

    ``rounds``: the extras key of the rounds the ratio must hold in
    (``sender_rounds``, ``locust_rounds``): the worst round's ratio is judged.
    Without it, best over best.
    """

    key: str  # its name in the JSON output
    label: str
    numerator: str
    denominator: str | None
    op: str
    target: float
    unit: str = ""
    rounds: str | None = None

    @property
    def every_round(self) -> bool:
        return self.rounds is not None


SENDER_ROUNDS, LOCUST_ROUNDS = "sender_rounds", "locust_rounds"
GOALS = (
    Goal(
        "sender_c200_vs_c10",
        "sender c200 / c10 (worst round)",
        "sender_rps_c200",
        "sender_rps_c10",
        ">=",
        0.9,
        rounds=SENDER_ROUNDS,
    ),
    Goal(
        "sender_c5000_vs_c10",
        "sender c5000 / c10 (worst round)",
        "sender_rps_c5000",
        "sender_rps_c10",
        ">=",
        0.8,
        rounds=SENDER_ROUNDS,
    ),
    Goal(
        "sender_c10_vs_wrk_c10",
        "sender c10 / wrk c10 (worst round)",
        "sender_rps_c10",
        "wrk_rps_c10",
        ">=",
        0.3,
        rounds=SENDER_ROUNDS,  # wrk took its turns among the sender's: the same moments
    ),
    Goal(
        "exported_vs_fasthttpuser",
        "exported / FastHttpUser (worst round)",
        "exported_rps",
        "locust_fasthttpuser_rps",
        ">=",
        1.0,
        rounds=LOCUST_ROUNDS,
    ),
    Goal(
        "bundled_vs_exported",
        "bundled / thin export (worst round)",
        "bundled_rps",
        "exported_rps",
        ">=",
        0.95,
        rounds=LOCUST_ROUNDS,
    ),
    Goal(
        "collector_vs_bare_server",
        "collector / bare uvicorn server",
        "collector_rps",
        "collector_reference_rps",
        ">=",
        0.7,
    ),
    Goal("gui_stall", "GUI longest stall", "gui_max_stall_ms", None, "<", 50, " ms"),
    Goal("gui_memory", "GUI bytes per row", "gui_bytes_per_row", None, "<=", 300, " B"),
)

LABELS = {
    "bare_server_rps": "bare uvicorn server under wrk (the collector's reference)",
    "wrk_rps_c10": "wrk against the sink, 10 connections",
    "wrk_rps_c200": "wrk against the sink, 200 connections",
    "wrk_rps_c5000": "wrk against the sink, 5000 connections",
    "locust_httpuser_rps": "Locust, minimal HttpUser file",
    "locust_fasthttpuser_rps": "Locust, minimal FastHttpUser file",
    "exported_rps": "Locust, exported {scenario} (think-scale 0)",
    "bundled_rps": "Locust, exported {scenario}, --bundle",
    "sender_rps_c10": "nitrox-sim run's sender, concurrency 10",
    "sender_rps_c200": "nitrox-sim run's sender, concurrency 200",
    "sender_rps_c5000": "nitrox-sim run's sender, concurrency 5000",
    "collector_rps": "collector, checks + SQLite, under {load}",
    "gui_max_stall_ms": "desktop log: longest stall at {rate:,} rows/s",
    "gui_bytes_per_row": "desktop log: memory per row at {rows:,} rows",
}
UNITS = {"gui_max_stall_ms": "ms", "gui_bytes_per_row": "bytes"}  # else req/s


@dataclass(frozen=True)
class Outcome:
    goal: Goal
    value: float | None  # the ratio or figure; None when an input is missing
    missing: str = "not measured"  # what the status says when value is None

    @property
    def status(self) -> str:
        if self.value is None:
            return self.missing
        return "PASS" if OPERATORS[self.goal.op](self.value, self.goal.target) else "MISS"


def _number(result: BenchResult, key: str) -> float | None:
    value = result.figures.get(key, result.extras.get(key))
    return float(value) if isinstance(value, int | float) else None


def _no_wrk(result: BenchResult, key: str) -> bool:
    """True when ``key`` is missing because wrk is not installed."""
    return key in WRK_FIGURES and result.extras.get("wrk") is False


def _worst_ratio(rounds: list[dict[str, float]], numerator: str, denominator: str) -> float | None:
    """The least ``numerator / denominator`` over the rounds that have both."""
    ratios = [
        float(r[numerator]) / float(r[denominator])
        for r in rounds
        if r.get(numerator) and r.get(denominator)
    ]
    return min(ratios) if ratios else None


def _worst_round(result: BenchResult, goal: Goal) -> float | None:
    if goal.denominator is None or goal.rounds is None:
        return None
    return _worst_ratio(result.extras.get(goal.rounds, []), goal.numerator, goal.denominator)


def evaluate(result: BenchResult) -> list[Outcome]:
    """Every goal's ratio (or figure) and whether this run met it."""
    outcomes = []
    for goal in GOALS:
        keys = [goal.numerator] + ([goal.denominator] if goal.denominator else [])
        missing = "not measured"
        if any(_no_wrk(result, key) and _number(result, key) is None for key in keys):
            missing = NOT_MEASURED
        value = _number(result, goal.numerator)
        if goal.denominator is not None and value is not None:
            bottom = _number(result, goal.denominator)
            value = value / bottom if bottom else None
            if value is not None and goal.every_round:
                value = _worst_round(result, goal)
        outcomes.append(Outcome(goal, value, missing))
    return outcomes


@dataclass(frozen=True)
class Reference:
    """A ratio shown beside the goals, not judged: what a C client got from the sink.

    ``rounds``: taken from ``extras["server_rounds"]`` (wrk alone at 10, 200 and
    5000 connections, keys ``c10``...), on the worst round when ``every_round``;
    else from the figures.
    """

    key: str
    label: str
    numerator: str
    denominator: str
    rounds: bool = False
    every_round: bool = False


REFERENCES = (
    Reference("sink_c200_vs_c10", "wrk c200 / c10 (worst round)", "c200", "c10", True, True),
    Reference("sink_c5000_vs_c10", "wrk c5000 / c10 (worst round)", "c5000", "c10", True, True),
    Reference(
        "sender_c200_vs_wrk_c200",
        "sender c200 / wrk c200",
        "sender_rps_c200",
        "wrk_rps_c200",
    ),
    Reference(
        "sender_c5000_vs_wrk_c5000",
        "sender c5000 / wrk c5000",
        "sender_rps_c5000",
        "wrk_rps_c5000",
    ),
)


def reference_value(result: BenchResult, ref: Reference) -> float | None:
    """The reference ratio of this run, None when an input is missing."""
    if not ref.rounds:
        top, bottom = _number(result, ref.numerator), _number(result, ref.denominator)
        return top / bottom if top is not None and bottom else None
    server_rounds = result.extras.get("server_rounds", [])
    if ref.every_round:
        return _worst_ratio(server_rounds, ref.numerator, ref.denominator)
    rounds = [r for r in server_rounds if r.get(ref.numerator) and r.get(ref.denominator)]
    if not rounds:
        return None
    best = max(float(r[ref.numerator]) for r in rounds)
    return best / max(float(r[ref.denominator]) for r in rounds)


def _label(result: BenchResult, key: str) -> str:
    settings = result.extras.get("settings", {})
    return LABELS[key].format(
        scenario=result.extras.get("exported_scenario", "scenario"),
        load=result.extras.get("collector_load", "the same load"),
        rate=settings.get("gui_rate", 5000),
        rows=settings.get("gui_rows", 1_000_000),
    )


def describe_steal(extras: dict[str, Any]) -> str:
    """What the host took of the CPU time over the run, and at most in one step ("" unknown)."""
    share = extras.get("steal_share")
    if not isinstance(share, int | float):
        return ""
    text = f"steal: the host took {share:.0%} of the CPU time"
    steps = [s for s in extras.get("steal_steps", []) if isinstance(s.get("share"), int | float)]
    worst = max(steps, key=lambda s: float(s["share"]), default=None)
    if worst is not None and worst["share"] > share:
        text += f", {worst['share']:.0%} during {worst['step']}"
    if max(share, worst["share"] if worst else 0) >= STEAL_SHOWN:
        text += " (its other guests' load: compare figures with a run that has little)"
    return text


def _target(goal: Goal) -> str:
    number = f"{goal.target:.2f}" if goal.denominator else f"{goal.target:g}"
    return f"{goal.op} {number}{goal.unit}"


def format_table(result: BenchResult) -> str:
    """The readable report: header, figures, goals with PASS/MISS, notes."""
    extras = result.extras
    settings = extras.get("settings", {})
    mode = "quick" if settings.get("quick") else "full"
    lines = [
        f"nitrox-sim bench ({mode}): {settings.get('seconds', 0):g} s per measurement, "
        f"best of {settings.get('rounds', 1)}, {settings.get('users', 10)} Locust users; "
        f"{extras.get('cpus', '?')} CPUs, {extras.get('pins', 'not pinned')}; "
        f"{extras.get('elapsed_s', 0):g} s in all",
    ]
    stolen = describe_steal(extras)
    if stolen:
        lines.append(stolen)
    lines.append("")
    rows = []
    for key in FIGURE_KEYS:
        value = result.figures[key]
        unit = UNITS.get(key, "req/s")
        if value is None:
            shown = NOT_MEASURED if _no_wrk(result, key) else "not measured"
        elif key == "gui_max_stall_ms":
            shown = f"{value:.1f} {unit}"
        else:
            shown = f"{value:,.0f} {unit}"
        rows.append((_label(result, key), shown))
    width = max(len(label) for label, _ in rows)
    lines.append(f"{'figure':<{width}}  {'value':>12}")
    lines += [f"{label:<{width}}  {shown:>12}" for label, shown in rows]
    labels = max(len(goal.label) for goal in GOALS)  # a label never runs into its figure
    lines += ["", f"{'goal (same run)':<{labels}}{'measured':>10}  {'goal':<10}  result"]
    for outcome in evaluate(result):
        goal = outcome.goal
        if outcome.value is None:
            measured = "-"
        elif goal.denominator:
            measured = f"{outcome.value:.2f}"
        else:
            measured = f"{outcome.value:.1f}{goal.unit}"
        lines.append(f"{goal.label:<{labels}}{measured:>10}  {_target(goal):<10}  {outcome.status}")
    given = [(ref.label, value) for ref in REFERENCES if (value := reference_value(result, ref))]
    if given:
        lines += ["", f"{'wrk against the sink (no goal)':<{labels}}{'measured':>10}"]
        lines += [f"{label:<{labels}}{value:>10.2f}" for label, value in given]
    if result.notes:
        lines += ["", "notes:"]
        lines += [f"  {key}: {note}" for key, note in result.notes.items()]
    return "\n".join(lines)


JSON_SCHEMA = 2  # bumped when a key below changes meaning or goes away (new keys may appear)


def to_json(result: BenchResult) -> dict[str, Any]:
    """The ``--json`` document, every figure of the run in one stable shape (schema 2).

    Schema 2: the client figures are taken against the reference sink; wrk's are
    ``wrk_rps_c10``/``c200``/``c5000`` (were ``bare_server_rps_c*`` against the
    uvicorn server, which is now only the collector's reference).

    - ``schema``: :data:`JSON_SCHEMA`.
    - one key per figure (:data:`~.suite.FIGURE_KEYS`): req/s, ms or bytes; None when
      not measured, and then ``notes[key]`` says why (no wrk: how to install it).
    - ``figures``: the same figures, by key, with ``units``: each figure's unit.
    - ``ratios``: each ratio goal's measured ratio (4 decimals: tables round it to 2 once),
      None when not measured.
    - ``goals``: by goal key: ``label``, ``numerator`` and ``denominator`` (figure keys;
      denominator None for a goal on a figure alone), ``op`` and ``goal`` (the number),
      ``target`` (the two as text), ``value`` (the ratio or figure judged),
      ``every_round`` (judged on the worst of ``sender_rounds`` or ``locust_rounds``) and
      ``result``:
      ``PASS``, ``MISS`` or why it was not measured.
    - ``passed`` / ``missed`` / ``not_measured``: the goal keys by result.
    - ``references``: by key (:data:`REFERENCES`), ``label`` and ``value`` (None when not
      measured): the server's own scaling under wrk, and the sender's figures to it.
    - ``server_rounds``: every round's wrk figures alone against the sink at 10, 200 and
      5000 connections (``c10``...).
    - ``locust_rounds``: every round's Locust figures, by figure key.
    - ``sink_busy``: by figure key, the sink's highest share of its CPU while that figure
      was taken; above 0.6 the figure measured the sink (its note says so).
    - ``notes``: why a figure is missing or suspect, by figure key.
    - ``sender_rounds``: every round's sender figures (and wrk's, taking turns with it).
    - ``sender_cpu_rounds``: for each of those rounds, by figure, how busy the load
      (``load``, the sender's process) and the server (``server``) were, as shares of a CPU
      (Linux; wrk's turns have the server's only): which side the figure measured.
    - ``steal_share``: the share of the machine's CPU time its host took over the run
      (steal, Linux; None elsewhere), and ``steal_steps``: each step's (``step``, ``share``).
    - context: ``settings``, ``cpus``, ``pins``, ``wrk``, ``elapsed_s``,
      ``exported_scenario``, ``collector_load``, ``collector_reference_rps``,
      ``collector_verdicts``, and any other extra the run recorded.
    """
    document: dict[str, Any] = {"schema": JSON_SCHEMA, **result.figures}
    document["figures"] = dict(result.figures)
    document["units"] = {key: UNITS.get(key, "req/s") for key in FIGURE_KEYS}
    document["notes"] = dict(result.notes)
    outcomes = evaluate(result)
    document["ratios"] = {
        o.goal.key: None if o.value is None else round(o.value, 4)
        for o in outcomes
        if o.goal.denominator
    }
    document["goals"] = {
        o.goal.key: {
            "label": o.goal.label,
            "numerator": o.goal.numerator,
            "denominator": o.goal.denominator,
            "op": o.goal.op,
            "goal": o.goal.target,
            "target": _target(o.goal),
            "value": None if o.value is None else round(o.value, 4),
            "every_round": o.goal.every_round,
            "result": o.status,
        }
        for o in outcomes
    }
    document["passed"] = [o.goal.key for o in outcomes if o.status == "PASS"]
    document["missed"] = [o.goal.key for o in outcomes if o.status == "MISS"]
    document["not_measured"] = [o.goal.key for o in outcomes if o.value is None]
    document["references"] = {
        ref.key: {
            "label": ref.label,
            "value": None if (value := reference_value(result, ref)) is None else round(value, 4),
        }
        for ref in REFERENCES
    }
    document.update({k: v for k, v in result.extras.items() if k not in document})
    return document
