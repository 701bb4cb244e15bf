"""The marketplace sync as the seller steers it: each API marketplace's last pull and push, errors and pending
pushes; pause, resume and run-now; and the listings (mappings) the sync pushes to. Admin writes are audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core import audit, mappings, marketplaces
from core.db import Conn
from core.errors import NotFound, ValidationError
from core.listings import ListingKeys, platform
from core.unit_of_work import Effects

SYNC_PAUSE = "sync.pause"
SYNC_RESUME = "sync.resume"
SYNC_RUN = "sync.run"
LISTING_MAP = "listing.map"
LISTING_UNMAP = "listing.unmap"


class ListingTaken(ValidationError):
    """The listing is already another product's: it has to be unmapped there first."""

    def __init__(self, listing: str, owner_sku: str) -> None:
        super().__init__(f"listing {listing} is already mapped to {owner_sku}", "keys")
        self.listing = listing
        self.owner_sku = owner_sku


@dataclass(frozen=True)
class Run:
    """One sync_logs row: a pull or a push."""

    sync_type: str  # what moved: stock, orders, prices, reconcile
    at: datetime
    status: str
    processed: int
    failed: int
    error: str | None


@dataclass(frozen=True)
class MarketplaceSync:
    marketplace_id: int
    name: str
    api_type: str
    paused: bool
    last_pull: Run | None
    last_push: Run | None
    last_error: Run | None
    failing_listings: int
    pending_pushes: int


_OVERVIEW = """
SELECT m.id, m.name, COALESCE(m.api_type, m.slug) AS api_type, NOT m.auto_sync_enabled AS paused,
       (SELECT count(*) FROM marketplace_products mp
         WHERE mp.marketplace_id = m.id AND mp.sync_status = 'error') AS failing_listings,
       (SELECT count(*) FROM marketplace_products mp
         WHERE mp.marketplace_id = m.id AND mp.stock_version > mp.pushed_version) AS pending_pushes
  FROM marketplaces m
 WHERE m.integration_type = 'api' AND m.is_active
 ORDER BY m.id
"""

# The newest row of each direction, and the newest that carried an error; DISTINCT ON keeps one per key.
_RUNS = """
SELECT DISTINCT ON (marketplace_id, kind) marketplace_id, kind, sync_type, at, status, processed, failed, error
  FROM (
        SELECT marketplace_id, direction AS kind, sync_type, COALESCE(completed_at, started_at) AS at, status,
               items_processed AS processed, items_failed AS failed, error_message AS error, id
          FROM sync_logs
         WHERE marketplace_id = ANY($1::int[])
        UNION ALL
        SELECT marketplace_id, 'error', sync_type, COALESCE(completed_at, started_at), status, items_processed,
               items_failed, error_message, id
          FROM sync_logs
         WHERE marketplace_id = ANY($1::int[]) AND error_message IS NOT NULL
       ) runs
 ORDER BY marketplace_id, kind, at DESC, id DESC
"""


async def overview(conn: Conn) -> list[MarketplaceSync]:
    rows = await conn.fetch(_OVERVIEW)
    runs: dict[tuple[int, str], Run] = {
        (row["marketplace_id"], row["kind"]): Run(
            row["sync_type"], row["at"], row["status"], row["processed"], row["failed"], row["error"]
        )
        for row in await conn.fetch(_RUNS, [row["id"] for row in rows])
    }
    return [
        MarketplaceSync(
            marketplace_id=row["id"],
            name=row["name"],
            api_type=row["api_type"],
            paused=row["paused"],
            last_pull=runs.get((row["id"], "pull")),
            last_push=runs.get((row["id"], "push")),
            last_error=runs.get((row["id"], "error")),
            failing_listings=row["failing_listings"],
            pending_pushes=row["pending_pushes"],
        )
        for row in rows
    ]


async def set_paused(conn: Conn, marketplace_id: int, paused: bool, actor_id: int) -> bool:
    """Pause or resume a marketplace's automatic sync; returns whether anything changed."""
    was_paused = await conn.fetchval(
        "SELECT NOT auto_sync_enabled FROM marketplaces WHERE id = $1 AND integration_type = 'api' FOR UPDATE",
        marketplace_id,
    )
    if was_paused is None:
        raise NotFound("API marketplace", marketplace_id)
    if was_paused == paused:
        return False
    await marketplaces.set_paused(conn, marketplace_id, paused)
    await audit.record(
        conn,
        actor_id,
        SYNC_PAUSE if paused else SYNC_RESUME,
        "marketplace",
        marketplace_id,
        {"auto_sync_enabled": not was_paused},
        {"auto_sync_enabled": not paused},
    )
    return True


async def run_now(conn: Conn, effects: Effects, marketplace_id: int, actor_id: int) -> bool:
    """Ask the sync engine to run now, paused or not; False when Redis did not take the request (the periodic
    sweep still runs). The request is audited only once it went out."""
    if (
        await conn.fetchval("SELECT 1 FROM marketplaces WHERE id = $1 AND integration_type = 'api'", marketplace_id)
        is None
    ):
        raise NotFound("API marketplace", marketplace_id)
    if not await effects.request_sync(marketplace_id):
        return False
    await audit.record(conn, actor_id, SYNC_RUN, "marketplace", marketplace_id, None, {"requested": True})
    return True


