"""Do the visitors' names render here? The scripts they use, and whether a font has each.

A hi_IN visitor's name is in Devanagari; on a system with no Devanagari font
Qt draws boxes. :func:`missing_scripts` reads the scripts off the names
themselves (each letter's Unicode name starts with its script) and asks
``has_font`` (by default: does any installed family support the script's
writing system) for each; :func:`font_advice` says, for this platform, how
to get one.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable, Iterable

from PySide6.QtGui import QFontDatabase

WritingSystem = QFontDatabase.WritingSystem

#: The first word of a letter's Unicode name → the writing system a font must support.
SCRIPTS: dict[str, WritingSystem] = {
    "DEVANAGARI": WritingSystem.Devanagari,
    "BENGALI": WritingSystem.Bengali,
    "GURMUKHI": WritingSystem.Gurmukhi,
    "GUJARATI": WritingSystem.Gujarati,
    "ORIYA": WritingSystem.Oriya,
    "TAMIL": WritingSystem.Tamil,
    "TELUGU": WritingSystem.Telugu,
    "KANNADA": WritingSystem.Kannada,
    "MALAYALAM": WritingSystem.Malayalam,
    "SINHALA": WritingSystem.Sinhala,
    "THAI": WritingSystem.Thai,
    "LAO": WritingSystem.Lao,
    "TIBETAN": WritingSystem.Tibetan,
    "MYANMAR": WritingSystem.Myanmar,
    "KHMER": WritingSystem.Khmer,
    "GEORGIAN": WritingSystem.Georgian,
    "ARMENIAN": WritingSystem.Armenian,
    "HEBREW": WritingSystem.Hebrew,
    "ARABIC": WritingSystem.Arabic,
    "SYRIAC": WritingSystem.Syriac,
    "THAANA": WritingSystem.Thaana,
    "GREEK": WritingSystem.Greek,
    "CYRILLIC": WritingSystem.Cyrillic,
    "HANGUL": WritingSystem.Korean,
    "HIRAGANA": WritingSystem.Japanese,
    "KATAKANA": WritingSystem.Japanese,
    "CJK": WritingSystem.SimplifiedChinese,
}
_CJK = {"HANGUL", "HIRAGANA", "KATAKANA", "CJK"}


def script_of(char: str) -> str | None:
    """The script of a letter whose rendering needs its own font (None: Latin, digits...)."""
    if not char.isalpha():
        return None
    word = unicodedata.name(char, "").split(" ", 1)[0]
    return word if word in SCRIPTS else None


def system_has_font(script: str) -> bool:
    """Whether an installed font family supports ``script`` (one of :data:`SCRIPTS`)."""
    return bool(QFontDatabase.families(SCRIPTS[script]))


def missing_scripts(
    names: Iterable[tuple[str, str]], has_font: Callable[[str], bool] = system_has_font
) -> dict[str, list[str]]:
    """The scripts of ``(locale, name)`` pairs that no font here supports → their locales."""
    used: dict[str, list[str]] = {}
    for locale, name in names:
        for script in {s for s in map(script_of, name) if s is not None}:
            locales = used.setdefault(script, [])
            if locale not in locales:
                locales.append(locale)
    return {script: locales for script, locales in used.items() if not has_font(script)}


def noto_family(script: str) -> str:
    """The Noto family that covers ``script``: ``Noto Sans Devanagari``, ``Noto Sans CJK``."""
    return "Noto Sans CJK" if script in _CJK else f"Noto Sans {script.title()}"


def font_advice(script: str, platform: str = sys.platform) -> str:
    """How to get a font for ``script`` on ``platform`` (``sys.platform``'s spelling)."""
    family = noto_family(script)
    if platform.startswith("linux"):
        package = "fonts-noto-cjk" if script in _CJK else "fonts-noto-core"
        return f"on Debian or Ubuntu: sudo apt install {package} (elsewhere: the {family} font)"
    if platform == "darwin":
        return f"on macOS: install {family} (from fonts.google.com/noto) and open it in Font Book"
    if platform.startswith("win"):
        return (
            f"on Windows: Settings › Apps › Optional features › Add a feature, the "
            f"{script.title()} supplemental fonts, or install {family}"
        )
    return f"install the {family} font"


def missing_font_message(missing: dict[str, list[str]], platform: str = sys.platform) -> str:
    """One line per script: whose names show as boxes, and the fix."""
    lines = []
    for script, locales in sorted(missing.items()):
        lines.append(
            f"Names in {script.title()} ({', '.join(locales)}) show as boxes: this system has no "
            f"font for them. To fix it, {font_advice(script, platform)}, then restart the app."
        )
    return "\n".join(lines)
