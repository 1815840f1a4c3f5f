"""Take the README's screenshot: ``python -m simulator_app.gui.screenshot OUT.png [SCENARIO]``.

Starts the app offscreen with throw-away settings and its own embedded
collector, opens the scenario (``scenarios/demo_mix.yaml`` by default),
selects a step so the editor shows, and saves the main window at 1400x900.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

WIDTH, HEIGHT = 1400, 900


def take(out: Path, scenario: Path) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from simulator_app.gui.main_window import MainWindow

    _app = QApplication.instance() or QApplication([sys.argv[0]])  # kept alive until the end
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings)
        try:
            if not window.open_file(scenario):
                raise SystemExit(f"{scenario}: could not be opened: {window.banner.text.text()}")
            window.resize(WIDTH, HEIGHT)
            window.show()
            window.builder.select_journey(2)
            window.builder.select_step(3)
            window.collector.wait_started()
            # Let queued signals and layouts settle. (An event loop, not a processEvents()
            # loop: PySide6 6.12's processEvents() drops a reference to None per call.)
            loop = QEventLoop()
            QTimer.singleShot(1500, loop.quit)
            loop.exec()
            window.grab().save(str(out))
        finally:
            window.document.undo_stack.setClean()
            window.shutdown()
            window.close()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or len(args) > 2:
        print("usage: python -m simulator_app.gui.screenshot OUT.png [SCENARIO]", file=sys.stderr)
        return 2
    scenario = Path(args[1]) if len(args) > 1 else Path("scenarios/demo_mix.yaml")
    take(Path(args[0]), scenario)
    print(f"saved {args[0]} ({WIDTH}x{HEIGHT})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