@dataclass(frozen=True)
class ListedProduct:
    id: int
    sku: str
    name_uz: str
    name_ru: str | None


@dataclass(frozen=True)
class ChannelListing:
    """An API marketplace and the product's listing there; the listing's fields are None where it is not mapped."""

    marketplace_id: int
    channel: str
    api_type: str
    marketplace_product_id: str | None
    sync_status: str | None


@dataclass(frozen=True)
class ApiChannel:
    id: int
    name: str
    api_type: str  # the platform whose listing keys it needs (core.listings)


_PRODUCT_LISTINGS = """
SELECT m.id AS marketplace_id, m.name AS channel, COALESCE(m.api_type, m.slug) AS api_type,
       mp.marketplace_product_id, mp.sync_status
  FROM marketplaces m
  LEFT JOIN marketplace_products mp ON mp.marketplace_id = m.id AND mp.product_id = $1
 WHERE m.integration_type = 'api' AND m.is_active
 ORDER BY m.id
"""


async def product_listings(conn: Conn, product_id: int) -> tuple[ListedProduct, list[ChannelListing]]:
    """A product and every API marketplace with the product's listing there, if any."""
    product = await conn.fetchrow("SELECT id, sku, name_uz, name_ru FROM products WHERE id = $1", product_id)
    if product is None:
        raise NotFound("product", product_id)
    return ListedProduct(**product), [ChannelListing(**row) for row in await conn.fetch(_PRODUCT_LISTINGS, product_id)]


async def api_channel(conn: Conn, marketplace_id: int) -> ApiChannel:
    """One active API marketplace and the platform whose keys its listings need."""
    row = await conn.fetchrow(
        "SELECT id, name, COALESCE(api_type, slug) AS api_type FROM marketplaces"
        " WHERE id = $1 AND integration_type = 'api' AND is_active",
        marketplace_id,
    )
    if row is None:
        raise NotFound("API marketplace", marketplace_id)
    return ApiChannel(**row)


_LISTING = f"""
SELECT mp.marketplace_product_id, mp.warehouse_id, {mappings.LISTING_KEYS}
  FROM marketplace_products mp WHERE mp.product_id = $1 AND mp.marketplace_id = $2
"""


async def _listing(conn: Conn, product_id: int, marketplace_id: int) -> dict[str, object] | None:
    row = await conn.fetchrow(_LISTING, product_id, marketplace_id)
    return (
        None
        if row is None
        else {"listing": row["marketplace_product_id"], "warehouse_id": row["warehouse_id"], **row["keys"]}
    )


async def _product_sku(conn: Conn, product_id: int) -> str:
    sku = await conn.fetchval("SELECT sku FROM products WHERE id = $1", product_id)
    if sku is None:
        raise NotFound("product", product_id)
    return str(sku)


_OWNER = """
SELECT p.sku
  FROM listing_keys k
  JOIN marketplace_products mp ON mp.id = k.mapping_id
  JOIN products p ON p.id = mp.product_id
 WHERE k.marketplace_id = $1 AND mp.product_id <> $2
   AND (k.name, k.value) IN (SELECT * FROM unnest($3::text[], $4::text[]))
 LIMIT 1
"""


async def map_listing(
    conn: Conn,
    product_id: int,
    marketplace_id: int,
    keys: ListingKeys,
    actor_id: int | None,
    *,
    warehouse_id: int | None = None,
) -> int:
    """Our product is this marketplace listing from now on (due for a stock push at once). A listing that is
    already another product's is refused with ValidationError(field='keys')."""
    channel = await api_channel(conn, marketplace_id)  # manual channels have no listings to push to
    listing_id = platform(channel.api_type).listing_id(keys)
    owner = await conn.fetchval(_OWNER, marketplace_id, product_id, *mappings.key_arrays(keys))
    if owner is not None:  # the unique index would refuse it too, but could not say whose it is
        raise ListingTaken(listing_id, owner)
    before = await _listing(conn, product_id, marketplace_id)
    mapping_id = await mappings.map_product(
        conn, marketplace_id, await _product_sku(conn, product_id), keys, warehouse_id=warehouse_id
    )
    await audit.record(
        conn,
        actor_id,
        LISTING_MAP,
        "product",
        product_id,
        {"marketplace_id": marketplace_id, **before} if before else None,
        {"marketplace_id": marketplace_id, "listing": listing_id, "warehouse_id": warehouse_id, **keys},
    )
    return mapping_id


async def unmap_listing(conn: Conn, product_id: int, marketplace_id: int, actor_id: int) -> bool:
    """The product is no longer sold through that listing; returns False when it was not mapped."""
    before = await _listing(conn, product_id, marketplace_id)
    if before is None:
        return False
    await mappings.unmap(conn, marketplace_id, await _product_sku(conn, product_id))
    await audit.record(
        conn, actor_id, LISTING_UNMAP, "product", product_id, {"marketplace_id": marketplace_id, **before}, None
    )
    return True
