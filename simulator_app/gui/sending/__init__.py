"""The desktop app's sending area: run and click-through controls, request log, live stats."""

from __future__ import annotations

from simulator_app.gui.sending.area import SendingArea

__all__ = ["SendingArea"]
