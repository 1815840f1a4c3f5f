"""The file half of the main window: New, Open, Open Recent, Examples, Save, Save As.

A file that cannot be opened or has problems never replaces the work in the
window: a :class:`Banner` says why, and offers to open it anyway when it is
at least YAML, so its problems can be fixed here. Dialogs open in the folder
of the last file used; an example opens as a new scenario, so Save asks where
to keep it rather than writing into the installed package.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QWidget,
)

from simulator_app.core.scenario_file import Problem, ScenarioError
from simulator_app.gui.document import ScenarioDocument, template_text
from simulator_app.gui.navigation import RecentFiles, example_title
from simulator_app.gui.widgets import PROBLEM_STYLE, ElidedLabel

APP_NAME = "Nitrox Traffic Simulator"
FILE_FILTER = "Scenario files (*.yaml *.yml);;All files (*)"


class BannerText(ElidedLabel):
    """The banner's line: ``text()`` is the whole text, the label shows what fits."""

    def text(self) -> str:
        return self.full_text()

    def sizeHint(self) -> QSize:
        return QSize(0, super().sizeHint().height())

    def _elide(self) -> None:
        one_line = " · ".join(part for part in self.full_text().splitlines() if part.strip())
        shown = self.fontMetrics().elidedText(one_line, Qt.TextElideMode.ElideRight, self.width())
        QLabel.setText(self, shown)


class Banner(QFrame):
    """A one-line message across the top of the window (a file that could not be opened, a hint).

    One line, whatever it says: a longer text is cut at its end and shown whole in its
    tooltip, so the banner never pushes the run's controls down. Dismiss hides it.
    """

    def __init__(self, parent: QWidget | None = None, problem: bool = True) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(f"Banner {{ background: {'#fff4e5' if problem else '#e8f0fe'}; }}")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        self.text = BannerText()
        self.text.setStyleSheet(PROBLEM_STYLE if problem else "")
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text, 1)
        self.action = QPushButton()
        layout.addWidget(self.action)
        self.close_button = QPushButton("Dismiss")
        layout.addWidget(self.close_button)
        self.close_button.clicked.connect(self.hide)
        self.hide()


class FileWindow(QMainWindow):
    """A main window's file handling; the subclass makes the attributes declared here."""

    settings: QSettings
    recent: RecentFiles
    document: ScenarioDocument
    banner: Banner
    recent_menu: QMenu
    save_action: QAction

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pending_open: tuple[Path, str] | None = None

    # -- files -----------------------------------------------------------------

    def maybe_save(self) -> bool:
        """Ask what to do with unsaved changes; False when the user cancels."""
        if not self.document.modified:
            return True
        answer = QMessageBox.question(
            self,
            APP_NAME,
            f"Save the changes to {self._file_name()}?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_file(self) -> None:
        if self.maybe_save():
            self.document.load_text(self.document_template(), None)
            self.banner.hide()
            self.statusBar().showMessage("New scenario", 3000)

    @staticmethod
    def document_template() -> str:
        return template_text()

    def open_file(self, path: Path | None = None) -> bool:
        """Open ``path`` (asks when None). A file with problems does not replace the work."""
        if path is None:
            start = self.recent.last_directory()
            name, _ = QFileDialog.getOpenFileName(self, "Open scenario", start, FILE_FILTER)
            if not name:
                return False
            path = Path(name)
        # Check first: a bad file changes nothing, so there is nothing to ask about.
        try:
            text, problems = ScenarioDocument.check_file(path)
        except ScenarioError as exc:
            self._show_open_problems(path, exc.problems, None)
            return False
        if problems:
            self._show_open_problems(path, problems, text)
            return False
        if not self.maybe_save():
            return False
        self._load(path, text)
        return True

    def _load(self, path: Path, text: str) -> None:
        self.document.load_text(text, path)
        self.banner.hide()
        self.settings.setValue("file/last", str(path))
        self.recent.add(path)
        self.statusBar().showMessage(f"Opened {path}", 3000)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.recent.paths():
            action = self.recent_menu.addAction(f"{path.name}  ({path.parent})")
            action.triggered.connect(lambda _c=False, p=path: self._open_recent(p))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("No recent files").setEnabled(False)
            return
        self.recent_menu.addSeparator()
        self.recent_menu.addAction("Clear the list").triggered.connect(self.recent.clear)

    def _open_recent(self, path: Path) -> None:
        if not path.is_file():
            self.recent.remove(path)
            self.statusBar().showMessage(f"{path} is no longer there", 5000)
            return
        self.open_file(path)

    def open_example(self, path: Path) -> bool:
        """Open a bundled scenario as a new, unsaved one: Save asks where to keep it."""
        try:
            text, problems = ScenarioDocument.check_file(path)
        except ScenarioError as exc:
            self._show_open_problems(path, exc.problems, None)
            return False
        if problems:  # a bundled file always validates; say so if it does not
            self._show_open_problems(path, problems, None)
            return False
        if not self.maybe_save():
            return False
        self.document.load_text(text, None)
        self.banner.hide()
        self.statusBar().showMessage(
            f"Example {example_title(path)}: Save As keeps your changes", 5000
        )
        return True

    def _show_open_problems(self, path: Path, problems: list[Problem], text: str | None) -> None:
        shown = "\n".join(str(p) for p in problems[:8])
        more = f"\n… and {len(problems) - 8} more" if len(problems) > 8 else ""
        self.banner.text.setText(
            f"{path.name} was not opened; the scenario in the window is unchanged.\n{shown}{more}"
        )
        self._pending_open = (path, text) if text is not None else None
        self.banner.action.setText("Open it anyway to fix it")
        self.banner.action.setVisible(text is not None)
        self.banner.show()

    def _open_anyway(self) -> None:
        if self._pending_open is not None and self.maybe_save():
            path, text = self._pending_open
            self._pending_open = None
            self._load(path, text)

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        start = (
            str(self.document.path)
            if self.document.path
            else str(Path(self.recent.last_directory()) / "scenario.yaml")
        )
        name, _ = QFileDialog.getSaveFileName(self, "Save scenario as", start, FILE_FILTER)
        if not name:
            return False
        return self._save_to(Path(name))

    def _save_to(self, path: Path) -> bool:
        try:
            self.document.save(path)
        except OSError as exc:
            self.banner.text.setText(f"Could not save {path}: {exc.strerror or exc}")
            self.banner.action.hide()
            self.banner.show()
            return False
        self.settings.setValue("file/last", str(path))
        self.recent.add(path)
        self.statusBar().showMessage(f"Saved {path}", 3000)
        return True

    def _file_name(self) -> str:
        return self.document.path.name if self.document.path else "the new scenario"

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self._file_name()}[*] — {APP_NAME}")
        self.setWindowModified(self.document.modified)
