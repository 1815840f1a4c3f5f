"""The panels other parts of the app provide, when they are present in this installation.

The sending area and the Locust panel are built separately; the main window
shows a tab for each one that is present.
"""

from __future__ import annotations

import importlib
from typing import Any


def _optional(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise  # the panel is there but something it needs is not: say so
        return None


SendingArea: Any = _optional("simulator_app.gui.sending", "SendingArea")
LocustPanel: Any = _optional("simulator_app.gui.locust_panel", "LocustPanel")
