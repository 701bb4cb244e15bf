"""Which of our products each marketplace listing is: mapped by hand, or matched from the marketplace's
catalog by our SKU or barcode. A listing's platform keys live in `listing_keys` (see core.listings). A new
mapping is due for a stock push at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import asyncpg

from core import audit
from core.db import Conn
from core.errors import NotFound, ValidationError
from core.listings import ListingKeys, platform


@dataclass(frozen=True)
class Candidate:
    """One listing of a marketplace catalog, to be matched with our products."""

    seller_sku: str | None
    barcodes: tuple[str, ...]
    keys: ListingKeys
    title: str | None = None
    warehouse_id: int | None = None


@dataclass
class MatchReport:
    matched: list[tuple[str, str]] = field(default_factory=list)  # (our SKU, listing id) newly mapped
    already: list[tuple[str, str]] = field(default_factory=list)  # (our SKU, listing id) so before; keys refreshed
    unmatched: list[str] = field(default_factory=list)  # listing ids with no product of ours
    conflicts: list[str] = field(default_factory=list)  # listings several products (or none clearly) claim


@dataclass(frozen=True)
class Automapped:
    """An automap's report counted, as the chat shows it and the audit log keeps it."""

    mapped: int
    already: int
    unmatched: int
    conflicts: int

    @classmethod
    def of(cls, report: MatchReport) -> Automapped:
        return cls(len(report.matched), len(report.already), len(report.unmatched), len(report.conflicts))


_UPSERT = """
INSERT INTO marketplace_products (product_id, marketplace_id, marketplace_product_id, marketplace_sku,
                                  marketplace_name, price_editable, warehouse_id)
SELECT $1, m.id, $3, $4, $5, m.integration_type <> 'api', $6
  FROM marketplaces m WHERE m.id = $2
ON CONFLICT (product_id, marketplace_id) DO UPDATE SET
    marketplace_product_id = EXCLUDED.marketplace_product_id, marketplace_sku = EXCLUDED.marketplace_sku,
    marketplace_name = COALESCE(EXCLUDED.marketplace_name, marketplace_products.marketplace_name),
    warehouse_id = EXCLUDED.warehouse_id, status = 'active',
    stock_version = marketplace_products.stock_version + 1
RETURNING id
"""

_SET_KEYS = """
INSERT INTO listing_keys (mapping_id, marketplace_id, name, value)
SELECT $1, $2, k.name, k.value FROM unnest($3::text[], $4::text[]) AS k(name, value)
"""

# A mapping's keys as one {name: value} object, for a statement over `marketplace_products mp`.
LISTING_KEYS = """
COALESCE((SELECT jsonb_object_agg(k.name, k.value) FROM listing_keys k WHERE k.mapping_id = mp.id), '{}') AS keys
"""


