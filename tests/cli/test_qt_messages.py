"""Qt's font noise at start-up becomes one line that says what to install, or nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from simulator_app.cli._qt_messages import FontNoise
from simulator_app.gui.fonts import font_advice

NOISE = [
    ("qt.text.font.db", f'OpenType support missing for "{family}", script 11')
    for family in ("DejaVu Sans", "DejaVu Math TeX Gyre", "DejaVu Sans Mono", "DejaVu Serif", "")
] + [("default", "This plugin does not support propagateSizeHints()")]


def test_the_font_lines_of_one_script_become_one_line_with_the_fix() -> None:
    noise = FontNoise(lambda script: font_advice(script, "linux"))
    lines = [line for c, t in NOISE * 3 if (line := noise.line(c, t)) is not None]
    assert lines == [
        "fonts: no font here shapes Devanagari text (visitors' names in it may show wrongly);"
        " to fix it, on Debian or Ubuntu: sudo apt install fonts-noto-core"
        " (elsewhere: the Noto Sans Devanagari font)"
    ]
    arabic = noise.line("qt.text.font.db", 'OpenType support missing for "X", script 8')
    assert arabic is not None and "Arabic" in arabic  # another script: its own line


def test_other_messages_are_printed_as_qt_prints_them() -> None:
    noise = FontNoise(font_advice)
    assert noise.line("qt.qpa.xcb", "could not connect to display") == (
        "qt.qpa.xcb: could not connect to display"
    )
    assert noise.line("default", "QWidget: a warning") == "QWidget: a warning"
    assert noise.line("qt.qpa.fonts", "Populating font family aliases took 150 ms.") is None


SCRIPT = textwrap.dedent(
    """
    import sys
    if sys.argv[1] == "filtered":
        from simulator_app.cli._qt_messages import install
        install()
    from PySide6.QtWidgets import QApplication, QLabel
    app = QApplication([])
    label = QLabel("प्रिया प्रसाद")
    label.show()
    app.processEvents()
    label.grab()
    """
)


def test_a_real_qt_start_prints_at_most_one_font_line_per_script() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("QT_LOGGING_RULES", None)

    def stderr(mode: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, mode], env=env, capture_output=True, text=True,
            timeout=120, check=True,
        )  # fmt: skip
        return done.stderr.splitlines()

    raw, filtered = stderr("raw"), stderr("filtered")
    assert not [line for line in filtered if "qt.text.font.db" in line]
    font_lines = [line for line in filtered if line.startswith("fonts: ")]
    assert len(font_lines) <= 1
    if any("OpenType support missing" in line for line in raw):  # this machine lacks a font
        assert font_lines and "install" in font_lines[0]
    assert len(filtered) <= 1
