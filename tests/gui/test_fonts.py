"""Names in every script render, or the app says once which font to install."""

from __future__ import annotations

from simulator_app.gui.fonts import (
    font_advice,
    missing_font_message,
    missing_scripts,
    script_of,
)
from simulator_app.gui.main_window import MainWindow


def test_scripts_are_read_off_the_names() -> None:
    assert script_of("प") == "DEVANAGARI" and script_of("ত") == "BENGALI"
    assert script_of("த") == "TAMIL" and script_of("漢") == "CJK"
    assert script_of("a") is None and script_of("é") is None and script_of("7") is None
    names = [("hi_IN", "प्रिया प्रसाद"), ("en_IN", "Priya Prasad"), ("hi_IN", "राज")]
    assert missing_scripts(names, lambda script: False) == {"DEVANAGARI": ["hi_IN"]}
    assert missing_scripts(names, lambda script: True) == {}


def test_the_fix_suits_the_platform() -> None:
    assert "sudo apt install fonts-noto-core" in font_advice("DEVANAGARI", "linux")
    assert "fonts-noto-cjk" in font_advice("CJK", "linux")
    assert "Noto Sans Devanagari" in font_advice("DEVANAGARI", "darwin")
    assert "Optional features" in font_advice("TAMIL", "win32")
    message = missing_font_message({"DEVANAGARI": ["hi_IN"]}, "linux")
    assert message.startswith("Names in Devanagari (hi_IN) show as boxes")


def test_the_window_says_it_once(window: MainWindow) -> None:
    checked: list[str] = []

    def no_devanagari(script: str) -> bool:
        checked.append(script)
        return script != "DEVANAGARI"

    window.hint.hide()
    window._fonts_reported.clear()
    window.font_check = no_devanagari
    window.check_fonts()  # the template's visitors include hi_IN names
    assert "DEVANAGARI" in checked
    assert window.hint.isVisibleTo(window)
    assert "Names in Devanagari (hi_IN) show as boxes" in window.hint.text.text()
    # Said once: a new preview with the same script adds nothing.
    window.hint.hide()
    window.identities_panel.seed.setValue(99)
    assert not window.hint.isVisibleTo(window)


def test_nothing_is_said_when_every_script_has_a_font(window: MainWindow) -> None:
    window.hint.hide()
    window._fonts_reported.clear()
    window.font_check = lambda script: True
    window.check_fonts()
    assert not window.hint.isVisibleTo(window)
