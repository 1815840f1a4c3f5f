"""File > Import HAR…: a browser recording made into a new, unsaved scenario in the window.

:func:`add_import_har_action` puts the action in the main window's File menu
(the window calls it once). The import is the CLI's (the core's recording
package, judged with the collector's checker): the summary, the collector's
messages, the entries that could not be read and the notes are shown in a
dialog that stays open beside the window; a file that is not a HAR file is
one line in the window's banner, and the work in the window is kept.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from simulator_app.collector.checks import Checker
from simulator_app.core.recording.har_reader import HarError, read_har_file
from simulator_app.core.recording.importer import import_recording, summary_lines
from simulator_app.core.recording.judge import judge
from simulator_app.core.recording.writer import scenario_text
from simulator_app.gui.file_window import FileWindow

HAR_FILTER = "HAR recordings (*.har *.json);;All files (*)"
MAX_LINES = 200  # lines of messages, unreadable entries and notes shown


class ImportSummary(QDialog):
    """What an import found, as ``nitrox-sim import-har`` prints it; not modal."""

    def __init__(self, title: str, headline: str, lines: list[str], parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(820, 420)
        layout = QVBoxLayout(self)
        self.headline = QLabel(headline)
        self.headline.setWordWrap(True)
        layout.addWidget(self.headline)
        self.text = QPlainTextEdit("\n".join(lines))
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)


def _cut(lines: list[str], what: str, total: int | None = None) -> list[str]:
    total = len(lines) if total is None else total
    if total <= MAX_LINES:
        return lines
    return [*lines[:MAX_LINES], f"... and {total - MAX_LINES:,} more {what}"]


def import_har(window: FileWindow, path: Path) -> ImportSummary | None:
    """Import ``path`` into ``window`` as a new scenario; the summary dialog, shown (None: not)."""
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        recording = read_har_file(str(path))
        imported = import_recording(recording)
        verdicts = judge(recording, Checker(full_cart=imported.scenario.tracker.full_cart))
        text = scenario_text(imported.scenario, str(path))
    except (HarError, ValueError) as exc:
        window.banner.text.setText(f"{path.name} was not imported: {exc}")
        window.banner.action.hide()
        window.banner.show()
        return None
    finally:
        QGuiApplication.restoreOverrideCursor()
    if not window.maybe_save():
        return None
    window.document.load_text(text, None)
    window.document.undo_stack.resetClean()  # a new scenario: closing asks to save it
    window.banner.hide()
    bad = [v for v in verdicts if v.verdict == "bad"]
    warned = sum(v.verdict == "warn" for v in verdicts)
    lines = summary_lines(recording, imported)
    lines.append(
        f"collector: {len(verdicts) - len(bad) - warned} good, {warned} warned, {len(bad)} bad"
    )
    lines += _cut([line for v in verdicts if v.verdict != "good" for line in v.lines()], "messages")
    problems = [f"{path.name}: {p}" for p in recording.problems]
    lines += _cut(problems, "unreadable entries", recording.problem_count)
    lines += _cut([f"note: {n}" for n in imported.notes], "notes")
    lines += [f"warning: {w}" for w in imported.warnings]
    headline = (
        f"Imported {path.name} as a new scenario ({len(imported.scenario.journeys)} journeys); "
        "save it to keep it."
    )
    if bad:
        headline += f" {len(bad)} recorded requests break the contract (see below)."
    dialog = ImportSummary(f"Import HAR: {path.name}", headline, lines, window)
    dialog.show()
    window.statusBar().showMessage(f"Imported {path}", 5000)
    return dialog


def add_import_har_action(window: FileWindow) -> QAction:
    """Add File > Import HAR… to ``window`` (after Open…); the action."""
    action = QAction("Import &HAR…", window)
    action.setStatusTip("Make a scenario of a browser recording of a storefront (HAR file)")

    def choose() -> None:
        start = str(window.document.path.parent) if window.document.path else ""
        name, _ = QFileDialog.getOpenFileName(window, "Import HAR recording", start, HAR_FILTER)
        if name:
            import_har(window, Path(name))  # the dialog's parent, the window, keeps it

    action.triggered.connect(choose)
    for menu in window.menuBar().findChildren(QMenu):
        if menu.title() == "&File":
            menu.insertAction(window.save_action, action)
            break
    return action
