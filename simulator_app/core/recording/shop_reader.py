"""What a recording says about the store: base URL, catalog, pages and the tracker's settings.

Only what the events carry is read: a productview gives a product's id, price
and URL; a cart line its variant id, title, unit price (``line_price`` over
``quantity``) and image; a checkout or buy item its URL (and its line price,
a unit price only when nothing else says one). A product belongs to the
category its visitor viewed last before it first met the product. When two
events disagree about a value, the first one is kept and a note says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from simulator_app.core.format import MAX_SAFE_INTEGER
from simulator_app.core.model import (
    MAX_CATEGORIES,
    MAX_NAME,
    MAX_PAGES,
    MAX_PRICE,
    MAX_PRODUCTS,
    MAX_URL,
    CatalogEntries,
    CategoryEntry,
    ProductEntry,
    Tracker,
)
from simulator_app.core.recording.har_reader import RecordedRequest

OTHER_CATEGORY = "other"  # products met before any categoryview
CLIENT_IP_HEADERS = ("x-forwarded-for", "x-real-ip", "cf-connecting-ip", "true-client-ip")
_CART_EVENTS = ("updatecart", "removefromcart")


def product_id(value: Any) -> int | None:
    """A product_id as the events carry it (a number; digits in text are read too)."""
    # ASCII digits only: "²" is a digit to str.isdigit() and not to int(); "١٢" is to both
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 16:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SAFE_INTEGER:
        return value
    return None


def cents(value: Any) -> int | None:
    """A money amount in cents, or None when it is not a finite amount in range."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or not 0 <= value <= MAX_PRICE:
        return None
    return round(value * 100)


