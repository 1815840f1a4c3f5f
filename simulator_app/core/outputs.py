"""The files the tool writes: checked before anything is sent, opened one way, never a trap.

Every output (``run --log/--har/--report``, the collector's ``--db``,
``import-har -o``, ``funnel --write``, ``schema -o``, ``export-locust -o``,
``bench --json``) goes through this module:

- :func:`output_problem` says why a path cannot be written, in words for one
  line: it exists and is not a regular file (a folder, a FIFO, a device, a
  socket), or its folder is missing or not writable;
- a symbolic link is **written through** to its target when that target is a
  regular file (or a new file in an existing folder); a link to anything else,
  or one that goes nowhere, is refused. :func:`resolve_output` gives the path
  that is really written, so an atomic write replaces the target and keeps
  the link;
- :func:`check_distinct` refuses an output that is the same file as an input
  (the scenario, the recording replayed) or as another output of the same
  command, by device and inode (a hard link, ``./x`` and ``x``, a link to
  it), not by spelling;
- :func:`open_output` opens a stream for writing without ever blocking on a
  FIFO or writing into a device that appeared after the check.

:class:`OutputError` is an ``OSError`` whose ``strerror`` is that one line,
so callers that report ``exc.strerror`` say the right thing.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO


class OutputError(OSError):
    """An output that cannot be written; ``strerror`` says why, ``filename`` names it."""

    def __init__(self, path: str | os.PathLike[str], why: str, code: int = errno.EINVAL) -> None:
        super().__init__(code, why, os.fspath(path))

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}"


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, in a word or two."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def _problem(path: Path) -> tuple[Path, str | None]:
    """(the path to write, why it cannot be written or None)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        return path, f"cannot be read: {exc.strerror}"
    target = path
    if info is not None and stat.S_ISLNK(info.st_mode):
        target = Path(os.path.realpath(path))
        try:
            info = os.stat(path)  # through the link as the kernel follows it (/dev/stdout too)
        except FileNotFoundError:
            if not target.parent.is_dir():
                return target, "is a symbolic link that points nowhere (refused)"
            info = None  # a link to a file not made yet: it is made where the link points
        except OSError as exc:
            return target, f"is a symbolic link whose target cannot be read: {exc.strerror}"
        if info is not None and not stat.S_ISREG(info.st_mode):
            return target, f"is a symbolic link to {kind_of(info.st_mode)}, not a regular file"
    elif info is not None and not stat.S_ISREG(info.st_mode):
        return target, f"is {kind_of(info.st_mode)}, not a regular file"
    folder = target.parent if str(target.parent) else Path(".")
    if info is None:
        if not folder.is_dir():
            return target, f"cannot be made: no folder {str(folder)!r}"
        if not os.access(folder, os.W_OK):
            return target, f"cannot be made: the folder {str(folder)!r} is not writable"
    elif not os.access(target, os.W_OK):
        return target, "is not writable (read-only)"
    return target, None


def output_problem(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be written as an output (a phrase after its name), or None."""
    return _problem(Path(path))[1]


def resolve_output(path: str | os.PathLike[str]) -> Path:
    """The file really written for ``path`` (a symlink's target); :class:`OutputError` if none."""
    target, problem = _problem(Path(path))
    if problem is not None:
        raise OutputError(path, problem)
    return target


def _identity(path: str | os.PathLike[str]) -> tuple[int, int] | str:
    """(device, inode) of an existing file, else its absolute real path."""
    try:
        info = os.stat(path)
    except OSError:
        return os.path.realpath(path)
    return info.st_dev, info.st_ino


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """True when ``a`` and ``b`` are one file (hard links and links included), or would be."""
    return _identity(a) == _identity(b)


def check_distinct(
    outputs: Iterable[tuple[str, str | os.PathLike[str] | None]],
    inputs: Iterable[tuple[str, str | os.PathLike[str] | None]] = (),
) -> None:
    """Refuse an output that is an input, or another output; each checked with :func:`resolve_output`.

    ``outputs`` and ``inputs`` are (what it is, e.g. ``"--log"`` or ``"the scenario"``,
    path) pairs; a None or empty path is skipped. Raises :class:`OutputError`
    whose ``str()`` is one line: ``"--log: run.yaml: is the scenario; ..."``.
    """
    given_inputs = [(label, path) for label, path in inputs if path]
    seen: list[tuple[str, str | os.PathLike[str]]] = []
    for option, path in outputs:
        if not path:
            continue
        problem = output_problem(path)
        if problem is not None:
            raise OutputError(path, f"{option}: {path}: {problem}")
        for label, source in given_inputs:
            if same_file(path, source):
                raise OutputError(path, f"{option}: {path} is {label}; writing it would destroy it")
        for other, earlier in seen:
            if same_file(path, earlier):
                raise OutputError(
                    path, f"{option}: {path} is also the file of {other}; give each its own file"
                )
        seen.append((option, path))


def open_output(path: str | os.PathLike[str]) -> TextIO:
    """``path`` opened to be written from its start (UTF-8 text); :class:`OutputError` or OSError.

    A symlink is written through to its regular file. The file is opened
    without blocking and checked once open, so a FIFO or a device put in its
    place after :func:`check_distinct` is refused rather than written into.
    """
    target = resolve_output(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(target, flags, 0o666)
    except OSError as exc:
        if exc.errno in (errno.ENXIO, errno.ELOOP):  # a FIFO with no reader, a new symlink
            raise OutputError(
                path, "is not a regular file (it changed after it was checked)"
            ) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OutputError(path, f"is {kind_of(info.st_mode)}, not a regular file")
        os.set_blocking(fd, True)
        os.ftruncate(fd, 0)
        return open(fd, "w", encoding="utf-8")
    except BaseException:
        os.close(fd)
        raise
