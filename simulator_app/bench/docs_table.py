"""The figures of docs/performance.md, made from one saved ``nitrox-sim bench --json`` file.

``python -m simulator_app.bench.docs_table docs/bench.json docs/performance.md``
rewrites the tables between the page's two markers; ``--check`` only says
whether they are what the JSON gives (a test runs it), so no figure in the
docs is copied by hand.

The JSON is read defensively: the figures by their ``--json`` keys (those
this module does not know are listed under their key), ``goals`` as
``{key: {"label", "target", "result"}}``, ``ratios`` as ``{key: number}``,
``notes`` as ``{key: text}`` and the context (``settings``, ``cpus``,
``pins``, ``elapsed_s``, ``steal_share``) when present. Anything missing reads "not measured"
or is left out.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

BEGIN = "<!-- bench figures: written by python -m simulator_app.bench.docs_table; do not edit -->"
END = "<!-- end of bench figures -->"

# (key, label, unit) in the order the page shows them; units "req/s", "ms" or "bytes"
FIGURES = (
    ("wrk_rps_c10", "wrk against the sink, 10 connections (as sender c10)", "req/s"),
    ("wrk_rps_c200", "wrk against the sink alone, 200 connections", "req/s"),
    ("wrk_rps_c5000", "wrk against the sink alone, 5000 connections", "req/s"),
    ("locust_httpuser_rps", "Locust, minimal HttpUser file", "req/s"),
    ("locust_fasthttpuser_rps", "Locust, minimal FastHttpUser file", "req/s"),
    ("exported_rps", "Locust, the exported demo mix (think-scale 0)", "req/s"),
    ("bundled_rps", "Locust, the exported demo mix, --bundle", "req/s"),
    ("sender_rps_c10", "nitrox-sim run's sender, concurrency 10", "req/s"),
    ("sender_rps_c200", "nitrox-sim run's sender, concurrency 200", "req/s"),
    ("sender_rps_c5000", "nitrox-sim run's sender, concurrency 5000", "req/s"),
    ("bare_server_rps", "bare server (uvicorn + raw ASGI) under wrk", "req/s"),
    ("collector_rps", "collector, checks + SQLite, same load as the bare server", "req/s"),
    ("collector_reference_rps", "what the collector is compared with (bare server)", "req/s"),
    ("gui_max_stall_ms", "desktop log: longest event-loop stall", "ms"),
    ("gui_bytes_per_row", "desktop log: memory per row", "bytes"),
)
FIGURE_SUFFIXES = ("_rps", "_ms", "_per_row")
# goals judged on a figure, not a ratio
GOAL_FIGURES = {"gui_stall": "gui_max_stall_ms", "gui_memory": "gui_bytes_per_row"}
NOT_MEASURED = "not measured"


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _shown(value: float | None, unit: str) -> str:
    if value is None:
        return NOT_MEASURED
    if unit == "ms":
        return f"{value:,.1f} ms"
    return f"{value:,.0f} {unit}"


def _unit_of(key: str) -> str:
    if key.endswith("_ms"):
        return "ms"
    return "bytes" if key.endswith("_per_row") else "req/s"


def _context(document: Mapping[str, Any]) -> str:
    settings = _mapping(document.get("settings"))
    parts = []
    if "quick" in settings:
        parts.append("`--quick`" if settings["quick"] else "full")
    seconds, rounds = _number(settings.get("seconds")), _number(settings.get("rounds"))
    if seconds is not None:
        parts.append(f"{seconds:g} s per measurement")
    if rounds is not None:
        parts.append(f"best of {rounds:g}")
    cpus = _number(document.get("cpus"))
    if cpus is not None:
        parts.append(f"{cpus:g} CPUs")
    if isinstance(document.get("pins"), str):
        parts.append(str(document["pins"]))
    elapsed = _number(document.get("elapsed_s"))
    if elapsed is not None:
        parts.append(f"{elapsed:,.0f} s in all")
    stolen = _number(document.get("steal_share"))
    if stolen is not None:
        parts.append(f"the host took {stolen:.0%} of the CPU time (steal)")
    return "; ".join(parts)


def figures_rows(document: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(label, key, value shown) for every figure, known ones first."""
    rows = [
        (label, key, _shown(_number(document.get(key)), unit))
        for key, label, unit in FIGURES
        if key in document
    ]
    known = {key for key, _, _ in FIGURES}
    for key, value in document.items():
        if (
            key not in known
            and key.endswith(FIGURE_SUFFIXES)
            and (value is None or _number(value) is not None)
        ):
            rows.append((key, key, _shown(_number(value), _unit_of(key))))
    return rows


