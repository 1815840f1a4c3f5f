"""What the command line prints reaches the terminal as text, never as control codes.

A scenario's names, a server's answers and a collector's messages come from
anyone; a name like ``"\\e]0;X\\a\\e[2J"`` printed raw would retitle the
window and clear the screen. :class:`TerminalStream` wraps stdout and stderr
for the whole command and writes every control character (C0, DEL, C1,
carriage return, and the Unicode bidirectional overrides that reorder a line)
as a visible escape such as ``\\x1b``; only newlines and tabs pass. The
command's own progress line uses :meth:`TerminalStream.write_raw`.
"""

from __future__ import annotations

from typing import IO, Any

_BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]
_CONTROLS = [c for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if chr(c) not in "\n\t"]
_ESCAPES = {c: (f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}") for c in [*_CONTROLS, *_BIDI]}


def printable(text: str) -> str:
    """``text`` with every control character written as a visible escape (newline, tab kept)."""
    return text.translate(_ESCAPES)


class TerminalStream:
    """A text stream that escapes control characters in what is written to it."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(printable(text))

    def write_raw(self, text: str) -> int:
        """Write the command's own control sequences (a progress line's ``\\r``) as they are."""
        return self.stream.write(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)  # flush, isatty, fileno, encoding, ...
