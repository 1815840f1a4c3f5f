"""The store: base URL, pages, and the catalog (listed and editable, or generated).

Switching between a listed and a generated catalog is one undoable edit; a
generated catalog can be copied into a listed one to edit its products.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from simulator_app.core.catalog import catalog_to_dict, generate_catalog
from simulator_app.gui.catalog_model import CatalogModel, generator_settings, is_listed
from simulator_app.gui.document import ScenarioDocument
from simulator_app.gui.edits import MISSING, Compound, DeleteValue, Edit, SetValue, get, to_yaml
from simulator_app.gui.widgets import ProblemLabel

_GENERATE_FIELDS = ("categories", "products_per_category", "price_min", "price_max", "seed")


def listed_from_generated(document: ScenarioDocument) -> dict[str, Any]:
    """The file form of the generated catalog, to edit it as a list."""
    return catalog_to_dict(generate_catalog(generator_settings(document)))


class StorePanel(QWidget):
    """Edits ``store``: base URL, pages and catalog."""

    def __init__(self, document: ScenarioDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._loading = False
        layout = QVBoxLayout(self)

        shop = QGroupBox("Shop")
        form = QFormLayout(shop)
        self.base_url = QLineEdit()
        self.base_url.setToolTip("the shop's address, used in page, product and cart URLs")
        self.base_url_problem = ProblemLabel(reserve=True)
        form.addRow("Base URL", self.base_url)
        form.addRow("", self.base_url_problem)
        self.pages = QLineEdit()
        self.pages.setToolTip("paths visitors view, separated by commas")
        self.pages_problem = ProblemLabel()
        form.addRow("Pages", self.pages)
        form.addRow("", self.pages_problem)
        layout.addWidget(shop)

        catalog = QGroupBox("Catalog")
        catalog_layout = QVBoxLayout(catalog)
        modes = QHBoxLayout()
        self.generated = QRadioButton("Generated from settings")
        self.listed = QRadioButton("Listed in the file (editable)")
        group = QButtonGroup(self)
        group.addButton(self.generated)
        group.addButton(self.listed)
        modes.addWidget(self.generated)
        modes.addWidget(self.listed)
        modes.addStretch(1)
        catalog_layout.addLayout(modes)

        self.generate_box = QWidget()
        gen = QGridLayout(self.generate_box)  # two rows: fits a narrow window
        gen.setContentsMargins(0, 0, 0, 0)
        self.gen_categories = QSpinBox()
        self.gen_categories.setRange(1, 1000)
        self.gen_per_category = QSpinBox()
        self.gen_per_category.setRange(1, 10000)
        self.gen_price_min = QDoubleSpinBox()
        self.gen_price_max = QDoubleSpinBox()
        for price in (self.gen_price_min, self.gen_price_max):
            price.setRange(0, 1_000_000)
            price.setDecimals(2)
        self.gen_seed = QSpinBox()
        self.gen_seed.setRange(-(2**31), 2**31 - 1)
        self._gen_boxes: dict[str, QSpinBox | QDoubleSpinBox] = {
            "categories": self.gen_categories,
            "products_per_category": self.gen_per_category,
            "price_min": self.gen_price_min,
            "price_max": self.gen_price_max,
            "seed": self.gen_seed,
        }
        for at, (key, label) in enumerate(
            (
                ("categories", "Categories"),
                ("products_per_category", "Products each"),
                ("seed", "Seed"),
                ("price_min", "Price from"),
                ("price_max", "to"),
            )
        ):
            gen.addWidget(QLabel(label), at // 3, (at % 3) * 2)
            box = self._gen_boxes[key]
            box.setKeyboardTracking(False)
            gen.addWidget(box, at // 3, (at % 3) * 2 + 1)
            box.valueChanged.connect(lambda value, k=key: self._generate_edited(k, value))
        self.to_listed = QPushButton("Edit as a list…")
        self.to_listed.setToolTip("copy the generated products into the file to edit them")
        gen.addWidget(self.to_listed, 1, 4, 1, 2)
        gen.setColumnStretch(6, 1)
        catalog_layout.addWidget(self.generate_box)
        self.generate_problem = ProblemLabel()
        catalog_layout.addWidget(self.generate_problem)

        self.list_box = QWidget()
        buttons = QHBoxLayout(self.list_box)
        buttons.setContentsMargins(0, 0, 0, 0)
        self.add_category = QPushButton("Add category…")
        self.add_product = QPushButton("Add product")
        self.remove_product = QPushButton("Remove product")
        for button in (self.add_category, self.add_product, self.remove_product):
            buttons.addWidget(button)
        buttons.addStretch(1)
        catalog_layout.addWidget(self.list_box)
        self.catalog_problem = ProblemLabel()
        catalog_layout.addWidget(self.catalog_problem)

        self.model = CatalogModel(document, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        catalog_layout.addWidget(self.table)
        layout.addWidget(catalog, 1)

        self.base_url.textEdited.connect(self._base_url_edited)
        self.pages.editingFinished.connect(self._pages_edited)
        self.generated.toggled.connect(self._mode_toggled)
        self.to_listed.clicked.connect(lambda: self.listed.setChecked(True))
        self.add_category.clicked.connect(self._add_category)
        self.add_product.clicked.connect(self._add_product)
        self.remove_product.clicked.connect(self._remove_product)
        document.changed.connect(self.reload)
        document.replaced.connect(self.reload)
        self.reload()

    def reload(self, *_: object) -> None:
        """Show the document's store section."""
        self._loading = True
        try:
            base = get(self._document.data, ("store", "base_url"), "")
            if self.base_url.text() != str(base):
                self.base_url.setText(str(base))
            pages = get(self._document.data, ("store", "pages"), ["/"])
            text = ", ".join(map(str, pages)) if isinstance(pages, list) else str(pages)
            if not self.pages.hasFocus() and self.pages.text() != text:
                self.pages.setText(text)
            listed = is_listed(self._document)
            (self.listed if listed else self.generated).setChecked(True)
            self.generate_box.setVisible(not listed)
            self.list_box.setVisible(listed)
            settings = generator_settings(self._document)
            for key, box in self._gen_boxes.items():
                box.setValue(getattr(settings, key))
        finally:
            self._loading = False
        problems = self._document.problems_at
        self.base_url_problem.show_problems(problems(("store", "base_url")))
        self.pages_problem.show_problems(problems(("store", "pages")))
        self.generate_problem.show_problems(problems(("store", "generate")))
        self.catalog_problem.show_problems(problems(("store", "catalog")))

    def _apply(self, edit: Edit, text: str, merge: str | None = None) -> None:
        if isinstance(get(self._document.data, ("store",), None), Mapping):
            self._document.apply(edit, text, merge)

    def _base_url_edited(self, text: str) -> None:
        self._apply(
            SetValue(("store", "base_url"), text.strip()), "Change base URL", "store/base_url"
        )

    def _pages_edited(self) -> None:
        if self._loading:
            return
        pages = [p.strip() for p in self.pages.text().split(",") if p.strip()]
        current = get(self._document.data, ("store", "pages"))
        if isinstance(current, list) and [str(x) for x in current] == pages:
            return
        like = current if current is not MISSING else None
        self._apply(SetValue(("store", "pages"), to_yaml(pages, like)), "Change pages")

    def _generate_edited(self, key: str, value: float) -> None:
        if self._loading:
            return
        number: int | float = int(value) if float(value).is_integer() else round(value, 2)
        if not isinstance(get(self._document.data, ("store", "generate"), None), Mapping):
            self._apply(SetValue(("store", "generate"), to_yaml({key: number})), "Change catalog")
            return
        self._apply(SetValue(("store", "generate", key), number), "Change catalog", f"gen/{key}")

    def _mode_toggled(self, generated: bool) -> None:
        if self._loading or generated == (not is_listed(self._document)):
            return
        edits: list[Edit] = []
        if generated:
            edits.append(DeleteValue(("store", "catalog")))
            if get(self._document.data, ("store", "generate")) is MISSING:
                edits.append(SetValue(("store", "generate"), to_yaml({"categories": 6, "seed": 1})))
            self._apply(Compound(tuple(edits), ("store",)), "Use a generated catalog")
        else:
            listed = to_yaml(listed_from_generated(self._document), {})
            listed["categories"] = to_yaml(listed_from_generated(self._document)["categories"], [])
            for category in listed["categories"]:
                category["products"] = to_yaml(category["products"], [])
                for product in category["products"]:
                    product.fa.set_flow_style()
            edits.append(SetValue(("store", "catalog"), listed))
            if get(self._document.data, ("store", "generate")) is not MISSING:
                edits.append(DeleteValue(("store", "generate")))
            self._apply(Compound(tuple(edits), ("store",)), "List the catalog in the file")

    def _selected_row(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def _add_category(self) -> None:
        name, ok = QInputDialog.getText(self, "Add category", "Category name:")
        if ok and name.strip():
            self.model.add_category(name.strip())

    def _add_product(self) -> None:
        where = self.model.location(self._selected_row())
        self.model.add_product(where[0] if where is not None else 0)

    def _remove_product(self) -> None:
        row = self._selected_row()
        if row >= 0:
            self.model.remove_row(row)
