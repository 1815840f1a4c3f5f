"""Qt's start-up noise about fonts, said once, in one line that says what to install.

Qt logs a line per font and script it cannot shape ("qt.text.font.db:
OpenType support missing for "DejaVu Sans", script 11"), a line about the
time it took to find font aliases, and, offscreen, one about size hints:
twenty lines before the window is up, none of them telling the user what
to do. :func:`install` puts a message handler in front of Qt's: those lines
become one per script, with the fix (:func:`simulator_app.gui.fonts.font_advice`),
and every other message is printed as Qt would print it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import TextIO

# QChar::Script's numbers for the scripts simulator_app.gui.fonts knows how to fix.
QT_SCRIPTS = {
    4: "GREEK", 5: "CYRILLIC", 6: "ARMENIAN", 7: "HEBREW", 8: "ARABIC", 9: "SYRIAC",
    10: "THAANA", 11: "DEVANAGARI", 12: "BENGALI", 13: "GURMUKHI", 14: "GUJARATI",
    15: "ORIYA", 16: "TAMIL", 17: "TELUGU", 18: "KANNADA", 19: "MALAYALAM", 20: "SINHALA",
    21: "THAI", 22: "LAO", 23: "TIBETAN", 24: "MYANMAR", 25: "GEORGIAN", 26: "HANGUL",
    32: "KHMER", 34: "HIRAGANA", 35: "KATAKANA", 37: "CJK",
}  # fmt: skip
_OPENTYPE = re.compile(r'OpenType support missing for "[^"]*", script (\d+)')
_DROPPED = (
    "This plugin does not support propagateSizeHints()",  # the offscreen platform's
    "Populating font family aliases took",  # a cost note for Qt's developers
)


class FontNoise:
    """Decides what becomes of one Qt message: printed, summarised or dropped."""

    def __init__(self, advice: Callable[[str], str]) -> None:
        self.advice = advice
        self.said: set[str] = set()

    def line(self, category: str, text: str) -> str | None:
        """The line to print for a message of ``category`` (None: nothing)."""
        found = _OPENTYPE.search(text)
        if found:
            script = QT_SCRIPTS.get(int(found[1]), f"script {found[1]}")
            if script in self.said:
                return None
            self.said.add(script)
            name = script.title() if not script.startswith("script") else script
            fix = self.advice(script) if script in QT_SCRIPTS.values() else "install a font for it"
            return (
                f"fonts: no font here shapes {name} text (visitors' names in it may show "
                f"wrongly); to fix it, {fix}"
            )
        if any(text.startswith(d) for d in _DROPPED):
            return None
        return f"{category}: {text}" if category and category != "default" else text


def install(stream: TextIO | None = None) -> None:
    """Route Qt's messages through :class:`FontNoise` to ``stream`` (default stderr)."""
    from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

    from simulator_app.gui.fonts import font_advice

    noise = FontNoise(font_advice)

    def handler(kind: QtMsgType, context: QMessageLogContext, text: str) -> None:
        line = noise.line(context.category or "", text)
        if line is not None:
            out = stream or sys.stderr
            out.write(line + "\n")
            out.flush()

    qInstallMessageHandler(handler)
