"""Writing a file whole or not at all: a temporary file beside it, then one rename.

A scenario saved in place and cut short by a full disk leaves half a file
behind, and the user's work with it. :func:`write_atomically` writes next to
the target, flushes to disk and only then replaces the target, so a failure
at any point leaves the old file as it was (and no temporary file behind).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomically(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    """Replace ``path`` with ``text``; OSError (the old file untouched) when that fails."""
    target = Path(path)
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
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
