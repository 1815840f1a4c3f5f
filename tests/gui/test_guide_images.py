"""The Help › Guide dialog shows the guide's pictures, or says where they are: no broken image."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QImage, QTextDocument
from pytestqt.qtbot import QtBot

from simulator_app.gui.navigation import GuideDialog, guide_for_reading, guide_markdown


def test_every_picture_of_the_guide_loads(qtbot: QtBot) -> None:
    dialog = GuideDialog()
    qtbot.addWidget(dialog)
    shown = guide_for_reading(guide_markdown())
    urls = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", shown)
    assert urls  # the source checkout has docs/screenshot.png
    for url in urls:
        image = dialog.text.loadResource(QTextDocument.ResourceType.ImageResource.value, QUrl(url))
        assert image is not None, url
        loaded = image if isinstance(image, QImage) else QImage.fromData(image)
        assert not loaded.isNull(), url


def test_a_picture_that_is_not_here_is_said_in_words(tmp_path: Path) -> None:
    text = guide_for_reading("![The app](screenshot.png)\n", docs=tmp_path)
    assert "![" not in text and "docs/screenshot.png" in text
