"""Every file the tool reads, read with a bound: one function, whatever the path names.

A regular file larger than its cap is refused before a byte is read; a pipe
or a FIFO (``<(gunzip -c x.har.gz)``) is read up to the cap and refused past
it, never read whole; a device (``/dev/zero``), a socket or a directory is
refused. A FIFO is opened without waiting for a writer, so a FIFO nobody
writes to reads as empty instead of blocking the command for ever.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_CHUNK = 1 << 20


class InputError(ValueError):
    """The path cannot be read as an input file; the message says why, in a few words."""


def _kind(mode: int, what: str) -> str | None:
    """What a path that is not a regular file or a pipe is, in words (None: readable)."""
    if stat.S_ISREG(mode) or stat.S_ISFIFO(mode):
        return None
    if stat.S_ISDIR(mode):
        return f"is a directory, not a {what}"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return f"is a device, not a {what}"
    if stat.S_ISSOCK(mode):
        return f"is a socket, not a {what}"
    return f"is not a regular file, not a {what}"


def read_bounded(path: str | Path, limit: int, what: str = "file") -> bytearray:
    """The bytes of ``path``, at most ``limit`` of them; :class:`InputError` or OSError if not.

    ``what`` names the file in the messages ("is a directory, not a scenario file").
    OSError (no such file, permission) is the caller's to word, with ``strerror``.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        handle = os.open(path, flags)
    except IsADirectoryError:
        raise InputError(f"is a directory, not a {what}") from None
    try:
        mode = os.fstat(handle).st_mode
        problem = _kind(mode, what)
        if problem is not None:
            raise InputError(problem)
        if stat.S_ISREG(mode):
            size = os.fstat(handle).st_size
            if size > limit:
                raise InputError(f"is {size:,} bytes; a {what} has at most {limit:,}")
        else:
            os.set_blocking(handle, True)  # a pipe: wait for its writer's bytes, up to the cap
        data = bytearray()
        while len(data) <= limit:
            chunk = os.read(handle, min(_CHUNK, limit + 1 - len(data)))
            if not chunk:
                break
            data += chunk
        if len(data) > limit:
            raise InputError(f"is more than {limit:,} bytes; a {what} has at most {limit:,}")
        return data  # not bytes(data): a copy would double the peak for a big file
    finally:
        os.close(handle)
