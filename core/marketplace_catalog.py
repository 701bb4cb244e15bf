"""A marketplace's catalogue brought in as ours: each card whose listing maps to nothing yet becomes a product of
ours (or is mapped to the one its SKU or barcode names), so a seller who starts from a marketplace need not type
the catalogue again. Core, so that every face can run it with the cards its adapter read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from core import audit, inventory, mappings, photos
from core.catalog import NewProduct, create_product
from core.catalog_import import MAX_PHOTOS
from core.categories import CategoryFields
from core.categories import create as create_category
from core.errors import NotFound
from core.inventory import Source
from core.listings import ListingKeys, platform
from core.unit_of_work import UnitOfWork

# Where a card goes when its marketplace category is not one of ours (by name), in both languages of the shop.
UNCATEGORIZED_UZ, UNCATEGORIZED_RU = "Kategoriyasiz", "Без категории"
MAX_SKU_LENGTH = MAX_BARCODE_LENGTH = 100
MAX_NAME_LENGTH = 255


@dataclass(frozen=True)
class Card:
    """One listing of the marketplace's catalogue with what a product of ours is made from."""

    title: str
    seller_sku: str | None
    barcodes: tuple[str, ...]
    keys: ListingKeys
    warehouse_id: int | None = None
    price: Decimal | None = None
    category: str | None = None
    photo_urls: tuple[str, ...] = field(default_factory=tuple)
    # The platform's FBS stock, taken as our opening stock only when the admin asks for it.
    stock: int | None = None


@dataclass(frozen=True)
class CatalogImport:
    created: int  # new products of ours, mapped to their listing
    mapped: int  # listings mapped to a product we already had (same SKU or barcode)
    skipped: int  # already mapped, claimed by several products, or without a price to start from


async def import_cards(
    uow: UnitOfWork,
    marketplace_id: int,
    cards: Sequence[Card],
    *,
    with_stock: bool,
    low_stock_threshold: int,
    actor_id: int | None = None,
) -> CatalogImport:
    """Bring in the cards whose listing maps to nothing yet, in the caller's unit of work. Run again, it finds
    every listing mapped and adds nothing."""
    conn = uow.conn
    api_type = await conn.fetchval("SELECT COALESCE(api_type, slug) FROM marketplaces WHERE id = $1", marketplace_id)
    if api_type is None:
        raise NotFound("marketplace", marketplace_id)
    described = platform(api_type)
    # One import per marketplace at a time: a second run waits and then finds the listings mapped.
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('marketplace_catalog'), $1)", marketplace_id)
    listed = {
        row["marketplace_product_id"]
        for row in await conn.fetch(
            "SELECT marketplace_product_id FROM marketplace_products WHERE marketplace_id = $1", marketplace_id
        )
    }
    # A key names one listing on its marketplace: a card sharing one with a mapping is that mapping's listing.
    known_keys = {
        (row["name"], row["value"])
        for row in await conn.fetch("SELECT name, value FROM listing_keys WHERE marketplace_id = $1", marketplace_id)
    }
    fresh = [
        card
        for card in cards
        if described.listing_id(card.keys) not in listed and known_keys.isdisjoint(card.keys.items())
    ]
    report = await mappings.match_catalog(
        conn,
        marketplace_id,
        [mappings.Candidate(c.seller_sku, c.barcodes, c.keys, c.title, c.warehouse_id) for c in fresh],
        keep_mapped=True,
    )
    unmatched = set(report.unmatched)
    skus = {row["sku"].lower() for row in await conn.fetch("SELECT sku FROM products")}
    categories = await _Categories.load(uow)
    source = Source("marketplace_catalog", None, marketplace_id, actor_id, "opening stock from the marketplace")
    created = no_price = 0
    for card in fresh:
        listing = described.listing_id(card.keys)
        if listing not in unmatched:
            continue
        if card.price is None:
            no_price += 1
            continue
        sku = _free_sku(card.seller_sku or f"{api_type}-{listing}", listing, skus)
        skus.add(sku.lower())
        title = card.title.strip()[:MAX_NAME_LENGTH] or sku
        barcode = next((code for code in card.barcodes if len(code) <= MAX_BARCODE_LENGTH), None)
        product_id = await create_product(
            uow,
            NewProduct(
                sku=sku,
                name_uz=title,
                name_ru=title,
                price=card.price,
                barcode=barcode,
                category_id=await categories.resolve(card.category),
            ),
            low_stock_threshold=low_stock_threshold,
            created_by=actor_id,
        )
        await mappings.map_product(
            conn, marketplace_id, sku, card.keys, title=card.title or None, warehouse_id=card.warehouse_id
        )
        fetchable = [url for url in card.photo_urls if photos.url_problem(url) is None]
        await photos.queue_urls(conn, product_id, fetchable[:MAX_PHOTOS])
        if with_stock and card.stock:
            await inventory.receive(uow, product_id, card.stock, source, opening=True)
        created += 1
    done = CatalogImport(created, len(report.matched), len(cards) - len(fresh) + len(report.conflicts) + no_price)
    await audit.record(
        conn,
        actor_id,
        audit.MARKETPLACE_IMPORT,
        "marketplace",
        marketplace_id,
        None,
        {"created": done.created, "mapped": done.mapped, "skipped": done.skipped, "with_stock": with_stock},
    )
    return done


def _free_sku(wanted: str, listing: str, taken: set[str]) -> str:
    """The card's own seller SKU when no product of ours has it; else it is told apart by its listing id (a
    Wildberries card's sizes share one vendor code)."""
    sku = wanted.strip()[:MAX_SKU_LENGTH]
    if sku.lower() not in taken:
        return sku
    suffix = f"-{listing}"
    return sku[: MAX_SKU_LENGTH - len(suffix)] + suffix


@dataclass
class _Categories:
    """Our categories by lower-case name (either language), and the fallback made only when first needed."""

    uow: UnitOfWork
    by_name: dict[str, int]
    fallback: int | None = None

    @classmethod
    async def load(cls, uow: UnitOfWork) -> _Categories:
        by_name: dict[str, int] = {}
        for row in await uow.conn.fetch("SELECT id, name_uz, name_ru FROM categories ORDER BY id"):
            for name in (row["name_uz"], row["name_ru"]):
                if name:
                    by_name.setdefault(name.strip().lower(), row["id"])
        return cls(uow, by_name)

    async def resolve(self, name: str | None) -> int:
        found = self.by_name.get((name or "").strip().lower())
        if found is not None:
            return found
        if self.fallback is None:
            self.fallback = self.by_name.get(UNCATEGORIZED_UZ.lower()) or await create_category(
                self.uow, CategoryFields(name_uz=UNCATEGORIZED_UZ, name_ru=UNCATEGORIZED_RU)
            )
            self.by_name[UNCATEGORIZED_UZ.lower()] = self.fallback
        return self.fallback
