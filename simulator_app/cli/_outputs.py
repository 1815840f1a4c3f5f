"""The command line's outputs: refused before anything is sent, failures said in one line.

The rules are :mod:`simulator_app.core.outputs`'s; this turns them into
:class:`CliError` lines (exit 2 before the work starts) and, once the work
is done, into the line that names a file a failed write left incomplete
(exit 1, the summary kept).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import TextIO

from simulator_app.cli._common import CliError
from simulator_app.core.outputs import OutputError, check_distinct, open_output

Named = tuple[str, "str | os.PathLike[str] | None"]


def refuse_bad_outputs(outputs: Iterable[Named], inputs: Iterable[Named] = ()) -> None:
    """:class:`CliError` (one line) for an output that is not a regular file, or is an input.

    See :func:`~simulator_app.core.outputs.check_distinct`.
    """
    try:
        check_distinct(outputs, inputs)
    except OutputError as exc:
        raise CliError(exc.strerror or str(exc)) from None


def check_output(option: str, path: str | os.PathLike[str] | None) -> None:
    """:class:`CliError` when ``path`` cannot be an output (not a regular file, no folder)."""
    refuse_bad_outputs([(option, path)])


def open_stream(path: str | None, option: str) -> TextIO | None:
    """``path`` opened for writing (the caller closes it, see :func:`close_stream`); None without."""
    if not path:
        return None
    try:
        return open_output(path)
    except OSError as exc:
        raise CliError(f"{option}: cannot write {path}: {exc.strerror or exc}") from None


def close_stream(stream: TextIO | None) -> str | None:
    """Close ``stream``; why its last bytes could not be written (a full disk...), or None."""
    if stream is None:
        return None
    try:
        stream.close()
    except OSError as exc:  # the file is closed all the same; the buffer's bytes are lost
        return exc.strerror or str(exc)
    return None


def report_failure(command: str, option: str, path: str, error: str, lacks: str) -> None:
    """The one line for an output a failed write left incomplete: which, why, what it lacks."""
    print(
        f"nitrox-sim {command}: error: {option}: writing {path} failed ({error}): {lacks}",
        file=sys.stderr,
    )
