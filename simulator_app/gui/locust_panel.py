"""The Locust panel: export the scenario as a locustfile, or run it in Locust and watch.

Locust runs as a subprocess (``python -m locust --headless``), never inside the
app: importing locust would monkey-patch the app's process with gevent. The
panel follows the run through Locust's own output: its console lines, live,
and its ``--csv`` stats file, read once a second into a table (sortable,
the Aggregated row pinned last). Each run writes its locustfile and reports
to a new folder in the reports directory the user chooses (a temporary
folder until then); the panel points to them when the run ends.
"""

from __future__ import annotations

import html
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QProcess,
    QProcessEnvironment,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

import simulator_app
from simulator_app.core.model import Scenario
from simulator_app.core.safety import is_loopback, target_problem
from simulator_app.exporter.files import ConfSettings, write_export
from simulator_app.exporter.locust_stats import (
    read_stats_csv,
    read_stats_json,
    stats_csv_path,
)
from simulator_app.exporter.locustfile import DEFAULT_HOST, ExportError, ExportSettings
from simulator_app.gui.locust_stats_model import LocustStatsModel, PinnedTotalProxy
from simulator_app.gui.widgets import ElidedLabel, ask_user, number, plural

POLL_MS = 1000  # Locust rewrites its stats CSV about once a second
STOP_GRACE_MS = 10_000  # after Stop, how long Locust gets to write its reports before a kill
CONSOLE_LINES = 2000

_Index = QModelIndex | QPersistentModelIndex

# `python -m locust`, in the subprocess, with the stats CSV flushed every second
# (Locust's default, 5 s, would make the live table lag).
_LOCUST_MAIN = (
    "import locust.stats; locust.stats.CSV_STATS_FLUSH_INTERVAL_SEC = 1;"
    " from locust.main import main; main()"
)


