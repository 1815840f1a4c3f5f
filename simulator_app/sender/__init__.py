"""The live sender: sends the journey engine's requests with httpx, logs and measures them.

:class:`LoadRun` runs a scenario (the CLI and the desktop app drive it);
:func:`send_one` sends a single planned request for click-through mode.
"""

from __future__ import annotations

from simulator_app.sender.exchange import send_one
from simulator_app.sender.runner import LoadRun, Progress, RunResult, RunSettings

__all__ = ["LoadRun", "Progress", "RunResult", "RunSettings", "send_one"]
