"""Shared pieces of the command line: the one-line error every command raises."""

from __future__ import annotations


class CliError(Exception):
    """A user-facing failure: printed as one line, no traceback, and an exit code."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code
