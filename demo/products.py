"""The demo's products, built from the catalog's kinds: SKUs, EAN-13 barcodes, prices, costs and sales, opening
stock and the channels each is listed on, the same on every run."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from demo.catalog import API_SLUGS, CATEGORIES, KINDS, MANUAL_SLUGS, Category


@dataclass(frozen=True)
class Listing:
    """A channel the product is listed on, and its price there."""

    slug: str
    price: Decimal


@dataclass(frozen=True)
class Picture:
    """What the product's drawn picture shows (demo.pictures): one per model, its variants share it."""

    label: str  # the model
    color: str


@dataclass(frozen=True)
class Product:
    sku: str
    barcode: str
    name_uz: str
    name_ru: str
    description_uz: str
    description_ru: str
    leaf: str
    image_url: str
    price: Decimal
    sale_price: Decimal | None
    cost_price: Decimal
    quantity: int
    listings: tuple[Listing, ...]
    picture: Picture


_THOUSAND = Decimal(1000)
_HUNDRED = Decimal(100)
# GS1 gives Uzbekistan the 478 prefix; the company part is made up.
_BARCODE_PREFIX = "4781207"


def _round_thousand(amount: Decimal) -> Decimal:
    return (amount / _THOUSAND).quantize(Decimal(1), rounding=ROUND_HALF_UP) * _THOUSAND


def _ean13(first12: str) -> str:
    """The 12 digits with their EAN-13 check digit appended."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


def _stock(index: int, price: Decimal, rng: random.Random) -> int:
    # Positions, not chance, pick the sold-out and nearly sold-out products so that every catalog has some.
    if index % 41 == 17:
        return 0
    if index % 29 == 5:
        return rng.randint(1, 4)
    if price < 100_000:
        return rng.randint(20, 180)
    if price < 1_000_000:
        return rng.randint(8, 60)
    return rng.randint(5, 25)


def build_products() -> list[Product]:
    """Every kind's models x variants, in catalog order."""
    top_of_leaf: dict[str, Category] = {}
    for top in CATEGORIES:
        for leaf in top.children or (top,):
            top_of_leaf[leaf.key] = top
    numbers: dict[str, int] = {}
    products: list[Product] = []
    for kind in KINDS:
        top = top_of_leaf[kind.leaf]
        for model_uz, model_ru, base_price in kind.models:
            for variant_uz, variant_ru, multiplier in kind.variants:
                index = len(products)
                numbers[top.code] = numbers.get(top.code, 0) + 1
                sku = f"AS-{top.code}-{numbers[top.code]:04d}"
                # One generator per SKU, not one shared stream: a new kind leaves other prices alone.
                rng = random.Random(f"amazing-store-demo:{sku}")
                price = _round_thousand(Decimal(base_price) * Decimal(multiplier))
                cost = _round_thousand(price * rng.randint(55, 80) / _HUNDRED)
                cost = min(max(cost, _THOUSAND), price - _THOUSAND)
                sale_price: Decimal | None = None
                if rng.random() < 0.2:
                    discount = rng.choice((5, 10, 15, 20, 25))
                    candidate = _round_thousand(price * (100 - discount) / _HUNDRED)
                    # A sale below cost would make the demo's profit reports look broken.
                    if cost < candidate < price:
                        sale_price = candidate
                quantity = _stock(index, price, rng)
                listings: list[Listing] = []
                for slug in API_SLUGS:
                    mapped = rng.random() < 0.6
                    markup = rng.randint(-3, 5)
                    if mapped:
                        listings.append(Listing(slug, _round_thousand(price * (100 + markup) / _HUNDRED)))
                listings += [Listing(slug, sale_price or price) for slug in MANUAL_SLUGS]
                products.append(
                    Product(
                        sku=sku,
                        barcode=_ean13(f"{_BARCODE_PREFIX}{index + 1:05d}"),
                        name_uz=" ".join(kind.name_uz.format(m=model_uz, v=variant_uz).split()).rstrip(","),
                        name_ru=" ".join(kind.name_ru.format(m=model_ru, v=variant_ru).split()).rstrip(","),
                        description_uz=kind.description_uz,
                        description_ru=kind.description_ru,
                        leaf=kind.leaf,
                        image_url=f"/app/demo/{top.key}.svg",
                        price=price,
                        sale_price=sale_price,
                        cost_price=cost,
                        quantity=quantity,
                        listings=tuple(listings),
                        picture=Picture(model_uz, top.color),
                    )
                )
    return products
