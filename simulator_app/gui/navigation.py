"""Finding one's way: recent files, the bundled examples, the guide and the shortcuts.

:class:`RecentFiles` keeps the last files opened in ``QSettings``; the
examples are the scenarios shipped with the package (``simulator_app/examples``,
the repository's ``scenarios`` folder in a checkout); the guide is the README's
chapter on the desktop app, read from the installed package's metadata so an
installed app shows it too.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from simulator_app.gui.widgets import fit_to_screen

DISTRIBUTION = "nitrox-traffic-simulator"
RECENT_KEY = "file/recent"
RECENT_LIMIT = 8
FIRST_LAUNCH_KEY = "hints/first_launch_shown"
FIRST_LAUNCH_HINT = (
    "New here? The window holds a scenario ready to send. Press Ctrl+Enter to run it against the "
    "embedded collector on this machine, try File › Examples for the bundled scenarios, and "
    "Help › Guide for a tour."
)


class RecentFiles:
    """The last :data:`RECENT_LIMIT` files opened or saved, newest first, kept in ``settings``."""

    def __init__(self, settings: QSettings) -> None:
        self._settings = settings

    def paths(self) -> list[Path]:
        raw = self._settings.value(RECENT_KEY, [])
        # an INI file gives one entry back as a plain string
        items = raw if isinstance(raw, list) else [raw] if isinstance(raw, str) else []
        return [Path(str(p)) for p in items if str(p)]

    def add(self, path: Path) -> None:
        path = path.resolve()
        kept = [p for p in self.paths() if p != path]
        self._settings.setValue(RECENT_KEY, [str(p) for p in [path, *kept][:RECENT_LIMIT]])

    def remove(self, path: Path) -> None:
        self._settings.setValue(RECENT_KEY, [str(p) for p in self.paths() if p != path])

    def clear(self) -> None:
        self._settings.remove(RECENT_KEY)

    def last_directory(self) -> str:
        """Where a file dialog opens: the folder of the last file used ("" for the default)."""
        paths = self.paths()
        return str(paths[0].parent) if paths else ""


def example_scenarios() -> list[Path]:
    """The bundled scenarios, by name (empty if the package was installed without them)."""
    folder = resources.files("simulator_app").joinpath("examples")
    if not folder.is_dir():
        return []
    found = [
        Path(str(entry))
        for entry in folder.iterdir()
        if entry.name.endswith((".yaml", ".yml")) and entry.is_file()
    ]
    return sorted(found, key=lambda p: p.name)


def example_title(path: Path) -> str:
    """``cart_abandoner.yaml`` → ``Cart abandoner``."""
    return path.stem.replace("_", " ").capitalize()


def guide_markdown() -> str:
    """The guide to the desktop app (docs/app.md, shipped in the package as gui/guide.md)."""
    try:
        return (resources.files("simulator_app.gui") / "guide.md").read_text(encoding="utf-8")
    except OSError:
        return (
            "# The desktop app\n\nThe guide is docs/app.md in the project (it was not installed)."
        )


_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
DOCS = Path(__file__).resolve().parent.parent.parent / "docs"  # in a source checkout


def guide_for_reading(markdown: str, docs: Path = DOCS) -> str:
    """The guide with each image that is here pointed at its file, the others said in words.

    The guide's images sit beside docs/app.md, not in the installed package: a
    picture the dialog cannot find would show as a broken image.
    """

    def image(found: re.Match[str]) -> str:
        alt, name = found.group(1), found.group(2)
        path = docs / name
        if "://" not in name and path.is_file():
            return f"![{alt}]({path.as_uri()})"
        return f"*({alt}: docs/{name} in the project)*"

    return _IMAGE.sub(image, markdown)


def shortcut_rows(actions: list[QAction]) -> list[tuple[str, str]]:
    """(what, keys) of every action with a shortcut, in menu order, ``&`` and ``…`` dropped."""
    rows = []
    for action in actions:
        keys = ", ".join(s.toString() for s in action.shortcuts() if not s.isEmpty())
        if keys:
            rows.append((action.text().replace("&", "").rstrip("…"), keys))
    return rows


class GuideDialog(QDialog):
    """The guide: the README's chapter on the app, as formatted text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Guide to the desktop app")
        fit_to_screen(self, 760, 600, parent)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(True)
        self.text.setMarkdown(guide_for_reading(guide_markdown()))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)


class ShortcutsDialog(QDialog):
    """Every keyboard shortcut of the window, read from its actions (never out of date)."""

    def __init__(self, rows: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, (what, keys) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(what))
            self.table.setItem(row, 1, QTableWidgetItem(keys))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        fit_to_screen(self, 520, 560, parent)
