"""Nitrox Traffic Simulator: realistic shopper traffic for the Nitrox visitor-tracking API."""

from __future__ import annotations

__version__ = "0.1.0"
