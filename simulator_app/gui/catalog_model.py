"""The store's catalog as a table: edit a listed catalog, or preview a generated one.

A listed catalog (``store.catalog`` in the file) is edited in place, one
undoable edit per cell. A generated catalog (``store.generate``) is shown
read-only, exactly as :func:`~simulator_app.core.catalog.generate_catalog`
makes it from the settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt

from simulator_app.core.catalog import generate_catalog
from simulator_app.core.model import CatalogGenerator
from simulator_app.gui.document import ScenarioDocument
from simulator_app.gui.edits import DeleteValue, InsertItem, SetValue, get, to_yaml
from simulator_app.gui.table_model import ColumnsModel

AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
CATEGORIES = ("store", "catalog", "categories")


def generator_settings(document: ScenarioDocument) -> CatalogGenerator:
    """The ``store.generate`` settings of the document (defaults where unreadable)."""
    raw = get(document.data, ("store", "generate"), {})
    raw = raw if isinstance(raw, Mapping) else {}
    default = CatalogGenerator()
    try:
        return CatalogGenerator(
            categories=max(1, min(int(raw.get("categories", default.categories)), 1000)),
            products_per_category=max(
                1, min(int(raw.get("products_per_category", default.products_per_category)), 10000)
            ),
            price_min=float(raw.get("price_min", default.price_min)),
            price_max=float(raw.get("price_max", default.price_max)),
            seed=int(raw.get("seed", default.seed)),
        )
    except (TypeError, ValueError):
        return default


def is_listed(document: ScenarioDocument) -> bool:
    """True when the file lists its catalog (rather than generating one)."""
    return isinstance(get(document.data, ("store", "catalog"), None), Mapping)


class CatalogModel(ColumnsModel):
    """Products: category, id, title, price (editable when the catalog is listed)."""

    COLUMNS = ("Category", "Id", "Title", "Price")

    def __init__(self, document: ScenarioDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._rows: list[tuple[str, Any, str, Any, tuple[int, int] | None]] = []
        self._key: object = None
        self.refresh()
        document.changed.connect(self.refresh)
        document.replaced.connect(self.refresh)

    @property
    def listed(self) -> bool:
        return is_listed(self._document)

    def _build(self) -> list[tuple[str, Any, str, Any, tuple[int, int] | None]]:
        rows: list[tuple[str, Any, str, Any, tuple[int, int] | None]] = []
        if self.listed:
            categories = get(self._document.data, CATEGORIES, [])
            for ci, category in enumerate(categories if isinstance(categories, list) else []):
                if not isinstance(category, Mapping):
                    continue
                products = category.get("products", [])
                for pi, product in enumerate(products if isinstance(products, list) else []):
                    if isinstance(product, Mapping):
                        rows.append(
                            (
                                str(category.get("name", "")),
                                product.get("id"),
                                str(product.get("title", "")),
                                product.get("price"),
                                (ci, pi),
                            )
                        )
            return rows
        catalog = generate_catalog(generator_settings(self._document))
        return [(p.category, p.id, p.title, p.price_cents / 100, None) for p in catalog.products]

    def refresh(self, *_: object) -> None:
        rows = self._build()
        if len(rows) != len(self._rows):
            self.beginResetModel()
            self._rows = rows
            self.endResetModel()
        elif rows != self._rows:
            self._rows = rows
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(rows) - 1, len(self.COLUMNS) - 1)
            )

    def location(self, row: int) -> tuple[int, int] | None:
        """``(category index, product index)`` of a listed row; None when generated."""
        return self._rows[row][4] if 0 <= row < len(self._rows) else None

    def row_count(self) -> int:
        return len(self._rows)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._rows[index.row()][4] is not None and index.column() > 0:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        value = self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 3 and isinstance(value, int | float):
                return f"{value:.2f}"
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.EditRole:
            return value
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (1, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            where = self._rows[index.row()][4]
            if where is None:
                return "generated: switch to a listed catalog to edit products"
            key = ("id", "title", "price")[index.column() - 1] if index.column() else "name"
            path = (*CATEGORIES, where[0], "products", where[1], key)
            return "\n".join(p.message for p in self._document.problems_at(path)) or None
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not (self.flags(index) & Qt.ItemFlag.ItemIsEditable):
            return False
        where = self._rows[index.row()][4]
        assert where is not None
        key = ("id", "title", "price")[index.column() - 1]
        parsed: Any
        try:
            if key == "id":
                parsed = int(value)
            elif key == "price":
                parsed = round(float(value), 2)
            else:
                parsed = str(value).strip()
        except (TypeError, ValueError):
            return False
        if parsed in ("", None) or (key != "title" and parsed < 0):
            return False
        path = (*CATEGORIES, where[0], "products", where[1], key)
        self._document.apply(SetValue(path, parsed), f"Change product {key}")
        return True

    # -- structure -----------------------------------------------------------

    def _next_id(self) -> int:
        ids = [r[1] for r in self._rows if isinstance(r[1], int)]
        return max(ids, default=1000) + 1

    def add_product(self, category_index: int) -> None:
        """Append a product to listed category ``category_index``."""
        products = get(self._document.data, (*CATEGORIES, category_index, "products"), None)
        pid = self._next_id()
        product = to_yaml({"id": pid, "title": f"Product {pid}", "price": 10.0}, {})
        if isinstance(products, list):
            like = products[0] if products else None
            product = to_yaml({"id": pid, "title": f"Product {pid}", "price": 10.0}, like)
            self._document.apply(
                InsertItem((*CATEGORIES, category_index, "products"), len(products), product),
                "Add product",
            )
        else:
            self._document.apply(
                SetValue((*CATEGORIES, category_index, "products"), to_yaml([product], {})),
                "Add product",
            )

    def add_category(self, name: str) -> None:
        categories = get(self._document.data, CATEGORIES, [])
        pid = self._next_id()
        category = to_yaml(
            {"name": name, "products": [{"id": pid, "title": f"Product {pid}", "price": 10.0}]},
            {},
        )
        category["products"] = to_yaml([{"id": pid, "title": f"Product {pid}", "price": 10.0}], [])
        self._document.apply(
            InsertItem(
                CATEGORIES, len(categories) if isinstance(categories, list) else 0, category
            ),
            "Add category",
        )

    def remove_row(self, row: int) -> None:
        where = self.location(row)
        if where is not None:
            self._document.apply(
                DeleteValue((*CATEGORIES, where[0], "products", where[1])), "Remove product"
            )
