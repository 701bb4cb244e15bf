"""Which of our products each marketplace listing is: mapped by hand, or matched from the marketplace's
catalog by our SKU or barcode. A new mapping is due for a stock push at once."""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg

from core.errors import NotFound, ValidationError


@dataclass(frozen=True)
class PlatformKeys:
    chrt_id: int | None = None
    sku_id: int | None = None
    barcode: str | None = None
    offer_id: str | None = None
    product_id: int | None = None
    warehouse_id: int | None = None
    title: str | None = None

    def listing_id(self) -> str:
        """The marketplace's own id for the listing, as the design's marketplace_product_id."""
        for value in (self.chrt_id, self.sku_id, self.offer_id, self.barcode):
            if value:
                return str(value)
        raise ValidationError("give at least one platform key (chrtId, skuId + barcode, or offer_id)", "keys")


@dataclass(frozen=True)
class Candidate:
    """One listing of a marketplace catalog, to be matched with our products."""

    seller_sku: str | None
    barcodes: tuple[str, ...]
    keys: PlatformKeys


@dataclass
class MatchReport:
    matched: list[tuple[str, str]] = field(default_factory=list)  # (our SKU, listing id)
    unmatched: list[str] = field(default_factory=list)  # listing ids with no product of ours
    conflicts: list[str] = field(default_factory=list)  # listings several products (or none clearly) claim


_UPSERT = """
INSERT INTO marketplace_products (
    product_id, marketplace_id, marketplace_product_id, marketplace_sku, marketplace_name, price_editable,
    wb_chrt_id, uzum_sku_id, uzum_barcode, ozon_offer_id, ozon_product_id, ozon_warehouse_id
)
SELECT $1, m.id, $3, $4, $5, m.integration_type <> 'api', $6, $7, $8, $9, $10, $11
  FROM marketplaces m WHERE m.id = $2
ON CONFLICT (product_id, marketplace_id) DO UPDATE SET
    marketplace_product_id = EXCLUDED.marketplace_product_id, marketplace_sku = EXCLUDED.marketplace_sku,
    marketplace_name = COALESCE(EXCLUDED.marketplace_name, marketplace_products.marketplace_name),
    wb_chrt_id = EXCLUDED.wb_chrt_id, uzum_sku_id = EXCLUDED.uzum_sku_id, uzum_barcode = EXCLUDED.uzum_barcode,
    ozon_offer_id = EXCLUDED.ozon_offer_id, ozon_product_id = EXCLUDED.ozon_product_id,
    ozon_warehouse_id = EXCLUDED.ozon_warehouse_id, status = 'active',
    stock_version = marketplace_products.stock_version + 1
RETURNING id
"""


async def map_product(conn: asyncpg.Connection, marketplace_id: int, our_sku: str, keys: PlatformKeys) -> int:
    product = await conn.fetchrow("SELECT id, sku FROM products WHERE sku = $1", our_sku)
    if product is None:
        raise NotFound("product with SKU", our_sku)
    try:
        mapping_id = await conn.fetchval(
            _UPSERT, product["id"], marketplace_id, keys.listing_id(), product["sku"], keys.title, keys.chrt_id,
            keys.sku_id, keys.barcode, keys.offer_id, keys.product_id, keys.warehouse_id,
        )
    except asyncpg.UniqueViolationError:
        raise ValidationError(f"listing {keys.listing_id()} is already mapped to another product", "keys") from None
    if mapping_id is None:
        raise NotFound("marketplace", marketplace_id)
    return mapping_id


async def unmap(conn: asyncpg.Connection, marketplace_id: int, our_sku: str) -> bool:
    status = await conn.execute(
        "DELETE FROM marketplace_products mp USING products p"
        " WHERE mp.product_id = p.id AND p.sku = $2 AND mp.marketplace_id = $1",
        marketplace_id, our_sku,
    )
    return not status.endswith(" 0")


async def match_catalog(conn: asyncpg.Connection, marketplace_id: int, candidates: list[Candidate]) -> MatchReport:
    """Map each listing whose seller SKU or barcode is one of our products'; report what did not fit."""
    rows = await conn.fetch("SELECT id, sku, barcode FROM products")
    by_sku = {row["sku"].lower(): row["sku"] for row in rows}
    by_barcode: dict[str, set[str]] = {}
    for row in rows:
        if row["barcode"]:
            by_barcode.setdefault(row["barcode"], set()).add(row["sku"])
    report = MatchReport()
    claimed: dict[str, str] = {}
    for candidate in candidates:
        listing = candidate.keys.listing_id()
        owners = {by_sku[candidate.seller_sku.lower()]} if candidate.seller_sku and \
            candidate.seller_sku.lower() in by_sku else set()
        for barcode in candidate.barcodes:
            owners |= by_barcode.get(barcode, set())
        if not owners:
            report.unmatched.append(listing)
            continue
        if len(owners) > 1 or next(iter(owners)) in claimed:
            report.conflicts.append(listing)
            continue
        our_sku = next(iter(owners))
        claimed[our_sku] = listing
        try:
            async with conn.transaction():  # a savepoint: one refused listing does not undo the others
                await map_product(conn, marketplace_id, our_sku, candidate.keys)
        except ValidationError:
            report.conflicts.append(listing)
            continue
        report.matched.append((our_sku, listing))
    return report