def goals_rows(document: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """(goal, measured, target, result) for every goal of the JSON."""
    ratios = _mapping(document.get("ratios"))
    rows = []
    for key, goal in _mapping(document.get("goals")).items():
        goal = _mapping(goal)
        ratio = _number(ratios.get(key))
        if ratio is not None:
            measured = f"{ratio:.2f}"
        elif key in GOAL_FIGURES and _number(document.get(GOAL_FIGURES[key])) is not None:
            figure = GOAL_FIGURES[key]
            measured = _shown(_number(document.get(figure)), _unit_of(figure))
        else:
            measured = "-"
        rows.append(
            (
                str(goal.get("label", key)),
                measured,
                str(goal.get("target", "")),
                str(goal.get("result", NOT_MEASURED)),
            )
        )
    return rows


def references_rows(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(ratio, measured) for every reference ratio of the JSON that was measured."""
    rows = []
    for key, ref in _mapping(document.get("references")).items():
        ref = _mapping(ref)
        value = _number(ref.get("value"))
        if value is not None:
            rows.append((str(ref.get("label", key)), f"{value:.2f}"))
    return rows


CLUSTER_CORES = 100


def past_one_machine(document: Mapping[str, Any]) -> list[str]:
    """The cluster arithmetic from this run's figures ([] when they were not measured).

    One Locust worker process uses one core: its req/s is the exported file's
    figure (think times 0, the most one core sends). At the scenario's think
    times a user sends ``user_rps_at_think_times``, so a core carries that many
    times fewer users' worth of load; a cluster of :data:`CLUSTER_CORES` worker
    cores multiplies both (the master only aggregates stats). One collector
    process takes ``collector_rps``.
    """
    per_core = _number(document.get("exported_rps"))
    per_user = _number(document.get("user_rps_at_think_times"))
    collector = _number(document.get("collector_rps"))
    if per_core is None or not per_user:
        return []
    users = per_core / per_user
    cores = CLUSTER_CORES
    lines = [
        "Past one machine, from this run's figures (one Locust worker process uses one core):",
        "",
        f"- a worker core sends at most {per_core:,.0f} req/s of the exported demo mix "
        "(`exported_rps`, think times 0);",
        f"- at the demo mix's own think times one user sends {per_user:.3f} req/s "
        "(`user_rps_at_think_times`), so a core carries about "
        f"{per_core:,.0f} / {per_user:.3f} = {users:,.0f} users;",
        f"- {cores} worker cores: {cores} × {per_core:,.0f} = {cores * per_core:,.0f} req/s, "
        f"or about {cores * users:,.0f} users at those think times (the master only adds up "
        "stats: it sends nothing);",
    ]
    if collector:
        lines.append(
            f"- one collector process takes {collector:,.0f} req/s (`collector_rps`): "
            f"{collector / per_core:.1f} worker cores saturate it, so a cluster that size "
            "needs the real API (or several collectors behind a balancer), not one local "
            "collector. How much the real API takes is not known here: measure it with a "
            "few workers first and grow the cluster while its answers stay fast."
        )
    return lines


def _escape(cell: str) -> str:
    return cell.replace("|", "\\|")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_escape(cell) for cell in row) + " |" for row in rows]
    return lines


def tables(document: Mapping[str, Any], source: str = "bench.json") -> str:
    """The Markdown between the markers: context, figures, goals, references and notes.

    ``source`` is the JSON file's name, linked beside the page.
    """
    context = _context(document)
    lines = [f"From [`{source}`]({source})" + (f" ({context})" if context else "") + ":"]
    lines += [
        "",
        *_table(
            ("figure", "`--json` key", "value"),
            [(label, f"`{key}`", shown) for label, key, shown in figures_rows(document)],
        ),
    ]
    goals = goals_rows(document)
    if goals:
        lines += ["", *_table(("goal (same run)", "measured", "goal", "result"), goals)]
    given = references_rows(document)
    if given:
        lines += ["", *_table(("wrk against the sink (no goal)", "measured"), given)]
    past = past_one_machine(document)
    if past:
        lines += ["", *past]
    notes = _mapping(document.get("notes"))
    if notes:
        lines += ["", "Notes of that run:", ""]
        lines += [f"- `{key}`: {note}" for key, note in notes.items()]
    return "\n".join(lines)


def replace_between_markers(page: str, generated: str) -> str:
    """``page`` with the text between :data:`BEGIN` and :data:`END` replaced."""
    start, end = page.find(BEGIN), page.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the page lacks the markers {BEGIN!r} ... {END!r}")
    return page[: start + len(BEGIN)] + "\n" + generated + "\n" + page[end:]


def render(bench_json: Path, page: Path) -> str:
    """The page as it should read for ``bench_json``."""
    document = json.loads(bench_json.read_text(encoding="utf-8"))
    if not isinstance(document, Mapping):
        raise ValueError(f"{bench_json}: not a JSON object (nitrox-sim bench --json writes one)")
    generated = tables(document, bench_json.name)
    return replace_between_markers(page.read_text(encoding="utf-8"), generated)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simulator_app.bench.docs_table",
        description="Write the bench figures of a docs page from a nitrox-sim bench --json file.",
    )
    parser.add_argument("bench_json", type=Path, help="the file nitrox-sim bench --json wrote")
    parser.add_argument("page", type=Path, help="the Markdown page with the markers")
    parser.add_argument("--check", action="store_true", help="only say whether it is up to date")
    args = parser.parse_args(argv)
    try:
        wanted = render(args.bench_json, args.page)
    except (OSError, ValueError) as exc:  # json.JSONDecodeError is a ValueError
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if wanted != args.page.read_text(encoding="utf-8"):
            print(
                f"{args.page}: the bench figures are not those of {args.bench_json}: rerun"
                f" {parser.prog} {args.bench_json} {args.page}",
                file=sys.stderr,
            )
            return 1
        return 0
    args.page.write_text(wanted, encoding="utf-8")
    print(f"wrote the figures of {args.bench_json} into {args.page}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
