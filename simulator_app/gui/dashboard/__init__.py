"""The live dashboard: charts of a run as it goes, in the window or a window of its own."""

import os

# pyqtgraph picks a Qt binding at import: the app's, never another one installed beside it.
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

from simulator_app.gui.dashboard.view import Dashboard, DashboardHost

__all__ = ["Dashboard", "DashboardHost"]
