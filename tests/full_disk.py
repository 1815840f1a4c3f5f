"""A real full disk for tests: a small tmpfs mounted in the test's folder, then filled.

Mounting needs root (CAP_SYS_ADMIN), as CI runs here; elsewhere the tests
that need it are skipped, saying why.
"""

from __future__ import annotations

import contextlib
import errno
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def small_disk(where: Path, kib: int = 256) -> Iterator[Path]:
    """A tmpfs of ``kib`` KiB mounted at ``where`` (made), unmounted afterwards."""
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={kib}k,mode=0777", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(
            "a full disk needs a small tmpfs, and mounting one failed here "
            f"(root and CAP_SYS_ADMIN needed): {mounted.stderr.strip()}"
        )
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def fill(disk: Path, leave: int = 0) -> None:
    """Fill ``disk`` until no byte fits, then free ``leave`` bytes (about)."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as out:
        try:
            while out.write(b"\0" * 4096):
                pass
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    if leave:
        size = filler.stat().st_size
        with open(filler, "r+b") as out:
            out.truncate(max(0, size - leave))