def collector_verdicts(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """The collector's (good, bad) per Locust request name between two of its summaries."""
    out: dict[str, tuple[int, int]] = {}
    by_type, bad_by_type = after.get("by_type", {}), after.get("bad_by_type", {})
    old, old_bad = before.get("by_type", {}), before.get("bad_by_type", {})
    for kind, count in by_type.items():
        total = int(count) - int(old.get(kind, 0))
        bad = int(bad_by_type.get(kind, 0)) - int(old_bad.get(kind, 0))
        if total > 0:
            name = kind if kind == "identify" else f"event/{kind}"
            out[name] = (total - bad, bad)
    return out


def locust_environment(pythonpath: str = "") -> dict[str, str]:
    """What the Locust subprocess's environment adds to the app's own.

    The exported file imports ``simulator_app.locust``: the subprocess runs
    this interpreter and finds this very ``simulator_app`` first on its path,
    even when the app runs from a source folder that is not installed (the
    subprocess works in a temporary folder).
    """
    root = str(Path(simulator_app.__file__).resolve().parent.parent)
    paths = [root, *(p for p in pythonpath.split(os.pathsep) if p and p != root)]
    return {"PYTHONPATH": os.pathsep.join(paths), "PYTHONUNBUFFERED": "1"}


class LocustPanel(QWidget):
    """Export a scenario as a locustfile, or run it headless in Locust and follow the run.

    Signals:
        runningChanged(bool): a Locust run started (True) or ended (False).
        runFinished(int): Locust exited, with this exit code (-1: it crashed or was killed).
    """

    runningChanged = Signal(bool)
    runFinished = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scenario: Scenario | None = None
        self._path: str | None = None
        self._target = DEFAULT_HOST
        self._process: QProcess | None = None
        self._run_dir: Path | None = None
        self.reports_dir: Path | None = None  # None: each run in a temporary folder
        self._stopping = False
        # the collector's counts when this run began, and its latest (None: not the collector)
        self._collector_before: dict[str, Any] | None = None
        self._collector_now: dict[str, Any] | None = None
        # asked before Locust sends to another machine; tests replace it
        self.confirm: Callable[[str], bool] = lambda question: ask_user(self, question)

        self.scenario_label = QLabel("No scenario")
        self.target_label = QLabel()
        self.users = QSpinBox(minimum=1, maximum=100_000, value=10)
        self.spawn_rate = QDoubleSpinBox(minimum=0.1, maximum=10_000.0, value=5.0, decimals=1)
        self.duration = QSpinBox(minimum=1, maximum=7 * 24 * 3600, value=60, suffix=" s")
        self.think_scale = QDoubleSpinBox(minimum=0.0, maximum=100.0, value=1.0, decimals=2)
        self.think_scale.setToolTip(
            "Multiply every think time by this; 0 sends as fast as Locust can"
        )
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow("Scenario", self.scenario_label)
        form.addRow("Target", self.target_label)
        form.addRow("Users", self.users)
        form.addRow("Spawn rate (users/s)", self.spawn_rate)
        form.addRow("Duration", self.duration)
        form.addRow("Think-time scale", self.think_scale)

        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip(
            "Write a locustfile (it imports simulator_app.locust) and locust.conf"
        )
        self.run_button = QPushButton("Run in Locust")
        self.stop_button = QPushButton("Stop")
        buttons = QHBoxLayout()
        for button in (self.export_button, self.run_button, self.stop_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        self.reports_label = ElidedLabel()
        self.choose_reports = QPushButton("Choose…")
        self.choose_reports.setToolTip("the folder each run's reports are written to")
        reports_row = QHBoxLayout()
        reports_row.addWidget(self.reports_label, 1)
        reports_row.addWidget(self.choose_reports)
        form.addRow("Reports in", reports_row)
        self.set_reports_dir(None)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.stats_model = LocustStatsModel(self)
        self.stats_proxy = PinnedTotalProxy(self)
        self.stats_proxy.setSourceModel(self.stats_model)
        self.stats_view = QTableView()
        self.stats_view.setModel(self.stats_proxy)
        self.stats_view.setSortingEnabled(True)
        self.stats_view.sortByColumn(1, Qt.SortOrder.AscendingOrder)
        self.stats_view.verticalHeader().hide()
        self.stats_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.console = QPlainTextEdit(readOnly=True)
        self.console.setMaximumBlockCount(CONSOLE_LINES)
        self.console.setPlaceholderText("Locust's output appears here while it runs.")
        self.console.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.console.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.reports = QLabel()
        self.reports.setTextFormat(Qt.TextFormat.RichText)
        self.reports.setOpenExternalLinks(True)
        self.reports.setWordWrap(True)
        self.reports.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)

        # Settings on the left, Locust's figures and output on the right (as in the Send tab),
        # so the stats table gets the window's height.
        side = QWidget()
        side.setMaximumWidth(420)
        settings = QVBoxLayout(side)
        settings.setContentsMargins(0, 0, 0, 0)
        settings.addLayout(form)
        settings.addLayout(buttons)
        settings.addWidget(self.status)
        settings.addWidget(self.reports)
        settings.addStretch(1)
        results = QVBoxLayout()
        results.addWidget(self.stats_view, 3)
        results.addWidget(self.console, 2)
        layout = QHBoxLayout(self)
        layout.addWidget(side, 0)
        layout.addLayout(results, 1)

        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._read_stats)
        self._kill_timer = QTimer(self)
        self._kill_timer.setSingleShot(True)
        self._kill_timer.timeout.connect(self._kill)

        self.export_button.clicked.connect(self._ask_export)
        self.choose_reports.clicked.connect(self._ask_reports_dir)
        self.run_button.clicked.connect(self.start_run)
        self.stop_button.clicked.connect(self.stop_run)
        self.set_target(DEFAULT_HOST)
        self._update_buttons()

    # -- what to run ------------------------------------------------------------

    def set_scenario(self, scenario: Scenario | None, path: str | None) -> None:
        """The scenario to export or run (None: nothing yet) and the file it came from."""
        self._scenario = scenario
        self._path = path
        if scenario is None:
            self.scenario_label.setText("No scenario")
        else:
            where = f" ({Path(path).name})" if path else ""
            self.scenario_label.setText(f"{scenario.name}{where}")
        self._update_buttons()

    def set_target(self, url: str) -> None:
        """Where Locust sends: the app's target, normally the embedded collector."""
        self._target = url.rstrip("/")
        self.target_label.setText(self._target)
        self._update_buttons()

    @property
    def target(self) -> str:
        return self._target

    def export_settings(self) -> ExportSettings:
        """What an export writes: the think scale, and the target this panel shows."""
        # before the collector is up there is no target yet: the collector's usual address
        return ExportSettings(
            think_scale=self.think_scale.value(), host=self._target or DEFAULT_HOST
        )

    def set_reports_dir(self, folder: Path | None) -> None:
        """Where runs write their reports (None: a temporary folder per run)."""
        self.reports_dir = folder
        self.reports_label.setText(str(folder) if folder else "a temporary folder per run")

    def _ask_reports_dir(self) -> None:
        if self.reports_dir is not None:
            start = str(self.reports_dir)
        else:
            start = str(Path(self._path).parent) if self._path else ""
        chosen = QFileDialog.getExistingDirectory(self, "Write Locust reports to", start)
        if chosen:
            self.set_reports_dir(Path(chosen))

    def _new_run_dir(self) -> Path:
        if self.reports_dir is None:
            return Path(tempfile.mkdtemp(prefix="nitrox-locust-"))
        stamp = time.strftime("%Y%m%d-%H%M%S")
        run_dir, n = self.reports_dir / f"locust-{stamp}", 2
        while run_dir.exists():
            run_dir, n = self.reports_dir / f"locust-{stamp}-{n}", n + 1
        run_dir.mkdir(parents=True)
        return run_dir

    def is_running(self) -> bool:
        return (
            self._process is not None and self._process.state() != QProcess.ProcessState.NotRunning
        )

    @property
    def run_dir(self) -> Path | None:
        """The folder of the current or last run: locustfile, CSV and HTML reports."""
        return self._run_dir

    # -- export -------------------------------------------------------------------

    def _ask_export(self) -> None:
        if self._scenario is None:
            return
        stem = Path(self._path).stem if self._path else "locustfile"
        start = str(Path(self._path).with_name(f"{stem}_locust.py")) if self._path else f"{stem}.py"
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export Locust file", start, "Python files (*.py)"
        )
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> bool:
        """Write the locustfile (and locust.conf beside it) to ``path``; say what happened."""
        if self._scenario is None:
            self._say("Open or build a scenario first.")
            return False
        if not path.endswith(".py"):
            path += ".py"
        conf = ConfSettings(
            self.users.value(), self.spawn_rate.value(), f"{self.duration.value()}s"
        )
        try:
            written = write_export(self._scenario, path, self.export_settings(), conf)
        except ExportError as exc:
            self._say(f"Export failed: {exc}")
            return False
        self._say(
            "Wrote " + " and ".join(str(p) for p in written) + f". Run it: locust -f {written[0]}"
        )
        return True

    # -- run ----------------------------------------------------------------------

    def _run_problem(self) -> str | None:
        if self._scenario is None:
            return "Open or build a scenario first."
        problem = target_problem(self._target)
        if problem:
            return f"Target: {problem}"
        if not is_loopback(self._target) and not self.confirm(
            f"{self._target} is not on this machine. Locust will send it the traffic of"
            f" {self.users.value()} users for {self.duration.value()} s"
            f" (think times × {self.think_scale.value():g}). Send real traffic there?"
        ):
            return "Not started: the target was not confirmed."
        return None

    def start_run(self) -> bool:
        """Export to a fresh folder and start Locust headless on it; False when it cannot."""
        if self.is_running():
            return False
        problem = self._run_problem()
        if problem or self._scenario is None:
            self._say(problem or "")
            return False
        try:
            run_dir = self._new_run_dir()
        except OSError as exc:
            self._say(f"Cannot write reports to {self.reports_dir}: {exc.strerror or exc}")
            return False
        locustfile = run_dir / "locustfile.py"
        try:
            write_export(self._scenario, locustfile, self.export_settings(), conf=None)
        except ExportError as exc:
            self._say(f"Export failed: {exc}")
            return False
        self._run_dir = run_dir
        self._stopping = False
        self._collector_before = self._collector_now
        self.stats_model.set_verdicts(None)
        self.stats_model.set_rows([])
        self.console.clear()
        self.reports.clear()
        process = QProcess(self)
        process.setProgram(sys.executable)
        process.setArguments(self._locust_arguments(locustfile, run_dir))
        # the run folder holds no locust.conf: only the settings shown here apply
        process.setWorkingDirectory(str(run_dir))
        env = QProcessEnvironment.systemEnvironment()
        for name, value in locust_environment(env.value("PYTHONPATH")).items():
            env.insert(name, value)
        process.setProcessEnvironment(env)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        process.readyReadStandardOutput.connect(self._read_console)
        process.finished.connect(self._on_finished)
        process.errorOccurred.connect(self._on_error)
        self._process = process
        process.start()
        self._poll.start()
        self._say(
            f"Starting Locust: {plural(self.users.value(), 'user')} for {self.duration.value()} s…"
        )
        self._update_buttons()
        self.runningChanged.emit(True)
        return True

    def _locust_arguments(self, locustfile: Path, run_dir: Path) -> list[str]:
        return [
            *("-c", _LOCUST_MAIN, "-f", str(locustfile), "--headless"),
            *("--host", self._target, "-u", str(self.users.value())),
            *("-r", f"{self.spawn_rate.value():g}", "-t", f"{self.duration.value()}s"),
            *("--stop-timeout", "5", "--think-scale", f"{self.think_scale.value():g}"),
            *("--csv", str(run_dir / "stats"), "--html", str(run_dir / "report.html")),
            *("--json-file", str(run_dir / "final")),
            # start_run asked first: the file itself refuses another machine without it
            *(() if is_loopback(self._target) else ("--allow-remote",)),
        ]

    def stop_run(self) -> None:
        """End the run cleanly (Ctrl-C, so Locust writes its reports), killing it if it hangs."""
        process = self._process
        if process is None or not self.is_running():
            return
        self._stopping = True
        pid = int(process.processId())
        if os.name == "posix" and pid > 0:
            os.kill(pid, signal.SIGINT)
        else:
            process.terminate()
        self._kill_timer.start(STOP_GRACE_MS)
        self._say("Stopping Locust…")
        self._update_buttons()

    def shutdown(self, wait_ms: int = 5000) -> None:
        """End any run now and wait for it (the app is closing): no process outlives the app."""
        process = self._process
        if process is None or not self.is_running():
            return
        self.stop_run()
        if not process.waitForFinished(wait_ms):
            process.kill()
            process.waitForFinished(wait_ms)

    def _kill(self) -> None:
        if self._process is not None and self.is_running():
            self._process.kill()

    # -- following the run ----------------------------------------------------------

    def _read_console(self) -> None:
        if self._process is None:
            return
        text = bytes(self._process.readAllStandardOutput().data()).decode("utf-8", "replace")
        if text:
            self.console.appendPlainText(text.rstrip("\n"))

    def set_collector_summary(self, summary: dict[str, Any] | None) -> None:
        """The embedded collector's latest counts (None when Locust's target is not it).

        Shown beside Locust's own figures: what the collector judged of the
        requests since this run began, per request name. Locust counts a
        request failed only on its status; a bad verdict shows here.
        """
        self._collector_now = summary
        before = self._collector_before
        if summary is None or before is None or self._run_dir is None:
            self.stats_model.set_verdicts(None)
            return
        self.stats_model.set_verdicts(collector_verdicts(before, summary))

    def collector_line(self) -> str:
        """The collector's verdicts of this run in one line ("" when it does not judge it)."""
        total = self.stats_model.total()
        judged = self.stats_model.verdicts_of(total) if total is not None else None
        if judged is None:
            return ""
        return f" · the collector judged {judged[0]:,} good, {judged[1]:,} bad"

    def _read_stats(self) -> None:
        if self._run_dir is None:
            return
        rows = read_stats_csv(stats_csv_path(self._run_dir / "stats"))
        if rows:
            self.stats_model.set_rows(rows)
            total = self.stats_model.total()
            if total is not None and self.is_running() and not self._stopping:
                self._say(
                    f"Running: {plural(total.requests, 'request')},"
                    f" {plural(total.failures, 'failure')} (Locust's),"
                    f" {number(total.rps)} req/s{self.collector_line()}"
                )

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._say(f"Could not start Locust with {sys.executable}: is it installed?")
            self._end_run(-1)

    def _on_finished(self, exit_code: int, status: QProcess.ExitStatus) -> None:
        self._read_console()
        code = exit_code if status == QProcess.ExitStatus.NormalExit else -1
        self._end_run(code)

    def _end_run(self, code: int) -> None:
        self._poll.stop()
        self._kill_timer.stop()
        self._read_stats()
        if self._run_dir is not None:  # the CSV can miss the last second; the JSON cannot
            final = read_stats_json(self._run_dir / "final.json")
            if final:
                self.stats_model.set_rows(final)
        total = self.stats_model.total()
        figures = (
            f": {plural(total.requests, 'request')}, {plural(total.failures, 'failure')}"
            f" (Locust's){self.collector_line()}"
            if total
            else ""
        )
        how = "stopped" if self._stopping else "finished"
        self._say(f"Locust {how} (exit code {code}){figures}.")
        self._show_reports()
        if self._process is not None:
            self._process.deleteLater()
            self._process = None
        self._stopping = False
        self._update_buttons()
        self.runningChanged.emit(False)
        self.runFinished.emit(code)

    def _show_reports(self) -> None:
        if self._run_dir is None:
            return
        links = []
        for name, label in (("report.html", "HTML report"), ("stats_stats.csv", "CSV stats")):
            path = self._run_dir / name
            if path.exists():
                links.append(f'<a href="{QUrl.fromLocalFile(str(path)).toString()}">{label}</a>')
        folder = QUrl.fromLocalFile(str(self._run_dir)).toString()
        found = ", ".join(links) if links else "no reports were written"
        self.reports.setText(
            f'{found} — in <a href="{folder}">{html.escape(str(self._run_dir))}</a>'
        )

    # -- helpers ------------------------------------------------------------------

    def _say(self, message: str) -> None:
        self.status.setText(message)

    def _update_buttons(self) -> None:
        running = self.is_running()
        has_scenario = self._scenario is not None
        self.export_button.setEnabled(has_scenario)
        self.run_button.setEnabled(has_scenario and not running)
        self.stop_button.setEnabled(running and not self._stopping)
        for field in (
            self.users,
            self.spawn_rate,
            self.duration,
            self.think_scale,
            self.choose_reports,
        ):
            field.setEnabled(not running)
