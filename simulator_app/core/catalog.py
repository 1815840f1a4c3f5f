"""The store's catalog: the one a scenario lists, or one generated from a seed."""

from __future__ import annotations

import random
from typing import Any

from simulator_app.core.model import (
    CATALOG,
    Catalog,
    CatalogEntries,
    CatalogGenerator,
    CategoryEntry,
    Product,
    ProductEntry,
    Store,
)

_CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "fashion": ("Linen Shirt", "Denim Jacket", "Silk Scarf", "Wool Coat", "Cotton Kurta"),
    "electronics": ("Wireless Earbuds", "Smart Watch", "USB-C Charger", "Bluetooth Speaker"),
    "home": ("Ceramic Mug", "Throw Blanket", "Table Lamp", "Cast Iron Pan", "Bath Towel"),
    "beauty": ("Face Serum", "Lip Balm", "Hair Oil", "Sunscreen SPF 50", "Clay Mask"),
    "sports": ("Yoga Mat", "Running Shoes", "Water Bottle", "Resistance Band", "Gym Bag"),
    "books": ("Cookbook", "Travel Guide", "Notebook", "Graphic Novel", "Atlas"),
    "toys": ("Building Blocks", "Plush Bear", "Puzzle 1000", "Kite", "Toy Train"),
    "grocery": ("Green Tea", "Masala Chai", "Olive Oil", "Dark Chocolate", "Basmati Rice"),
    "garden": ("Plant Pot", "Seed Kit", "Watering Can", "Pruning Shears", "Hammock"),
    "jewelry": ("Silver Ring", "Gold Hoops", "Pearl Necklace", "Charm Bracelet", "Anklet"),
}
_ADJECTIVES = ("Classic", "Black", "Organic", "Premium", "Everyday", "Vintage", "Compact", "Bold")


def generate_catalog(settings: CatalogGenerator) -> Catalog:
    """A believable catalog, the same for the same settings."""
    rng = random.Random(f"nitrox-catalog/{settings.seed}")
    names = list(_CATEGORY_WORDS)
    categories: list[str] = []
    products: list[Product] = []
    next_id = 100001
    for n in range(settings.categories):
        base = names[n % len(names)]
        category = base if n < len(names) else f"{base}-{n // len(names) + 1}"
        categories.append(category)
        nouns = _CATEGORY_WORDS[base]
        for k in range(settings.products_per_category):
            noun = nouns[k % len(nouns)]
            title = f"{rng.choice(_ADJECTIVES)} {noun}"
            low, high = round(settings.price_min * 100), round(settings.price_max * 100)
            cents = rng.randint(low, max(low, high))
            if cents > 1000:  # whole prices end in .99 or .00, as shops do
                cents = cents // 100 * 100 + rng.choice((0, 99))
            slug = title.lower().replace(" ", "-")
            products.append(
                Product(
                    id=next_id,
                    title=title,
                    price_cents=cents,
                    category=category,
                    variant_id=f"{next_id}{rng.randint(10, 99)}",
                    url=f"/products/{slug}-{next_id}",
                    image_url=f"/images/{next_id}.jpg",
                )
            )
            next_id += 1
    return Catalog(tuple(categories), tuple(products))


def listed_catalog(entries: CatalogEntries) -> Catalog:
    """A listed catalog with every value worked out: a product's defaults follow from its id."""
    products = tuple(
        Product(
            id=p.id,
            title=p.title,
            price_cents=p.price_cents,
            category=c.name,
            variant_id=p.variant_id or f"{p.id}01",
            url=p.url or f"/products/{p.id}",
            image_url=p.image_url or f"/images/{p.id}.jpg",
        )
        for c in entries.categories
        for p in c.products
    )
    return Catalog(tuple(c.name for c in entries.categories), products)


def resolve_catalog(store: Store) -> Catalog:
    """The catalog a store uses: the listed one, else a generated one."""
    if store.catalog is not None:
        listed = listed_catalog(store.catalog)
        if listed.products:
            return listed
    return generate_catalog(store.generate or CatalogGenerator())


def catalog_entries(catalog: Catalog) -> CatalogEntries:
    """A catalog as a file lists it, every value written out (to edit a generated one)."""
    return CatalogEntries(
        categories=tuple(
            CategoryEntry(
                name=name,
                products=tuple(
                    ProductEntry(
                        id=p.id,
                        title=p.title,
                        price_cents=p.price_cents,
                        variant_id=p.variant_id,
                        url=p.url,
                        image_url=p.image_url,
                    )
                    for p in catalog.products
                    if p.category == name
                ),
            )
            for name in catalog.categories
        )
    )


def catalog_to_dict(catalog: Catalog) -> dict[str, Any]:
    """The file form of a catalog: its categories, each with its products."""
    data: dict[str, Any] = CATALOG.dump(catalog_entries(catalog))
    return data
