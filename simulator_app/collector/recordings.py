"""A HAR recording imported and judged by the collector's own checks, in this process.

``nitrox-sim import-har`` and the import benchmark both call :func:`import_and_judge`
(the core's :mod:`~simulator_app.core.recording.judge` takes the checker as a
parameter and never imports the collector).
"""

from __future__ import annotations

from simulator_app.collector.checks import Checker
from simulator_app.core.recording.har_reader import Recording
from simulator_app.core.recording.importer import Imported, import_recording
from simulator_app.core.recording.judge import Judged, judge


def import_and_judge(
    recording: Recording, name: str | None = None, keep_identities: bool = False
) -> tuple[Imported, list[Judged]]:
    """The scenario ``recording`` shows, and each recorded request's verdict.

    Raises ValueError (one line) when the recording has no tracker request to import.
    """
    imported = import_recording(recording, name, keep_identities)
    return imported, judge(recording, Checker(full_cart=imported.scenario.tracker.full_cart))
