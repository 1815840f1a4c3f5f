"""One request in full, as a good HTTP client shows it: Request, Response, Identify, Verdict tabs.

Bodies that are JSON are pretty-printed (see :func:`.describe.pretty_body`) and
highlighted by :class:`JsonHighlighter`. The texts come from :mod:`.describe`,
which knows nothing of Qt.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QSizePolicy, QTabWidget, QVBoxLayout, QWidget

from simulator_app.core.record import RequestRecord
from simulator_app.gui.sending.describe import (
    describe,
    headers_text,
    identify_payload,
    pretty_body,
    summary_line,
    verdict_text,
)

# Tokens of (pretty-printed) JSON and of HTTP header lines, in the order they are painted.
_RULES: tuple[tuple[str, str, bool], ...] = (
    (r"-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b", "#1750a8", False),  # numbers
    (r"\b(?:true|false|null)\b", "#8a2be2", True),
    (r'"(?:[^"\\]|\\.)*"', "#0a7a32", False),  # string values
    (r'"(?:[^"\\]|\\.)*"(?=\s*:)', "#a0301a", True),  # object keys
    (r"^[A-Za-z0-9-]+(?=: )", "#a0301a", True),  # header names
    (r"^──.*$", "#555555", True),  # section rules
)


class JsonHighlighter(QSyntaxHighlighter):
    """Colours JSON keys, strings, numbers and literals (and header names) line by line."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._rules: list[tuple[re.Pattern[str], QTextCharFormat]] = []
        for pattern, colour, bold in _RULES:
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(colour))
            if bold:
                fmt.setFontWeight(QFont.Weight.Bold)
            self._rules.append((re.compile(pattern), fmt))

    def highlightBlock(self, text: str) -> None:
        if len(text) > 20_000:  # a huge single-line body: leave it plain, keep the UI quick
            return
        for pattern, fmt in self._rules:
            for found in pattern.finditer(text):
                self.setFormat(found.start(), found.end() - found.start(), fmt)


def _text_view() -> QPlainTextEdit:
    view = QPlainTextEdit()
    view.setReadOnly(True)
    view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    JsonHighlighter(view.document())
    return view


class RequestDetails(QWidget):
    """The details pane below the log: a summary line and four tabs."""

    TABS = ("Request", "Response", "Identify payload", "Verdict")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.record: RequestRecord | None = None
        self.note = ""
        self.summary = QLabel("Select a request to see it in full.")
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tabs = QTabWidget()
        self.views: dict[str, QPlainTextEdit] = {}
        for name in self.TABS:
            view = self.views[name] = _text_view()
            self.tabs.addTab(view, name)
        # a verdict's messages are sentences: wrapped, read whole
        self.views["Verdict"].setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        self.clear()

    def clear(self) -> None:
        self.record, self.note = None, ""
        self.summary.setText("Select a request to see it in full.")
        self.summary.setToolTip("")
        for view in self.views.values():
            view.clear()
        self.tabs.setTabEnabled(self.TABS.index("Identify payload"), False)

    def show_record(self, record: RequestRecord, note: str = "") -> None:
        self.record, self.note = record, note
        line = summary_line(record)
        self.summary.setText(line + (" · rebuilt" if note else ""))
        self.summary.setToolTip(f"{record.method} {record.url}" + (f"\n{note}" if note else ""))
        request = [f"{record.method} {record.url}", ""]
        if note:
            request += [f"Note: {note}", ""]
        request += ["── Headers", headers_text(record.request_headers), ""]
        request += ["── Body", pretty_body(record.request_body)]
        self.views["Request"].setPlainText("\n".join(request))
        status = "no response" if record.status is None else f"HTTP {record.status}"
        response = [status + (f" · FAILED: {record.error}" if record.error else ""), ""]
        response += ["── Headers", headers_text(record.response_headers), ""]
        response += ["── Body", pretty_body(record.response_body)]
        self.views["Response"].setPlainText("\n".join(response))
        payload = identify_payload(record)
        identify_tab = self.TABS.index("Identify payload")
        self.tabs.setTabEnabled(identify_tab, payload is not None)
        self.views["Identify payload"].setPlainText(payload or "")
        if payload is None and self.tabs.currentIndex() == identify_tab:
            self.tabs.setCurrentIndex(0)
        self.views["Verdict"].setPlainText(verdict_text(record))

    def text(self) -> str:
        """Everything the tabs show, as one text (empty when nothing is selected)."""
        return "" if self.record is None else describe(self.record, self.note)
