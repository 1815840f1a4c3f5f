"""Writing a file whole or not at all: a temporary file beside it, then one rename.

A scenario saved in place and cut short by a full disk leaves half a file
behind, and the user's work with it. :func:`write_atomically` writes next to
the target, flushes to disk and only then replaces the target, so a failure
at any point leaves the old file as it was (and no temporary file behind).

Only a regular file is ever replaced: a path that is a FIFO, a device, a
folder or a socket is refused (:class:`~simulator_app.core.outputs.OutputError`,
an OSError), and a symbolic link is written through: its target is replaced,
the link stays (see :mod:`simulator_app.core.outputs`).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from simulator_app.core.outputs import resolve_output


def write_atomically(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    """Replace ``path`` with ``text``; OSError (the old file untouched) when that fails.

    A symlink's regular target is replaced; a path that is not a regular
    file raises :class:`~simulator_app.core.outputs.OutputError`.
    """
    target = resolve_output(Path(path))
    data = text.encode(encoding)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temporary, target.stat().st_mode & 0o7777)  # keep the file's permissions
        resolve_output(target)  # once more: nothing but a regular file is renamed over
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
