"""The store as visitors meet it: its pages, categories and products, some more popular.

What depends on the catalog only is worked out once per run: the bodies of
views, category views and product views (built and encoded once), and the
odds of each product being picked. Popularity follows Zipf's law: the
product ranked ``k`` is picked in proportion to ``1 / k ** popularity``
(0: all alike; 1: a few best sellers and a long tail), ranks shuffled once
per catalog, so the best sellers are the same products in every run.
"""

from __future__ import annotations

import bisect
import itertools
import random
from typing import Any

from simulator_app.core.cart import money
from simulator_app.core.catalog import resolve_catalog
from simulator_app.core.contract import encode_json
from simulator_app.core.identities import randbelow
from simulator_app.core.model import FROM_CATEGORY, VIEWED, Product, Store


def _encoded(body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A body and its wire form, for bodies the engine keeps (never mutated)."""
    return body, encode_json(body)


class _Weighted:
    """Products of one pool, drawn by popularity with one random number."""

    __slots__ = ("products", "total", "upto")

    def __init__(self, products: list[Product], weights: dict[int, float]) -> None:
        self.products = products
        self.upto = list(itertools.accumulate(weights[p.id] for p in products))
        self.total = self.upto[-1]

    def draw(self, rng: random.Random) -> Product:
        at = bisect.bisect_right(self.upto, rng.random() * self.total)
        return self.products[min(at, len(self.products) - 1)]


class Shop:
    """A store's catalog, URLs and the bodies built from them; see the module docstring."""

    def __init__(self, store: Store) -> None:
        self.catalog = resolve_catalog(store)
        self.base_url = store.url_base
        products = list(self.catalog.products)
        self.by_id = {p.id: p for p in products}
        ranks = sorted(products, key=lambda p: p.id)
        random.Random(f"nitrox-popularity/{len(ranks)}/{ranks[0].id}").shuffle(ranks)
        weights = {p.id: 1.0 / (k + 1) ** store.popularity for k, p in enumerate(ranks)}
        self.weights = weights
        self._all = _Weighted(products, weights)
        pools: dict[str, list[Product]] = {}
        for p in products:
            pools.setdefault(p.category, []).append(p)
        self._pools = {c: _Weighted(ps, weights) for c, ps in pools.items()}
        pages = list(store.pages) + [p.url for p in ranks[:50]]
        self.page_bodies = [_encoded({"page": self.url(p)}) for p in pages]
        self.category_bodies = [(c, *_encoded({"category": c})) for c in self.catalog.categories]
        self.product_views = {
            p.id: _encoded(
                {"product_id": p.id, "price": money(p.price_cents), "product_url": self.url(p.url)}
            )
            for p in products
        }
        # The bodies of views and category views of pages and categories a step names,
        # built once when first asked for (a scenario names a few).
        self._named_views: dict[str, tuple[dict[str, Any], str]] = {}
        self._named_categories: dict[str, tuple[dict[str, Any], str]] = {}

    def url(self, path: str) -> str:
        """A page or product URL: a path joined to the base URL, a full URL as it is."""
        return path if "://" in path else self.base_url + path

    def product(
        self,
        rng: random.Random,
        target: object,
        category: str | None,
        viewed: Product | None,
    ) -> Product:
        """The product a step names: an id, the one viewed last, one of a category, any."""
        if isinstance(target, int) and target in self.by_id:
            return self.by_id[target]
        if target == VIEWED and viewed is not None:
            return viewed
        if target == FROM_CATEGORY and category is not None:
            pool = self._pools.get(category)
            if pool is not None:
                return pool.draw(rng)
        return self._all.draw(rng)

    def view_of(self, page: str) -> tuple[dict[str, Any], str]:
        """The body of a view of ``page`` (a step's own page) and its wire form."""
        found = self._named_views.get(page)
        if found is None:
            found = self._named_views[page] = _encoded({"page": self.url(page)})
        return found

    def category_view_of(self, category: str) -> tuple[dict[str, Any], str]:
        """The body of a view of ``category`` (a step's own category) and its wire form."""
        found = self._named_categories.get(category)
        if found is None:
            found = self._named_categories[category] = _encoded({"category": category})
        return found

    def page(self, rng: random.Random) -> tuple[dict[str, Any], str]:
        return self.page_bodies[randbelow(rng, len(self.page_bodies))]

    def category(self, rng: random.Random) -> tuple[str, dict[str, Any], str]:
        return self.category_bodies[randbelow(rng, len(self.category_bodies))]