def key_arrays(keys: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """The keys as the two parallel arrays the statements unnest."""
    return list(keys), list(keys.values())


async def map_product(
    conn: Conn,
    marketplace_id: int,
    our_sku: str,
    keys: ListingKeys,
    *,
    title: str | None = None,
    warehouse_id: int | None = None,
) -> int:
    """Our product (by SKU) is this listing from now on; its keys replace the mapping's old ones."""
    product = await conn.fetchrow("SELECT id, sku FROM products WHERE sku = $1", our_sku)
    if product is None:
        raise NotFound("product with SKU", our_sku)
    api_type = await conn.fetchval("SELECT COALESCE(api_type, slug) FROM marketplaces WHERE id = $1", marketplace_id)
    if api_type is None:
        raise NotFound("marketplace", marketplace_id)
    listing_id = platform(api_type).listing_id(keys)
    try:
        async with conn.transaction():
            mapping_id = await conn.fetchval(
                _UPSERT, product["id"], marketplace_id, listing_id, product["sku"], title, warehouse_id
            )
            await conn.execute("DELETE FROM listing_keys WHERE mapping_id = $1", mapping_id)
            await conn.execute(_SET_KEYS, mapping_id, marketplace_id, *key_arrays(keys))
    except asyncpg.UniqueViolationError:
        raise ValidationError(f"listing {listing_id} is already mapped to another product", "keys") from None
    return int(mapping_id)


async def learn_keys(conn: Conn, marketplace_id: int, learnt: Mapping[int, Mapping[str, str]]) -> int:
    """Keys the marketplace told us about mappings we hold (mapping id -> keys). The platform is the authority:
    a value it now gives another listing moves there. Returns how many keys changed."""
    changed = 0
    for mapping_id, keys in learnt.items():
        for name, value in keys.items():
            await conn.execute(
                "DELETE FROM listing_keys WHERE marketplace_id = $1 AND name = $2 AND value = $3 AND mapping_id <> $4",
                marketplace_id,
                name,
                value,
                mapping_id,
            )
            status = await conn.execute(
                """
                INSERT INTO listing_keys (mapping_id, marketplace_id, name, value)
                SELECT id, marketplace_id, $3, $4 FROM marketplace_products WHERE id = $1 AND marketplace_id = $2
                ON CONFLICT (mapping_id, name) DO UPDATE SET value = EXCLUDED.value
                 WHERE listing_keys.value <> EXCLUDED.value
                """,
                mapping_id,
                marketplace_id,
                name,
                value,
            )
            changed += not status.endswith(" 0")
    return changed


async def unmap(conn: Conn, marketplace_id: int, our_sku: str) -> bool:
    status = await conn.execute(
        "DELETE FROM marketplace_products mp USING products p"
        " WHERE mp.product_id = p.id AND p.sku = $2 AND mp.marketplace_id = $1",
        marketplace_id,
        our_sku,
    )
    return not status.endswith(" 0")


async def match_catalog(
    conn: Conn, marketplace_id: int, candidates: list[Candidate], *, keep_mapped: bool = False
) -> MatchReport:
    """Map each listing whose seller SKU or barcode is one of our products'; report what did not fit. With
    ``keep_mapped``, a product already mapped on this marketplace keeps its listing and another that claims it is
    a conflict (an import of the unmapped listings must not move a mapping the seller made)."""
    api_type = await conn.fetchval("SELECT COALESCE(api_type, slug) FROM marketplaces WHERE id = $1", marketplace_id)
    if api_type is None:
        raise NotFound("marketplace", marketplace_id)
    described = platform(api_type)
    rows = await conn.fetch("SELECT id, sku, barcode FROM products")
    before = {
        row["sku"]: row["marketplace_product_id"]
        for row in await conn.fetch(
            "SELECT p.sku, mp.marketplace_product_id"
            "  FROM marketplace_products mp JOIN products p ON p.id = mp.product_id"
            " WHERE mp.marketplace_id = $1",
            marketplace_id,
        )
    }
    mapped = set(before) if keep_mapped else set()
    by_sku = {row["sku"].lower(): row["sku"] for row in rows}
    by_barcode: dict[str, set[str]] = {}
    for row in rows:
        if row["barcode"]:
            by_barcode.setdefault(row["barcode"], set()).add(row["sku"])
    report = MatchReport()
    claimed: dict[str, str] = {}
    for candidate in candidates:
        listing = described.listing_id(candidate.keys)
        owners = (
            {by_sku[candidate.seller_sku.lower()]}
            if candidate.seller_sku and candidate.seller_sku.lower() in by_sku
            else set()
        )
        for barcode in candidate.barcodes:
            owners |= by_barcode.get(barcode, set())
        if not owners:
            report.unmatched.append(listing)
            continue
        if len(owners) > 1 or next(iter(owners)) in claimed or next(iter(owners)) in mapped:
            report.conflicts.append(listing)
            continue
        our_sku = next(iter(owners))
        claimed[our_sku] = listing
        try:
            async with conn.transaction():  # a savepoint: one refused listing does not undo the others
                await map_product(
                    conn,
                    marketplace_id,
                    our_sku,
                    candidate.keys,
                    title=candidate.title,
                    warehouse_id=candidate.warehouse_id,
                )
        except ValidationError:
            report.conflicts.append(listing)
            continue
        (report.already if before.get(our_sku) == listing else report.matched).append((our_sku, listing))
    return report


async def automap(conn: Conn, marketplace_id: int, candidates: list[Candidate], *, actor_id: int | None) -> MatchReport:
    """Map the marketplace's listings whose SKU or barcode is ours (match_catalog), with one audit row of the
    counts in the same transaction."""
    async with conn.transaction():
        report = await match_catalog(conn, marketplace_id, candidates)
        counts = Automapped.of(report)
        await audit.record(
            conn,
            actor_id,
            audit.CATALOG_AUTOMAP,
            "marketplace",
            marketplace_id,
            None,
            {
                "mapped": counts.mapped,
                "already": counts.already,
                "unmatched": counts.unmatched,
                "conflicts": counts.conflicts,
            },
        )
    return report
