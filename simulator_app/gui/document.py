"""The scenario being edited: its YAML document, file, undo stack and validation.

:class:`ScenarioDocument` owns the ruamel.yaml round-trip document and is the
only thing that changes it: every edit is an :class:`~simulator_app.gui.edits.Edit`
pushed on a ``QUndoStack`` as an :class:`EditCommand`. After each change the
document is checked again with the same validator the CLI uses, and views
read ``scenario`` (None while the file has problems) and ``problems``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from simulator_app.core.atomic import write_atomically
from simulator_app.core.model import Scenario
from simulator_app.core.scenario_file import (
    Problem,
    ScenarioError,
    check_document,
    dump_document,
    field_name,
    parse_document,
    read_text,
)
from simulator_app.gui.edits import Edit
from simulator_app.gui.edits import Path as DocPath

NEW_FILE_LABEL = "<new scenario>"
_MERGE_ID = 4711


def template_text() -> str:
    """The text of a new scenario: the demo mix, with its comments."""
    return (
        resources.files("simulator_app.gui")
        .joinpath("templates/new_scenario.yaml")
        .read_text(encoding="utf-8")
    )


class ScenarioDocument(QObject):
    """The open scenario file and its edit history.

    Signals:
        changed(tuple): the document changed at that path (edit, undo or redo).
        replaced(): a different document was loaded (New, Open); views reset.
        validated(): ``scenario`` and ``problems`` were recomputed.
        file_changed(): ``path`` changed (Open, Save As, New).
    """

    changed = Signal(tuple)
    replaced = Signal()
    validated = Signal()
    file_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.data: Any = None
        self.path: Path | None = None
        self.scenario: Scenario | None = None
        self.problems: list[Problem] = []
        self.load_text(template_text(), None)

    # -- whole documents ---------------------------------------------------

    @property
    def label(self) -> str:
        """The file name problems and the title bar show."""
        return str(self.path) if self.path is not None else NEW_FILE_LABEL

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    def load_text(self, text: str, path: Path | None) -> None:
        """Replace the document with ``text``; :class:`ScenarioError` if it is not YAML."""
        data = parse_document(text, str(path) if path is not None else NEW_FILE_LABEL)
        if not isinstance(data, dict):
            label = str(path) if path is not None else NEW_FILE_LABEL
            raise ScenarioError(
                [Problem(label, 1, "(top)", "a scenario file must be a YAML mapping")]
            )
        self.data = data
        self.path = path
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self._validate()
        self.replaced.emit()
        self.file_changed.emit()

    @staticmethod
    def check_file(path: Path) -> tuple[str, list[Problem]]:
        """A file's text and its problems, without touching the open document.

        Raises :class:`ScenarioError` when the file cannot be read or is not YAML.
        """
        text = read_text(path)
        data = parse_document(text, str(path))
        _, problems = check_document(data, str(path))
        return text, problems

    def text(self) -> str:
        """The document as YAML, the user's comments and key order kept."""
        return dump_document(self.data)

    def save(self, path: Path) -> None:
        """Write the document to ``path``, whole or not at all; OSError when that fails.

        On a failure the file keeps its old text and the document stays as
        it is, unsaved, so nothing the user made is lost.
        """
        write_atomically(path, self.text())
        changed = path != self.path
        self.path = path
        self.undo_stack.setClean()
        self._validate()  # problems carry the file name
        if changed:
            self.file_changed.emit()

    # -- edits -------------------------------------------------------------

    def apply(self, edit: Edit, text: str, merge_key: str | None = None) -> None:
        """Make ``edit`` as one undoable step; edits with the same ``merge_key`` merge.

        Typing into a field makes one edit per key press; merging them gives
        one undo step per field rather than one per character.
        """
        self.undo_stack.push(EditCommand(self, edit, text, merge_key))

    def run_edit(self, edit: Edit) -> Edit:
        """Apply ``edit`` now (no undo entry) and return its inverse; used by the commands."""
        inverse = edit.apply(self.data)
        self._validate()
        self.changed.emit(tuple(edit.path))
        return inverse

    # -- validation ----------------------------------------------------------

    def _validate(self) -> None:
        self.scenario, self.problems = check_document(self.data, self.label)
        self.validated.emit()

    def problems_at(self, path: DocPath, exact: bool = False) -> list[Problem]:
        """The problems of the field at ``path`` (and, unless ``exact``, the fields under it)."""
        name = field_name(path) or "(top)"
        out = []
        for problem in self.problems:
            if problem.field == name or (
                not exact and problem.field.startswith((name + ".", name + "["))
            ):
                out.append(problem)
        return out


class EditCommand(QUndoCommand):
    """One edit of a :class:`ScenarioDocument` on its undo stack."""

    def __init__(
        self, document: ScenarioDocument, edit: Edit, text: str, merge_key: str | None
    ) -> None:
        super().__init__(text)
        self._document = document
        self._edit = edit
        self._inverse: Edit | None = None
        self.merge_key = merge_key

    def redo(self) -> None:
        inverse = self._document.run_edit(self._edit)
        if self._inverse is None or self.merge_key is None:
            self._inverse = inverse

    def undo(self) -> None:
        assert self._inverse is not None
        self._document.run_edit(self._inverse)

    def id(self) -> int:
        return _MERGE_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, EditCommand) or other.merge_key != self.merge_key:
            return False
        # Undo goes back to the value before the first edit; redo to the latest.
        self._edit = other._edit
        return True
