"""The live sender: sends the journey engine's requests, logs and measures them.

:class:`LoadRun` runs a scenario (the CLI and the desktop app drive it);
:class:`SingleSender` and :func:`send_one` send single planned requests for
click-through mode, on the same send path.
"""

from __future__ import annotations

from simulator_app.sender.exchange import SingleSender, send_one
from simulator_app.sender.runner import LoadRun, Progress, RunResult, RunSettings

__all__ = ["LoadRun", "Progress", "RunResult", "RunSettings", "SingleSender", "send_one"]
