"""Setups that are valid but guarantee bad traffic: said before anything is sent.

A scenario can pass every field rule and still make the receiver judge most
of its requests bad: a fixed ``nitro_id`` with a random ``roaming_id`` gives
every visitor after the first a visitor ID the collector has already seen
with another browser (``ID_CONFLICT``). These rules live here, in the core,
so that the app's Problems list and the command line's ``validate`` say the
same thing in the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from simulator_app.core.model import RANDOM, Scenario

# The collector's reason code each warned-of setup leads to (collector/fields.py).
ID_CONFLICT = "ID_CONFLICT"
CART_VALUE_MISMATCH = "CART_VALUE_MISMATCH"
_CART_STEPS = frozenset(("updatecart", "removefromcart", "checkout", "buy"))


@dataclass(frozen=True, slots=True)
class SetupWarning:
    """A setting that makes the receiver judge requests bad, and the code it will give."""

    path: tuple[str | int, ...]  # the field, as a problem's path names it
    message: str
    code: str  # the collector's reason code for those requests

    def line(self) -> str:
        """One line: ``ids.nitro_id: ... [ID_CONFLICT]``."""
        where = ".".join(str(p) for p in self.path)
        return f"{where}: {self.message} [{self.code}]"


def setup_warnings(scenario: Scenario) -> list[SetupWarning]:
    """Every setting of ``scenario`` that guarantees bad verdicts, most harmful first."""
    ids = scenario.ids
    visitors = scenario.schedule.visitors
    out: list[SetupWarning] = []
    if ids.nitro_id != RANDOM and ids.roaming_id == RANDOM and visitors > 1:
        out.append(
            SetupWarning(
                ("ids", "nitro_id"),
                "a fixed nitro_id with a random roaming_id: every visitor after the first"
                " sends a nitro_id already seen with another roaming_id, and the collector"
                " judges its requests bad; make nitro_id random, or fix roaming_id too",
                ID_CONFLICT,
            )
        )
    shops = any(s.type in _CART_STEPS for j in scenario.journeys for s in j.steps)
    if ids.nitro_id != RANDOM and visitors > 1 and shops:
        out.append(
            SetupWarning(
                ("ids", "nitro_id"),
                "a fixed nitro_id for many visitors: the collector keeps one cart per nitro_id,"
                " so their carts mix, and a cart_value is judged bad whenever visitors overlap"
                " or one leaves a cart behind; make nitro_id random",
                CART_VALUE_MISMATCH,
            )
        )
    return out


def warning_lines(scenario: Scenario, file: str | Path | None = None) -> list[str]:
    """Each warning as the command line prints it: ``file:line: warning: ids.nitro_id: ...``.

    ``file`` is where ``scenario`` was read from; the line is its field's in
    that file (the file is read again; without a line when it cannot be).
    """
    from simulator_app.core.scenario_file import (
        ScenarioError,
        line_of,
        parse_document,
        read_text,
    )

    warnings = setup_warnings(scenario)
    if not warnings:
        return []
    document = None
    if file is not None:
        try:
            document = parse_document(read_text(file), str(file))
        except ScenarioError:
            document = None
    out = []
    for warning in warnings:
        line = line_of(document, warning.path) if document is not None else None
        where = f"{file}:{line}: " if line is not None else f"{file}: " if file is not None else ""
        out.append(f"{where}warning: {warning.line()}")
    return out
