"""The problems list: every problem of the scenario, named as the window shows things.

The validator names a field as the file does (``journeys[2].steps[4].quantity``);
the list says it as the builder shows it (journey “buyer” › step 5 ›
quantity), keeps the exact line in the tooltip, and emits the field's path
when a problem is clicked so the window can select that field.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from simulator_app.core.scenario_file import Problem
from simulator_app.core.setup_warnings import SetupWarning
from simulator_app.gui.edits import Path as DocPath
from simulator_app.gui.edits import get

WARNING_STYLE = "color: #9a3b00;"
_PART = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")
PATH_ROLE = Qt.ItemDataRole.UserRole + 1


def parse_field(field: str) -> DocPath:
    """``journeys[2].steps[4].quantity`` → ``("journeys", 2, "steps", 4, "quantity")``."""
    if field in ("", "(top)"):
        return ()
    return tuple(
        int(index) if index else key for index, key in _PART.findall(field) if index or key
    )


def shown_field(path: DocPath, document: Any) -> str:
    """How the window names the field at ``path``: journey “buyer” › step 5 › quantity."""
    out: list[str] = []
    at = 0
    while at < len(path):
        part = path[at]
        following = path[at + 1] if at + 1 < len(path) else None
        if part == "journeys" and isinstance(following, int):
            name = get(document, ("journeys", following, "name"), None)
            out.append(f"journey “{name}”" if isinstance(name, str) else f"journey {following + 1}")
            at += 2
        elif part == "steps" and isinstance(following, int):
            out.append(f"step {following + 1}")
            at += 2
        elif isinstance(part, int):
            out.append(f"item {part + 1}")
            at += 1
        else:
            out.append(str(part))
            at += 1
    return " › ".join(out)


def shown_problem(problem: Problem, document: Any) -> str:
    """One line of the list: the line number, the field as the window names it, the message."""
    where = f"line {problem.line}: " if problem.line is not None else ""
    field = shown_field(parse_field(problem.field), document)
    return f"{where}{field}: {problem.message}" if field else f"{where}{problem.message}"


class ProblemsList(QListWidget):
    """The scenario's problems; clicking one asks for its field.

    Signals:
        field_chosen(tuple): the path of the field the clicked problem is about.
    """

    field_chosen = Signal(tuple)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.itemClicked.connect(self._chosen)
        self.itemActivated.connect(self._chosen)

    def sizeHint(self) -> QSize:
        """Room for four problems: the dock takes it from the window, never adds it."""
        return QSize(400, 4 * self.fontMetrics().height() + 12)

    def minimumSizeHint(self) -> QSize:
        return QSize(100, 2 * self.fontMetrics().height() + 8)

    def set_problems(self, problems: list[Problem], document: Any) -> None:
        self.clear()
        for problem in problems:
            item = QListWidgetItem(shown_problem(problem, document))
            item.setToolTip(str(problem))
            item.setData(PATH_ROLE, parse_field(problem.field))
            self.addItem(item)

    def set_warnings(self, warnings: list[SetupWarning]) -> None:
        """Add the setups the core warns will be judged bad (after the problems)."""
        for warning in warnings:
            item = QListWidgetItem(f"Warning: {warning.line()}")
            item.setToolTip(warning.line())
            item.setForeground(QColor("#9a3b00"))
            item.setData(PATH_ROLE, warning.path)
            self.addItem(item)

    def _chosen(self, item: QListWidgetItem) -> None:
        path = item.data(PATH_ROLE)
        if isinstance(path, tuple | list):
            self.field_chosen.emit(tuple(path))