def quantity(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def listed(body: dict[str, Any], key: str) -> list[Any]:
    """``body[key]`` when it is a list (what a recording holds is not always what it should)."""
    value = body.get(key)
    return value if isinstance(value, list) else []


def text(value: Any, limit: int = MAX_NAME) -> str | None:
    if isinstance(value, str) and value.strip() and len(value) <= limit:
        return value
    return None


def store_base(requests: list[RecordedRequest]) -> str | None:
    """The shop's address: the origin of the first page URL the events carry (else a Referer)."""
    for request in requests:
        body = request.body or {}
        for key in ("page", "product_url", "cart_url", "checkout", "checkout_url"):
            base = _origin(body.get(key))
            if base is not None:
                return base
    for request in requests:
        base = _origin(request.page_url)
        if base is not None:
            return base
    return None


def _origin(url: Any) -> str | None:
    if not isinstance(url, str) or "://" not in url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def relative(url: Any, base: str) -> str | None:
    """``url`` as a scenario writes it: a path on the shop, a full URL elsewhere (None: neither)."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL or any(c.isspace() for c in url):
        return None
    if url == base:
        return "/"
    if url.startswith(base + "/"):
        return url[len(base) :]
    if url.startswith("/") or _origin(url) is not None:
        return url
    return None


def tracker_settings(requests: list[RecordedRequest]) -> Tracker:
    """The tracker behaviours the recording shows."""
    view_get = any(r.kind == "view" and r.method == "GET" for r in requests)
    headers = any(r.header("X-Nitro-Id") is not None for r in requests)
    buster = any(any(k == "_" for k, _ in r.query) for r in requests)
    ip_header = "off"
    for request in requests:
        found = next((k for k, _ in request.headers if k.lower() in CLIENT_IP_HEADERS), None)
        if found is not None:
            ip_header = found
            break
    return Tracker(
        view_method="GET" if view_get else "POST",
        tracker_headers=headers,
        cache_buster=buster,
        full_cart=any(_full_cart_form(r) for r in requests),
        client_ip_header=ip_header,
    )


def _full_cart_form(request: RecordedRequest) -> bool:
    """True when a cart event's line_items name another product than the one changed."""
    if request.kind not in _CART_EVENTS or request.body is None:
        return False
    changed = product_id(request.body.get("product_id"))
    lines = request.body.get("line_items")
    if changed is None or not isinstance(lines, list):
        return False
    return any(isinstance(x, dict) and product_id(x.get("product_id")) != changed for x in lines)


@dataclass
class _Product:
    id: int
    category: str
    title: str | None = None
    price: int | None = None
    price_from_checkout: bool = False
    variant: str | None = None
    url: str | None = None
    image: str | None = None


@dataclass
class ShopFound:
    """The catalog and pages a recording shows, in the order it first shows them."""

    base: str
    categories: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    products: dict[int, _Product] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    untitled: int = 0

    def category(self, name: Any) -> str | None:
        found = text(name)
        if found is not None and found not in self.categories:
            if len(self.categories) >= MAX_CATEGORIES:
                return None
            self.categories.append(found)
        return found

    def page(self, url: Any) -> str | None:
        path = relative(url, self.base)
        if path is not None and path not in self.pages and len(self.pages) < MAX_PAGES:
            self.pages.append(path)
        return path

    def product(self, pid: int, category: str | None) -> _Product | None:
        product = self.products.get(pid)
        if product is None:
            if len(self.products) >= MAX_PRODUCTS:
                return None
            product = _Product(pid, category or OTHER_CATEGORY)
            self.products[pid] = product
        return product

    def _set(self, product: _Product, name: str, value: Any, entry: int) -> None:
        if value is None:
            return
        held = getattr(product, name)
        if held is None or (name == "price" and product.price_from_checkout):
            setattr(product, name, value)
            if name == "price":
                product.price_from_checkout = False
        elif held != value and len(self.notes) < 50:
            shown = f"{value / 100:.2f}" if name == "price" else repr(value)
            kept = f"{held / 100:.2f}" if name == "price" else repr(held)
            self.notes.append(
                f"entry {entry}: product {product.id}: {name} {shown} differs from the "
                f"{kept} seen before; {kept} kept"
            )

    def read(self, request: RecordedRequest, category: str | None) -> None:
        """Take what one event says about the catalog (``category``: the one viewed last)."""
        body = request.body or {}
        kind, entry = request.kind, request.entry
        if kind == "view":
            self.page(body.get("page"))
        elif kind == "categoryview":
            self.category(body.get("category"))
        elif kind == "productview":
            pid = product_id(body.get("product_id"))
            product = self.product(pid, category) if pid is not None else None
            if product is not None:
                self._set(product, "price", cents(body.get("price")), entry)
                self._set(product, "url", relative(body.get("product_url"), self.base), entry)
        elif kind in _CART_EVENTS:
            for line in listed(body, "line_items"):
                self._line(line, category, entry)
        elif kind in ("checkout", "buy"):
            for item in listed(body, "items"):
                self._item(item, category, entry)

    def _line(self, line: Any, category: str | None, entry: int) -> None:
        pid = product_id(line.get("product_id")) if isinstance(line, dict) else None
        product = self.product(pid, category) if pid is not None else None
        if product is None or not isinstance(line, dict):
            return
        count, total = quantity(line.get("quantity")), cents(line.get("line_price"))
        if count is not None and total is not None and total % count == 0:
            self._set(product, "price", total // count, entry)
        self._set(product, "title", text(line.get("title"), 500), entry)
        variant = line.get("id")
        self._set(product, "variant", text(str(variant)) if variant is not None else None, entry)
        self._set(product, "image", relative(line.get("image_url"), self.base), entry)

    def _item(self, item: Any, category: str | None, entry: int) -> None:
        pid = product_id(item.get("product_id")) if isinstance(item, dict) else None
        product = self.product(pid, category) if pid is not None else None
        if product is None or not isinstance(item, dict):
            return
        self._set(product, "url", relative(item.get("product_url"), self.base), entry)
        price = cents(item.get("price"))
        if product.price is None and price is not None:
            product.price, product.price_from_checkout = price, True

    def catalog(self) -> CatalogEntries | None:
        """The catalog as a scenario lists it (None: no product with a price was seen)."""
        by_category: dict[str, list[ProductEntry]] = {c: [] for c in self.categories}
        for product in self.products.values():
            if product.price is None:
                continue
            if product.title is None:
                self.untitled += 1
            entry = ProductEntry(
                id=product.id,
                title=product.title or f"Product {product.id}",
                price_cents=product.price,
                variant_id=product.variant,
                url=product.url,
                image_url=product.image,
            )
            by_category.setdefault(product.category, []).append(entry)
        if not any(by_category.values()):
            return None
        return CatalogEntries(
            categories=tuple(CategoryEntry(name, tuple(ps)) for name, ps in by_category.items())
        )

    def priced(self, pid: int) -> bool:
        product = self.products.get(pid)
        return product is not None and product.price is not None
