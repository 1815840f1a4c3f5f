"""Writing an export to disk: the locustfile (thin or bundled) and, beside it, its locust.conf.

Shared by ``nitrox-sim export-locust`` and the desktop app's Locust panel, so
both refuse the same things: an output that is not a ``.py`` file, and a
``locust.conf`` that someone else wrote (it is never overwritten).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from simulator_app.core.inputs import InputError, read_bounded
from simulator_app.core.model import Scenario
from simulator_app.core.outputs import output_problem
from simulator_app.exporter.bundle import bundle_locustfile
from simulator_app.exporter.locustfile import (
    CONF_MARKER,
    ExportError,
    ExportSettings,
    export_locustfile,
    locust_conf,
)


@dataclass(frozen=True, slots=True)
class ConfSettings:
    """What locust.conf says about the run: users, spawn rate, run time."""

    users: int = 10
    spawn_rate: float = 5.0
    run_time: str = "1m"


def write_export(
    scenario: Scenario,
    output: str | Path,
    settings: ExportSettings | None = None,
    conf: ConfSettings | None = ConfSettings(),
    bundle: bool = False,
) -> list[Path]:
    """Write the locustfile (and locust.conf unless ``conf`` is None); the paths written.

    ``bundle`` writes the self-contained form (:mod:`simulator_app.exporter.bundle`)
    instead of the thin one. Raises :class:`ExportError` with a one-line
    message; nothing is written then.
    """
    settings = settings or ExportSettings()
    path = Path(output)
    if path.suffix != ".py":
        raise ExportError(f"{path}: the output must be a .py file (locust loads it as Python)")
    text = (bundle_locustfile if bundle else export_locustfile)(scenario, settings)
    conf_text = (
        None
        if conf is None
        else locust_conf(conf.users, conf.spawn_rate, conf.run_time, settings.host)
    )  # checked before anything is written
    conf_path = path.parent / "locust.conf"
    if conf is not None and conf_path.exists():
        try:  # a bounded read: the path may be a FIFO or a device
            existing = read_bounded(conf_path, 1 << 20, "locust.conf").decode("utf-8", "replace")
        except (InputError, OSError):
            existing = ""
        if not existing.startswith(CONF_MARKER):
            raise ExportError(
                f"{conf_path}: exists and was not written by nitrox-sim; remove it or skip locust.conf"
            )
    for output in (path, conf_path) if conf is not None else (path,):
        # a FIFO, a device, a folder: never written into (a missing folder is made below)
        problem = output_problem(output) if os.path.lexists(output) else None
        if problem is not None:
            raise ExportError(f"{output}: {problem}")
    written = [path]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if conf_text is not None:
            conf_path.write_text(conf_text, encoding="utf-8")
            written.append(conf_path)
    except OSError as exc:
        raise ExportError(f"{exc.filename or path}: cannot write: {exc.strerror}") from None
    return written
