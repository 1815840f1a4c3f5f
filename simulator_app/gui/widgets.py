"""Small widgets and wording the panels share.

A low–high range editor, an inline problem label, a label that elides
instead of widening its pane, a scroll area for long editors, a Yes/No
question, and the two text helpers every panel uses for counts:
:func:`plural` ("1 request", "2 requests") and :func:`number` (thousands
separators, a fixed number of decimals).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication, QResizeEvent
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from simulator_app.core.scenario_file import Problem
from simulator_app.core.words import plural as plural  # counts in words, as the CLI says them

PROBLEM_STYLE = "color: #b00020;"


def number(value: float, decimals: int = 0) -> str:
    """``value`` with thousands separators and ``decimals`` places: 12,345 or 0.86."""
    return f"{value:,.{decimals}f}"


def fit_to_screen(window: QWidget, width: int, height: int, parent: QWidget | None = None) -> None:
    """Size ``window`` to ``width`` x ``height``, or 90% of the screen it opens on if smaller.

    The screen is ``parent``'s when given (a dialog opens over its window), else the
    window's own; the window is centred on that screen's free area.
    """
    screen = (parent.screen() if parent is not None else None) or window.screen()
    screen = screen or QGuiApplication.primaryScreen()
    if screen is None:
        window.resize(width, height)
        return
    free = screen.availableGeometry()
    window.resize(min(width, free.width() * 9 // 10), min(height, free.height() * 9 // 10))
    window.move(free.center() - window.rect().center())


def scrolled(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless scroll area: a long editor stays usable in a short window."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area


class ElidedLabel(QLabel):
    """A one-line label that shortens its text with "…" rather than widening its pane.

    It asks for at most :attr:`HINT_WIDTH` pixels and can shrink to none; the
    whole text stays in :meth:`full_text` and the tooltip.
    """

    HINT_WIDTH = 240

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def full_text(self) -> str:
        return self._full

    def setText(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()
        self.updateGeometry()

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        wanted = self.fontMetrics().horizontalAdvance(self._full) + 4
        return QSize(min(wanted, self.HINT_WIDTH), super().sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, self.width())
        super().setText(shown)


def ask_user(parent: QWidget, question: str) -> bool:
    """The confirmation before real traffic leaves this machine: a Yes/No box, No by default."""
    answer = QMessageBox.question(
        parent,
        "Send to a non-local target?",
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


class ProblemLabel(QLabel):
    """A red message next to a field; hidden while the field has no problem.

    With ``reserve``, its line keeps its room while hidden, so the fields below
    do not jump each time a one-line message comes and goes as the user types.
    """

    def __init__(self, parent: QWidget | None = None, reserve: bool = False) -> None:
        super().__init__(parent)
        self.setStyleSheet(PROBLEM_STYLE)
        self.setWordWrap(True)
        if reserve:
            policy = self.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            self.setSizePolicy(policy)
        self.hide()

    def show_message(self, message: str | None) -> None:
        self.setText(message or "")
        self.setVisible(bool(message))

    def show_problems(self, problems: list[Problem]) -> None:
        self.show_message("\n".join(p.message for p in problems) or None)


class RangeEdit(QWidget):
    """Two spin boxes, low and high; a value drawn between them (equal: fixed).

    Signals:
        edited(float, float): the user changed low or high (high follows a higher low).
    """

    edited = Signal(float, float)

    def __init__(
        self,
        minimum: float,
        maximum: float,
        decimals: int = 0,
        suffix: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.low: QSpinBox | QDoubleSpinBox
        self.high: QSpinBox | QDoubleSpinBox
        if decimals:
            self.low, self.high = QDoubleSpinBox(), QDoubleSpinBox()
            for double in (self.low, self.high):
                double.setDecimals(decimals)
                double.setSingleStep(0.5)
        else:
            self.low, self.high = QSpinBox(), QSpinBox()
        boxes: tuple[QSpinBox | QDoubleSpinBox, ...] = (self.low, self.high)
        for box in boxes:
            box.setRange(minimum, maximum)  # type: ignore[arg-type]
            box.setSuffix(suffix)
            box.setKeyboardTracking(False)
        self.low.setToolTip("lowest value")
        self.high.setToolTip("highest value (equal to the lowest for a fixed value)")
        layout.addWidget(self.low)
        layout.addWidget(QLabel("to"))
        layout.addWidget(self.high)
        layout.addStretch(1)
        self.low.valueChanged.connect(self._low_changed)
        self.high.valueChanged.connect(self._high_changed)

    def _low_changed(self, value: float) -> None:
        if self.high.value() < value:
            self.high.blockSignals(True)
            self.high.setValue(value)  # type: ignore[arg-type]
            self.high.blockSignals(False)
        self.edited.emit(float(self.low.value()), float(self.high.value()))

    def _high_changed(self, value: float) -> None:
        if self.low.value() > value:
            self.low.blockSignals(True)
            self.low.setValue(value)  # type: ignore[arg-type]
            self.low.blockSignals(False)
        self.edited.emit(float(self.low.value()), float(self.high.value()))

    def set_range(self, low: float, high: float) -> None:
        """Show ``low``–``high`` without emitting ``edited``."""
        for box, value in ((self.low, low), (self.high, high)):
            box.blockSignals(True)
            box.setValue(value)  # type: ignore[arg-type]
            box.blockSignals(False)
