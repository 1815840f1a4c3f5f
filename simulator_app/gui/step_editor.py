"""The editor of the selected step's parameters.

Shows only the fields the step's type uses (page, category, product,
quantity, source) plus the common ones (repeat, continue probability, think
time). Every change is one undoable edit of the step's mapping in the YAML
document; a field set back to its default is removed from the file, so files
stay as short as a person would write them. Problems the validator reports
for a field appear under it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from simulator_app.core.catalog import resolve_catalog
from simulator_app.core.model import (
    ALL,
    FROM_CATEGORY,
    IN_CART,
    LAST_ADDED,
    RANDOM,
    VIEWED,
    Catalog,
)
from simulator_app.gui.document import ScenarioDocument
from simulator_app.gui.edits import MISSING, DeleteValue, Edit, SetValue, get, to_yaml
from simulator_app.gui.widgets import ProblemLabel, RangeEdit

SPECIFIC = "specific"
_PRODUCT_MODES = {
    "productview": (FROM_CATEGORY, VIEWED, RANDOM, SPECIFIC),
    "updatecart": (VIEWED, FROM_CATEGORY, RANDOM, SPECIFIC),
    "removefromcart": (IN_CART, LAST_ADDED, SPECIFIC),
}
_MODE_TEXT = {
    FROM_CATEGORY: "a product of the category viewed last",
    VIEWED: "the product viewed last",
    RANDOM: "any product, at random",
    IN_CART: "a line in the cart, at random",
    LAST_ADDED: "the line added last",
    SPECIFIC: "a specific product",
}
_DEFAULTS: dict[str, Any] = {"repeat": 1, "think": 0, "quantity": 1, "continue": 1}


def range_of(value: Any, default: float) -> tuple[float, float]:
    """``(low, high)`` of a number or ``[low, high]`` in a step; ``default`` when unreadable."""
    try:
        if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2:
            return float(value[0]), float(value[1])
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value), float(value)
    except (TypeError, ValueError):
        pass
    return default, default


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(float(value), 3)


class StepEditor(QWidget):
    """Edits one step of one journey of a :class:`ScenarioDocument`."""

    def __init__(self, document: ScenarioDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._path: tuple[str | int, ...] | None = None
        self._catalog: Catalog | None = None
        self._loading = False

        outer = QVBoxLayout(self)
        self.title = QLabel("Select a step to edit it.")
        self.title.setStyleSheet("font-weight: bold;")
        outer.addWidget(self.title)
        self.form_host = QWidget()
        form = QFormLayout(self.form_host)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        outer.addWidget(self.form_host)
        outer.addStretch(1)
        outer.setContentsMargins(2, 2, 2, 2)
        self._rows: dict[str, tuple[QLabel, QWidget, ProblemLabel]] = {}

        self.page = QComboBox()
        self.page.setEditable(True)
        self.page.setToolTip("a path of the store, a full URL, or 'random'")
        self._add_row(form, "page", "Page", self.page)

        self.category = QComboBox()
        self.category.setEditable(True)
        self.category.setToolTip("a category of the catalog, or 'random'")
        self._add_row(form, "category", "Category", self.category)

        product_box = QWidget()
        product_layout = QVBoxLayout(product_box)
        product_layout.setContentsMargins(0, 0, 0, 0)
        self.product_mode = QComboBox()
        self.product = QComboBox()
        self.product.setToolTip("the product this step uses")
        product_layout.addWidget(self.product_mode)
        product_layout.addWidget(self.product)
        self._add_row(form, "product", "Product", product_box)

        quantity_box = QWidget()
        quantity_layout = QHBoxLayout(quantity_box)
        quantity_layout.setContentsMargins(0, 0, 0, 0)
        self.quantity = RangeEdit(1, 1000)
        self.whole_line = QCheckBox("whole line")
        self.whole_line.setToolTip("remove every unit of the line")
        quantity_layout.addWidget(self.quantity)
        quantity_layout.addWidget(self.whole_line)
        self._add_row(form, "quantity", "Quantity", quantity_box)

        self.repeat = RangeEdit(0, 1000)
        self.repeat.setToolTip("how many times the step is sent")
        self._add_row(form, "repeat", "Repeat", self.repeat)

        self.proceed = QDoubleSpinBox()
        self.proceed.setRange(0.0, 1.0)
        self.proceed.setSingleStep(0.05)
        self.proceed.setDecimals(2)
        self.proceed.setKeyboardTracking(False)
        self.proceed.setToolTip("probability of going on to the next step (drop-off = 1 − this)")
        self._add_row(form, "continue", "Continue probability", self.proceed)

        self.think = RangeEdit(0, 86400, decimals=1, suffix=" s")
        self.think.setToolTip("seconds the visitor waits after the step")
        self._add_row(form, "think", "Think time", self.think)

        self.source = QLineEdit()
        self.source.setPlaceholderText("e.g. checkout, newsletter (optional)")
        self.source.setToolTip("identify: a 'source' key added to the payload")
        self._add_row(form, "source", "Identify source", self.source)

        self.other_problems = ProblemLabel()
        outer.insertWidget(2, self.other_problems)

        self.page.editTextChanged.connect(lambda text: self._write_text("page", text))
        self.category.editTextChanged.connect(lambda text: self._write_text("category", text))
        self.product_mode.currentIndexChanged.connect(self._product_changed)
        self.product.currentIndexChanged.connect(self._product_changed)
        self.quantity.edited.connect(lambda low, high: self._write_range("quantity", low, high))
        self.whole_line.toggled.connect(self._whole_line_toggled)
        self.repeat.edited.connect(lambda low, high: self._write_range("repeat", low, high))
        self.proceed.valueChanged.connect(self._proceed_changed)
        self.think.edited.connect(lambda low, high: self._write_range("think", low, high))
        self.source.textEdited.connect(lambda text: self._write_text("source", text))
        document.changed.connect(self._reload)
        document.validated.connect(self._show_problems)
        self.set_step(None)

    def _add_row(self, form: QFormLayout, key: str, label: str, field: QWidget) -> None:
        host = QWidget()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(field)
        problem = ProblemLabel()
        problem.setObjectName(f"problem_{key}")
        layout.addWidget(problem)
        title = QLabel(label)
        form.addRow(title, host)
        self._rows[key] = (title, host, problem)

    # -- which step ----------------------------------------------------------

    @property
    def path(self) -> tuple[str | int, ...] | None:
        return self._path

    def problem_text(self, key: str) -> str:
        """The message shown under field ``key`` (empty when none)."""
        label = self._rows[key][2]
        return label.text() if label.isVisible() or label.text() else ""

    def focus_field(self, key: str) -> None:
        """Focus the control of field ``key`` (``quantity``, ``think``...; else the first one)."""
        rows = [self._rows[key]] if key in self._rows else list(self._rows.values())
        for _title, host, _problem in rows:
            if host.isHidden():
                continue
            for widget in [host, *host.findChildren(QWidget)]:
                if widget.focusPolicy() != Qt.FocusPolicy.NoFocus and widget.isEnabled():
                    widget.setFocus()
                    return

    def set_step(self, path: tuple[str | int, ...] | None) -> None:
        """Edit the step at ``path`` (``journeys, j, steps, s``), or nothing."""
        self._path = path
        self._reload()

    def _step(self) -> Mapping[str, Any] | None:
        if self._path is None:
            return None
        step = get(self._document.data, self._path, None)
        return step if isinstance(step, Mapping) else None

    def _reload(self, *_: object) -> None:
        step = self._step()
        self.form_host.setVisible(step is not None)
        if step is None:
            self.title.setText("Select a step to edit it.")
            self._show_problems()
            return
        if self._document.scenario is not None:
            self._catalog = resolve_catalog(self._document.scenario.store)
        kind = str(step.get("type", ""))
        assert self._path is not None
        self.title.setText(f"Step {int(self._path[3]) + 1}: {kind}")
        shown = {"repeat", "continue", "think"}
        shown |= {
            "view": {"page"},
            "categoryview": {"category"},
            "productview": {"product"},
            "updatecart": {"product", "quantity"},
            "removefromcart": {"product", "quantity"},
            "identify": {"source"},
        }.get(kind, set())
        for key, (title, host, _problem) in self._rows.items():
            title.setVisible(key in shown)
            host.setVisible(key in shown)
        self._loading = True
        try:
            self._load(kind, step)
        finally:
            self._loading = False
        self._show_problems()

    def _load(self, kind: str, step: Mapping[str, Any]) -> None:
        pages = [RANDOM, *(self._document.scenario.store.pages if self._document.scenario else ())]
        self._set_combo_items(self.page, pages, str(step.get("page", RANDOM)))
        categories = [RANDOM, *(self._catalog.categories if self._catalog else ())]
        self._set_combo_items(self.category, categories, str(step.get("category", RANDOM)))
        modes = _PRODUCT_MODES.get(kind, ())
        self.product_mode.clear()
        for mode in modes:
            self.product_mode.addItem(_MODE_TEXT[mode], mode)
        self.product.clear()
        for product in (self._catalog.products if self._catalog else ())[:1000]:
            price = f"{product.price_cents / 100:.2f}"
            self.product.addItem(f"{product.id} — {product.title} ({price})", product.id)
        target = step.get("product", modes[0] if modes else None)
        if isinstance(target, int) and not isinstance(target, bool):
            self.product_mode.setCurrentIndex(modes.index(SPECIFIC))
            found = self.product.findData(target)
            if found < 0:
                self.product.addItem(f"{target} (not in the catalog)", target)
                found = self.product.count() - 1
            self.product.setCurrentIndex(found)
        elif target in modes:
            self.product_mode.setCurrentIndex(modes.index(target))
        self.product.setEnabled(self.product_mode.currentData() == SPECIFIC)
        quantity = step.get("quantity", MISSING)
        whole = kind == "removefromcart" and quantity in (MISSING, ALL)
        self.whole_line.setVisible(kind == "removefromcart")
        self.whole_line.setChecked(whole)
        self.quantity.setEnabled(not whole)
        self.quantity.set_range(*range_of(quantity, 1))
        self.repeat.set_range(*range_of(step.get("repeat"), 1))
        try:
            self.proceed.setValue(float(step.get("continue", 1)))
        except (TypeError, ValueError):
            self.proceed.setValue(1.0)
        self.think.set_range(*range_of(step.get("think"), 0))
        source = step.get("source")
        if self.source.text() != (source or ""):
            self.source.setText(str(source or ""))

    @staticmethod
    def _set_combo_items(combo: QComboBox, items: list[str], current: str) -> None:
        combo.blockSignals(True)
        if [combo.itemText(i) for i in range(combo.count())] != items:
            combo.clear()
            combo.addItems(items)
        if combo.currentText() != current:
            combo.setEditText(current)
        combo.blockSignals(False)

    def _show_problems(self) -> None:
        claimed: set[str] = set()
        for key, row in self._rows.items():
            label = row[2]
            if self._path is None:
                label.show_message(None)
                continue
            problems = self._document.problems_at((*self._path, key))
            label.show_problems(problems)
            claimed |= {f"{p.field}:{p.message}" for p in problems}
        rest = []
        if self._path is not None:
            rest = [
                p
                for p in self._document.problems_at(self._path)
                if f"{p.field}:{p.message}" not in claimed
            ]
        self.other_problems.show_problems(rest)

    # -- writing -------------------------------------------------------------

    def _edit(self, key: str, value: Any, merge: bool = True) -> None:
        if self._loading or self._path is None or self._step() is None:
            return
        path = (*self._path, key)
        current = get(self._document.data, path)
        edit: Edit
        if value is MISSING:
            if current is MISSING:
                return
            edit = DeleteValue(path)
        else:
            if current == value:
                return
            edit = SetValue(path, value)
        merge_key = "/".join(map(str, path)) if merge else None
        self._document.apply(edit, f"Change step {key}", merge_key)

    def _write_text(self, key: str, text: str) -> None:
        text = text.strip()
        default = RANDOM if key in ("page", "category") else ""
        self._edit(key, MISSING if text in ("", default) else text)

    def _write_range(self, key: str, low: float, high: float) -> None:
        value: Any = _number(low) if low == high else to_yaml([_number(low), _number(high)])
        if value == _DEFAULTS[key] and not (key == "quantity" and self._is_remove()):
            value = MISSING
        self._edit(key, value)

    def _is_remove(self) -> bool:
        step = self._step()
        return step is not None and step.get("type") == "removefromcart"

    def _whole_line_toggled(self, checked: bool) -> None:
        self.quantity.setEnabled(not checked)
        if checked:
            self._edit("quantity", MISSING, merge=False)
        else:
            low, high = float(self.quantity.low.value()), float(self.quantity.high.value())
            value: Any = _number(low) if low == high else to_yaml([_number(low), _number(high)])
            self._edit("quantity", value, merge=False)

    def _proceed_changed(self, value: float) -> None:
        self._edit("continue", MISSING if value >= 1.0 else round(value, 4))

    def _product_changed(self, *_: object) -> None:
        mode = self.product_mode.currentData()
        self.product.setEnabled(mode == SPECIFIC)
        if self._loading or mode is None:
            return
        step = self._step()
        kind = str(step.get("type", "")) if step else ""
        modes = _PRODUCT_MODES.get(kind, ())
        if mode == SPECIFIC:
            product = self.product.currentData()
            if product is None:
                return
            self._edit("product", int(product), merge=False)
        else:
            self._edit("product", MISSING if modes and mode == modes[0] else mode, merge=False)
