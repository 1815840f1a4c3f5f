"""Names in Latin letters, as their owners write them in an e-mail address.

Scripts of India (Devanagari, Bengali, Gurmukhi, Gujarati, Odia, Tamil,
Telugu, Kannada, Malayalam) share one layout in Unicode, so one table of
offsets reads them all, in the plain Hunterian style people type
(ā → a, ś and ṣ → sh: शर्मा → sharma, प्रिया → priya). In the northern
scripts a consonant's inherent "a" is not said at the end of a word nor
between a vowel-consonant and a consonant-vowel (राहुल → rahul,
तालुकदार → talukdar), which is how Hindi and Bengali names are written.
Every other script goes through anyascii (Приятель → Priyatel', 王 → Wang).
"""

from __future__ import annotations

import re
import unicodedata

_BLOCKS = {  # first code point of each block, and whether the inherent vowel falls silent
    0x0900: True,  # Devanagari
    0x0980: True,  # Bengali
    0x0A00: True,  # Gurmukhi
    0x0A80: True,  # Gujarati
    0x0B00: True,  # Odia
    0x0B80: False,  # Tamil
    0x0C00: False,  # Telugu
    0x0C80: False,  # Kannada
    0x0D00: False,  # Malayalam
}
_VOWELS = {  # independent vowels, by offset in the block
    0x05: "a", 0x06: "a", 0x07: "i", 0x08: "i", 0x09: "u", 0x0A: "u", 0x0B: "ri",
    0x0C: "li", 0x0D: "e", 0x0E: "e", 0x0F: "e", 0x10: "ai", 0x11: "o", 0x12: "o",
    0x13: "o", 0x14: "au",
}  # fmt: skip
_SIGNS = {  # dependent vowel signs (matras)
    0x3E: "a", 0x3F: "i", 0x40: "i", 0x41: "u", 0x42: "u", 0x43: "ri", 0x44: "ri",
    0x45: "e", 0x46: "e", 0x47: "e", 0x48: "ai", 0x49: "o", 0x4A: "o", 0x4B: "o",
    0x4C: "au",
}  # fmt: skip
_CONSONANTS = {
    0x15: "k", 0x16: "kh", 0x17: "g", 0x18: "gh", 0x19: "n", 0x1A: "ch", 0x1B: "chh",
    0x1C: "j", 0x1D: "jh", 0x1E: "n", 0x1F: "t", 0x20: "th", 0x21: "d", 0x22: "dh",
    0x23: "n", 0x24: "t", 0x25: "th", 0x26: "d", 0x27: "dh", 0x28: "n", 0x29: "n",
    0x2A: "p", 0x2B: "ph", 0x2C: "b", 0x2D: "bh", 0x2E: "m", 0x2F: "y", 0x30: "r",
    0x31: "r", 0x32: "l", 0x33: "l", 0x34: "zh", 0x35: "v", 0x36: "sh", 0x37: "sh",
    0x38: "s", 0x39: "h", 0x58: "q", 0x59: "kh", 0x5A: "gh", 0x5B: "z", 0x5C: "r",
    0x5D: "rh", 0x5E: "f", 0x5F: "y",
}  # fmt: skip
_NUKTA = {0x15: "q", 0x16: "kh", 0x17: "gh", 0x1C: "z", 0x21: "r", 0x22: "rh", 0x2B: "f"}
_MARKS = {0x01: "n", 0x02: "n", 0x03: "h"}  # candrabindu, anusvara, visarga
_NUKTA_SIGN, _VIRAMA = 0x3C, 0x4D
_INHERENT = "\x00"  # a consonant's own "a", until it is said or falls silent
_SILENT = "\x01"  # an inherent vowel that fell silent
_NASAL_OR_BREATH = ("n", "h")  # what a mark adds: the syllable before is closed


def _block(char: str) -> int | None:
    start = ord(char) & ~0x7F
    return start if start in _BLOCKS else None


def _syllables(word: str, start: int) -> list[list[str]]:
    """``[consonants, vowel]`` units; the vowel is ``_INHERENT`` where the script says none."""
    units: list[list[str]] = []
    previous = 0
    for char in word:
        offset = ord(char) - start
        if offset in _CONSONANTS:
            units.append([_CONSONANTS[offset], _INHERENT])
        elif offset == _NUKTA_SIGN and units:
            units[-1][0] = _NUKTA.get(previous, units[-1][0])
        elif offset in _SIGNS and units:
            units[-1][1] = _SIGNS[offset]
        elif offset == _VIRAMA and units:
            units[-1][1] = ""
        elif offset in _VOWELS:
            units.append(["", _VOWELS[offset]])
        elif offset in _MARKS and units:
            units[-1][1] += _MARKS[offset]
        previous = offset
    return units


def _open(unit: list[str]) -> bool:
    """A syllable that ends in a vowel (not a virama, a silent schwa, a nasal or visarga)."""
    vowel = unit[1]
    return vowel not in ("", _SILENT) and not vowel.endswith(_NASAL_OR_BREATH)


def _silence_schwas(units: list[list[str]]) -> None:
    """Drop the inherent vowel word-finally (unless after a cluster) and in V C _ C V."""
    if len(units) > 1 and units[-1][1] == _INHERENT and units[-2][1] != "":
        units[-1][1] = _SILENT
    for i in range(len(units) - 2, 0, -1):
        here, before, after = units[i], units[i - 1], units[i + 1]
        if here[1] == _INHERENT and _open(before) and after[0] and after[1] != _SILENT:
            here[1] = _SILENT


def _brahmic(word: str, start: int) -> str:
    units = _syllables(word, start)
    if _BLOCKS[start]:
        _silence_schwas(units)
    return "".join(c + v for c, v in units).replace(_INHERENT, "a").replace(_SILENT, "")


_WORD = re.compile(r"\S+")


def romanize(text: str) -> str:
    """``text`` in lower-case ASCII letters, digits, spaces and apostrophes."""
    out = []
    for word in _WORD.findall(text):
        start = _block(word[0])
        if start is not None:
            latin = _brahmic(word, start)
        else:
            from anyascii import anyascii  # made tables travel without it (a Locust bundle)

            latin = anyascii(word)
        folded = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode("ascii")
        out.append(folded.lower())
    return " ".join(out)


_NOT_LETTER = re.compile(r"[^a-z]+")


def address_part(text: str) -> str:
    """A name as one part of an e-mail's local part: only ``a-z`` (``O'Brien`` → ``obrien``)."""
    return _NOT_LETTER.sub("", romanize(text))
