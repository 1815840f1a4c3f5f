"""The main window: menus, the builder tabs, the sending area, problems, and the collector.

Above: the scenario (builder, store, target & IDs, identities, scenario and
tracker settings), each page scrolling in its tab so the window fits a
laptop. Below: the sending area and the Locust panel, each fed the current
scenario (None while it has problems) and target. At the bottom: every
problem of the scenario, named as the window shows the field; a click selects
that field. Opening and saving files is :class:`~.file_window.FileWindow`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSettings, QSize, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QGuiApplication,
    QKeySequence,
    QMoveEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QProgressBar,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from simulator_app.core.setup_warnings import setup_warnings
from simulator_app.gui.builder import ScenarioBuilder
from simulator_app.gui.collector_service import CollectorService
from simulator_app.gui.document import ScenarioDocument
from simulator_app.gui.file_window import Banner, FileWindow
from simulator_app.gui.fonts import missing_font_message, missing_scripts, system_has_font
from simulator_app.gui.identities_panel import IdentitiesPanel
from simulator_app.gui.import_har import add_import_har_action
from simulator_app.gui.locust_panel import LocustPanel
from simulator_app.gui.navigation import (
    FIRST_LAUNCH_HINT,
    FIRST_LAUNCH_KEY,
    GuideDialog,
    RecentFiles,
    ShortcutsDialog,
    example_scenarios,
    example_title,
    shortcut_rows,
)
from simulator_app.gui.problems import WARNING_STYLE, ProblemsList
from simulator_app.gui.scenario_panel import ScenarioPanel
from simulator_app.gui.sending import SendingArea
from simulator_app.gui.store_panel import StorePanel
from simulator_app.gui.target_panel import TargetPanel
from simulator_app.gui.widgets import PROBLEM_STYLE, number, plural, scrolled

# After showing, when to look whether the window manager has framed the window (ms)
FRAME_CHECKS_MS = (50, 250, 1000)


class MainWindow(FileWindow):
    """The app's one window. ``settings`` is where it remembers things between sessions."""

    def __init__(
        self,
        settings: QSettings,
        start_collector: bool = True,
        parent: QWidget | None = None,
        defer_preview: bool = False,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.recent = RecentFiles(settings)
        self.document = ScenarioDocument(self)
        self.collector = CollectorService(self)

        self.builder = ScenarioBuilder(self.document)
        self.store_panel = StorePanel(self.document)
        self.target_panel = TargetPanel(self.document, self.collector)
        # the app draws the visitors preview after its first paint (show_preview)
        self.identities_panel = IdentitiesPanel(self.document, deferred=defer_preview)
        # Every page scrolls rather than holding the window open: it fits a laptop's screen.
        self.scenario_panel = ScenarioPanel(self.document)
        self.scenario_tabs = QTabWidget()
        self.scenario_tabs.addTab(scrolled(self.builder), "Journeys")
        self.scenario_tabs.addTab(scrolled(self.store_panel), "Store && catalog")
        self.scenario_tabs.addTab(scrolled(self.target_panel), "Target && IDs")
        self.scenario_tabs.addTab(scrolled(self.identities_panel), "Identities")
        self.scenario_tabs.addTab(scrolled(self.scenario_panel), "Scenario && tracker")

        self.run_tabs = QTabWidget()
        self.sending = SendingArea()
        self.sending.set_document(self.document)  # run settings edited there are saved to the file
        self.run_tabs.addTab(scrolled(self.sending), "Send")
        self.locust = LocustPanel()
        self.run_tabs.addTab(scrolled(self.locust), "Locust")

        self.banner = Banner()
        self.hint = Banner(problem=False)  # first launch, missing fonts: said once
        self.hint.action.hide()
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(4, 4, 4, 4)
        central_layout.addWidget(self.banner)
        central_layout.addWidget(self.hint)
        # Scenario above, sending below: both get the full width the log and editor need.
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.scenario_tabs)
        self.splitter.addWidget(self.run_tabs)
        self.splitter.setSizes([480, 380])
        central_layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.problems = ProblemsList()
        self.problems.setStyleSheet(PROBLEM_STYLE)
        # The list takes its room from the splitter above, never from the screen.
        self.problems.setMaximumHeight(160)
        dock = QDockWidget("Problems", self)
        dock.setObjectName("problems")
        dock.setWidget(self.problems)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.problems_dock = dock
        self.problems_label = QLabel()
        self.statusBar().addPermanentWidget(self.problems_label)
        self.statusBar().addPermanentWidget(self.sending.counts_label)

        self.collector_label = QLabel("Collector: starting…")
        self.collector_label.setOpenExternalLinks(True)
        self.statusBar().addPermanentWidget(self.collector_label)

        self._make_actions()
        self.import_har_action = add_import_har_action(self)
        self.document.validated.connect(self._scenario_changed)
        self.document.file_changed.connect(self._update_title)
        self.document.undo_stack.cleanChanged.connect(lambda _clean: self._update_title())
        self.target_panel.target_changed.connect(self._target_changed)
        self.target_panel.collector_port_changed.connect(self._restart_collector)
        self.collector.started.connect(self._collector_started)
        self.collector.failed.connect(self._collector_failed)
        self.collector.summary_changed.connect(self._collector_summary)
        self.banner.action.clicked.connect(self._open_anyway)
        self.problems.field_chosen.connect(self.select_field)

        custom = settings.value("target/custom", False, type=bool)
        url = str(settings.value("target/url", "", type=str))
        port = int(str(settings.value("collector/port", 0, type=int)))
        self.target_panel.set_target_settings(bool(custom), url, port)
        self._fitted: QSize | None = None  # the size fit_screen gave a window not yet framed
        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 900)
        self.fit_screen()
        self._scenario_changed()
        self._update_title()
        self._first_launch_hint()
        # whether a font has a script; tests put a fake one in before calling check_fonts
        self.font_check: Callable[[str], bool] = system_has_font
        self._fonts_reported: set[str] = set()
        self.identities_panel.preview_changed.connect(self.check_fonts)
        self.check_fonts()
        self._collector_port = port
        if start_collector:
            self.start_collector()

    def start_collector(self) -> None:
        """Start the embedded collector on the port the settings keep (app start-up)."""
        self.collector.start(self._collector_port)

    def fit_screen(self) -> None:
        """Keep the window inside the screen's free area (a 1280x720 laptop shows it whole)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        free = screen.availableGeometry()
        frame = self.frameGeometry().size() - self.geometry().size()  # title bar and borders
        width = min(self.width(), free.width() - frame.width())
        height = min(self.height(), free.height() - frame.height())
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        if not free.contains(self.frameGeometry()):
            self.move(free.topLeft())
        self._fitted = None if self._framed() else self.size()

    def _framed(self) -> bool:
        return self.frameGeometry().size() != self.geometry().size()

    def moveEvent(self, event: QMoveEvent) -> None:
        super().moveEvent(event)
        self._check_frame()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # A window put back where it was gets no move when framed: look a few times instead.
        for delay in FRAME_CHECKS_MS:
            QTimer.singleShot(delay, self, self._check_frame)  # (none once the window is gone)

    def _check_frame(self) -> None:
        """Fit again once the window manager has framed the window (its title bar is known).

        Before the window is shown its frame is unknown, so the first fit leaves no room for
        the title bar: under a window manager the status bar would hang below the screen.
        Only a window nobody has resized since is fitted again.
        """
        fitted = self._fitted
        if fitted is not None and self._framed():
            self._fitted = None
            QTimer.singleShot(0, self, lambda: self._fit_unless_resized(fitted))

    def _fit_unless_resized(self, fitted: QSize) -> None:
        if self.size() == fitted:  # a size someone chose stays as it is
            self.fit_screen()

    # -- actions ---------------------------------------------------------------

    def _action(self, text: str, key: QKeySequence.StandardKey) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(key))
        return action

    def _make_actions(self) -> None:
        stack = self.document.undo_stack
        self.new_action = self._action("&New", QKeySequence.StandardKey.New)
        self.open_action = self._action("&Open…", QKeySequence.StandardKey.Open)
        self.save_action = self._action("&Save", QKeySequence.StandardKey.Save)
        self.save_as_action = self._action("Save &As…", QKeySequence.StandardKey.SaveAs)
        self.quit_action = self._action("&Quit", QKeySequence.StandardKey.Quit)
        self.undo_action = stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        # On the toolbar: one word each; the menu says what will be undone. A long undo text
        # would push the run's controls into the toolbar's overflow on a small screen.
        self.undo_action.setIconText("Undo")
        self.redo_action.setIconText("Redo")
        self.guide_action = QAction("&Guide", self)
        self.guide_action.setShortcut(QKeySequence.StandardKey.HelpContents)
        self.shortcuts_action = QAction("&Keyboard shortcuts", self)
        self.shortcuts_action.setShortcut(QKeySequence("Ctrl+/"))
        self.start_action = QAction("&Start the run", self)
        self.start_action.setShortcuts(
            [QKeySequence("F5"), QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")]
        )
        self.start_action.setIconText("Start")
        self.filter_action = QAction("&Filter the log", self)
        self.filter_action.setShortcut(QKeySequence.StandardKey.Find)
        self.guide_action.triggered.connect(self.show_guide)
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        self.start_action.triggered.connect(self.start_run)
        self.filter_action.triggered.connect(self.focus_log_filter)
        self.dashboard_action = QAction("&Dashboard or log", self)
        self.dashboard_action.setShortcut(QKeySequence("Ctrl+D"))
        self.dashboard_action.triggered.connect(self.toggle_dashboard)
        run = self.sending.run_panel
        dashboard = self.sending.dashboard
        self.pause_action = self._key_action("&Pause or resume the run", ("F6",), run.toggle_pause)
        self.pause_action.setIconText("Pause")
        self.stop_action = self._key_action("S&top the run", ("Shift+F5",), run.stop)
        self.stop_action.setIconText("Stop")
        self.next_action = self._key_action(
            "&Next request (click-through)", ("F10",), self.next_request
        )
        self.to_end_action = self._key_action(
            "Run to &end (click-through)", ("Shift+F10",), self.run_to_end
        )
        self.reset_action = self._key_action(
            "&Reset the visitor (click-through)", ("Ctrl+Shift+R",), self.reset_visitor
        )
        self.new_visitor_action = self._key_action(
            "New &visitor (click-through)", ("Ctrl+Shift+N",), self.new_visitor
        )
        self.next_bad_action = self._key_action(
            "Next &bad or failed row", ("F8",), self.next_bad_row
        )
        self.full_screen_action = self._key_action(
            "Dashboard &full screen", ("F11",), dashboard.toggle_full_screen
        )
        self.projector_action = self._key_action(
            "&Projector mode (high contrast, large text)", ("Ctrl+Shift+P",), self.toggle_projector
        )
        self.zoom_in_action = self._key_action(
            "Dashboard zoom &in", ("Ctrl++", "Ctrl+="), dashboard.zoom_in
        )
        self.zoom_out_action = self._key_action(
            "Dashboard zoom &out", ("Ctrl+-",), dashboard.zoom_out
        )
        self.zoom_reset_action = self._key_action(
            "Dashboard zoom &reset", ("Ctrl+0",), dashboard.zoom_reset
        )
        run.controls_changed.connect(self._sync_run_actions)
        self.new_action.triggered.connect(self.new_file)
        self.open_action.triggered.connect(lambda: self.open_file())
        self.save_action.triggered.connect(self.save)
        self.save_as_action.triggered.connect(self.save_as)
        self.quit_action.triggered.connect(self.close)

        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.new_action)
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.examples_menu = file_menu.addMenu("&Examples")
        for example in example_scenarios():
            action = self.examples_menu.addAction(example_title(example))
            action.setToolTip(str(example))
            action.triggered.connect(lambda _c=False, p=example: self.open_example(p))
        self.examples_menu.setEnabled(not self.examples_menu.isEmpty())
        file_menu.addAction(self.save_action)
        file_menu.addAction(self.save_as_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = self.menuBar().addMenu("&Edit")
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        view_menu = self.menuBar().addMenu("&View")
        # Collapsing the editor gives the log the whole height of a short screen.
        self.editor_action = QAction("Scenario &editor", self)
        self.editor_action.setCheckable(True)
        self.editor_action.setChecked(True)
        self.editor_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.editor_action.toggled.connect(self.scenario_tabs.setVisible)
        view_menu.addAction(self.editor_action)
        view_menu.addAction(self.problems_dock.toggleViewAction())
        view_menu.addAction(self.dashboard_action)
        for action in (
            self.full_screen_action,
            self.projector_action,
            self.zoom_in_action,
            self.zoom_out_action,
            self.zoom_reset_action,
        ):
            view_menu.addAction(action)
        run_menu = self.menuBar().addMenu("&Run")
        for action in (self.start_action, self.pause_action, self.stop_action):
            run_menu.addAction(action)
        run_menu.addSeparator()
        for action in (
            self.next_action,
            self.to_end_action,
            self.reset_action,
            self.new_visitor_action,
        ):
            run_menu.addAction(action)
        run_menu.addSeparator()
        run_menu.addAction(self.next_bad_action)
        run_menu.addAction(self.filter_action)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self.guide_action)
        help_menu.addAction(self.shortcuts_action)

        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.setMovable(False)
        for action in (
            self.new_action,
            self.open_action,
            self.save_action,
            self.save_as_action,
            self.undo_action,
            self.redo_action,
        ):
            toolbar.addAction(action)
        # The run's controls and progress, always in sight whatever the panes below show.
        toolbar.addSeparator()
        for action in (self.start_action, self.pause_action, self.stop_action):
            toolbar.addAction(action)
        self.toolbar_progress = QProgressBar()
        self.toolbar_progress.setFormat("%v / %m visitors")
        self.toolbar_progress.setRange(0, 1)
        self.toolbar_progress.setValue(0)
        self.toolbar_progress.setMaximumWidth(220)
        self.toolbar_progress.setMinimumWidth(120)
        self.toolbar_progress.setToolTip("the run's visitors so far")
        toolbar.addWidget(self.toolbar_progress)
        self.toolbar = toolbar
        self.sending.progress_changed.connect(self._show_toolbar_progress)
        self._sync_run_actions()

    def _key_action(self, text: str, keys: tuple[str, ...], slot: Callable[[], object]) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _sync_run_actions(self) -> None:
        """The toolbar's Start, Pause and Stop follow the Run tab's buttons (one state)."""
        run = self.sending.run_panel
        for action, button in (
            (self.start_action, run.start_button),
            (self.pause_action, run.pause_button),
            (self.stop_action, run.stop_button),
        ):
            action.setEnabled(button.isEnabled())
            action.setToolTip(button.toolTip() or button.text())
        self.pause_action.setIconText(run.pause_button.text())

    def _show_toolbar_progress(self, done: int, total: int, line: str) -> None:
        bar = self.toolbar_progress
        bar.setMaximum(max(1, total))
        bar.setValue(min(done, max(1, total)))
        bar.setToolTip(line)

    # -- keyboard-driven QA ---------------------------------------------------------

    def _click_through(self) -> None:
        self.run_tabs.setCurrentIndex(0)
        self.sending.modes.setCurrentIndex(1)

    def next_request(self) -> None:
        """F10: send the click-through visitor's next request."""
        self._click_through()
        self.sending.click_panel.next_step()

    def run_to_end(self) -> None:
        self._click_through()
        self.sending.click_panel.run_to_end()

    def reset_visitor(self) -> None:
        self._click_through()
        self.sending.click_panel.reset()

    def new_visitor(self) -> None:
        self._click_through()
        self.sending.click_panel.new_visitor()

    def next_bad_row(self) -> None:
        """F8: the next failed or bad request in the log."""
        self.run_tabs.setCurrentIndex(0)
        self.sending.views.setCurrentWidget(self.sending.log)
        self.sending.log.next_problem()

    def toggle_dashboard(self) -> None:
        """Ctrl+D: the dashboard, or back to the log when it is in front."""
        self.run_tabs.setCurrentIndex(0)
        sending = self.sending
        if sending.dashboard_host.window_ is None and sending.views.currentWidget() is (
            sending.dashboard_host
        ):
            sending.views.setCurrentWidget(sending.log)
        else:
            sending.show_dashboard()

    def toggle_projector(self) -> None:
        dashboard = self.sending.dashboard
        self.show_dashboard()
        dashboard.set_projector(not dashboard.projector)

    # -- help and shortcuts --------------------------------------------------------

    def show_guide(self) -> None:
        GuideDialog(self).open()

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """Every shortcut of the window (menus, toolbar and panels), as the Help list shows it."""
        return shortcut_rows(self.findChildren(QAction))

    def show_shortcuts(self) -> None:
        ShortcutsDialog(self.shortcut_rows(), self).open()

    def start_run(self) -> None:
        """Ctrl+Enter: start a load run of the scenario (the Send tab comes to the front)."""
        self.run_tabs.setCurrentIndex(0)
        self.sending.start()

    def focus_log_filter(self) -> None:
        """Ctrl+F: to the request log's search box."""
        self.run_tabs.setCurrentIndex(0)
        self.sending.focus_filter()

    def show_dashboard(self) -> None:
        """Ctrl+D: the live dashboard (in the window, or its own window when detached)."""
        self.run_tabs.setCurrentIndex(0)
        self.sending.show_dashboard()

    def _first_launch_hint(self) -> None:
        if self.settings.value(FIRST_LAUNCH_KEY, False, type=bool):
            return
        self.settings.setValue(FIRST_LAUNCH_KEY, True)
        self.show_hint(FIRST_LAUNCH_HINT)

    def show_hint(self, text: str) -> None:
        """A hint across the top (added to the one shown, if any) until dismissed."""
        shown = self.hint.text.text() if not self.hint.isHidden() else ""
        self.hint.text.setText(f"{shown}\n{text}" if shown else text)
        self.hint.show()

    def select_field(self, path: tuple[str | int, ...]) -> None:
        """Show and focus the field at ``path`` (a problem in the list was clicked)."""
        section = path[0] if path else ""
        tabs = self.scenario_tabs
        self.editor_action.setChecked(True)
        if section == "journeys":
            tabs.setCurrentIndex(0)
            if len(path) > 1 and isinstance(path[1], int):
                self.builder.select_journey(path[1])
            if len(path) > 3 and path[2] == "steps" and isinstance(path[3], int):
                self.builder.select_step(path[3])
                self.builder.editor.focus_field(str(path[4]) if len(path) > 4 else "")
            else:
                self.builder.journeys.setFocus()
        elif section == "store":
            tabs.setCurrentIndex(self._page_of(self.store_panel))
        elif section == "ids":
            tabs.setCurrentIndex(self._page_of(self.target_panel))
            field = self.target_panel.fields.get(str(path[1])) if len(path) > 1 else None
            if field is not None:
                field.value.setFocus()
        elif section in ("identities", "seed"):
            tabs.setCurrentIndex(self._page_of(self.identities_panel))
            (
                self.identities_panel.seed if section == "seed" else self.identities_panel.locales
            ).setFocus()
        elif section in ("name", "description", "tracker"):
            tabs.setCurrentIndex(self._page_of(self.scenario_panel))
            self.scenario_panel.focus_field(path)
        elif section == "schedule":
            self.run_tabs.setCurrentIndex(0)

    def _page_of(self, panel: QWidget) -> int:
        """The index of the scenario tab whose scroll area holds ``panel``."""
        tabs = self.scenario_tabs
        for index in range(tabs.count()):
            page = tabs.widget(index)
            if isinstance(page, QScrollArea) and page.widget() is panel:
                return index
        return tabs.currentIndex()

    def check_fonts(self) -> None:
        """Say once per script when the visitors' names need a font this system lacks."""
        missing = missing_scripts(self.identities_panel.model.names(), self.font_check)
        new = {s: locales for s, locales in missing.items() if s not in self._fonts_reported}
        if new:
            self._fonts_reported.update(new)
            self.show_hint(missing_font_message(new))

    # -- scenario, target, collector ---------------------------------------------

    def _scenario_changed(self) -> None:
        self.problems.set_problems(self.document.problems, self.document.data)
        count = len(self.document.problems)
        self.problems_dock.setWindowTitle(f"Problems ({count})")
        # The list appears when there is something in it, and gets out of the way after.
        self.problems_dock.setVisible(count > 0)
        self.problems_label.setText(
            f"{plural(count, 'problem')} (sending is off until fixed)"
            if count
            else "Scenario valid"
        )
        self.problems_label.setStyleSheet(PROBLEM_STYLE if count else "")
        scenario = self.document.scenario
        warnings = setup_warnings(scenario) if scenario is not None else []
        self.problems.set_warnings(warnings)
        if warnings:
            self.problems_dock.setWindowTitle(f"Problems ({count}) and warnings ({len(warnings)})")
            self.problems_dock.setVisible(True)
            self.problems_label.setText(
                f"Scenario valid, {plural(len(warnings), 'warning')}: requests will be judged bad"
            )
            self.problems_label.setStyleSheet(WARNING_STYLE)
        self.sending.run_panel.set_warnings([w.line() for w in warnings])
        if scenario is not None:
            self.collector.judge_as(scenario.tracker.full_cart, scenario.tracker.ip_header)
        self.sending.set_scenario(scenario)
        self.locust.set_scenario(scenario, str(self.document.path) if self.document.path else None)

    def _target_changed(self, url: str) -> None:
        self.sending.set_target(url)
        self.locust.set_target(url)

    def _restart_collector(self, port: int) -> None:
        self.collector_label.setText("Collector: starting…")
        self.collector.start(port)

    def _collector_started(self, url: str) -> None:
        self.collector_label.setText(f'Collector: <a href="{url}/_collector/">{url}</a>')

    def _collector_failed(self, message: str) -> None:
        self.collector_label.setText("Collector: not running")
        self.statusBar().showMessage(f"Embedded collector: {message}", 10000)

    def _collector_summary(self, summary: dict[str, Any]) -> None:
        url = self.collector.url or ""
        # The collector's own figures cover all it received (every run, Locust too): said so.
        self.collector_label.setText(
            f'Collector: <a href="{url}/_collector/">{url}</a> — all traffic '
            f"{number(summary.get('good', 0))} good, {number(summary.get('bad', 0))} bad"
        )
        self.collector_label.setToolTip(
            "Everything the collector received since it started; the run's own counts are beside it"
        )
        # beside Locust's figures only when Locust sends to this collector
        sends_here = bool(url) and self.locust.target.startswith(url)
        self.locust.set_collector_summary(summary if sends_here else None)

    # -- closing -----------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop everything this window started (sending threads, the collector)."""
        self.sending.shutdown()
        self.locust.shutdown()
        self.collector.stop()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("target/custom", self.target_panel.use_custom.isChecked())
        self.settings.setValue("target/url", self.target_panel.custom_url.text())
        self.settings.setValue("collector/port", self.target_panel.collector_port.value())
        self.settings.sync()
        self.shutdown()
        event.accept()
