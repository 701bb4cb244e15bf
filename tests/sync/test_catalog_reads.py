"""Reading each marketplace back: its catalog (to map our products), its stock and its prices."""

from decimal import Decimal

import asyncpg
import pytest

from sync.automap import automap
from sync.push import push_due
from tests.builders import Shop
from tests.sync.world import SLUGS, World


@pytest.mark.parametrize("slug", SLUGS)
async def test_automap_maps_every_listing_whose_sku_is_ours(
    pool: asyncpg.Pool, world: World, shop: Shop, slug: str
) -> None:
    marketplace = world.connections[slug].marketplace_id
    async with pool.acquire() as conn:
        await _uzum_seller_codes(conn, world)
        await conn.execute("DELETE FROM marketplace_products WHERE marketplace_id = $1", marketplace)
        report = await automap(conn, world.connections[slug], world.limits)
        mapped = await conn.fetchval("SELECT count(*) FROM marketplace_products WHERE marketplace_id = $1", marketplace)
    assert sorted(sku for sku, _ in report.matched) == ["CL-1", "PH-1", "PH-2"]
    assert report.unmatched == [] and report.conflicts == [] and mapped == 3
    run = await push_due(pool, world.connections[slug], world.adapter(slug), trigger="manual")
    assert (run.pushed, run.failed) == (3, 0), "an automapped listing has every key a push needs"


async def _uzum_seller_codes(conn: asyncpg.Connection, world: World) -> None:
    """The seller typed our SKUs as Uzum seller codes (the world's SKUs have none)."""
    ours = {row["id"]: row["sku"] for row in await conn.fetch("SELECT id, sku FROM products")}
    for sku in world.uzum.skus.values():
        sku.seller_sku_code = ours[sku.sku_id - 10_000]


async def test_uzum_automap_takes_the_write_barcode_from_the_stock_api(
    pool: asyncpg.Pool, world: World, shop: Shop
) -> None:
    """Uzum's product card types a barcode as int64, so a leading zero is lost there; the stock API keeps it as a
    string, and only that string is accepted by the stock push (UZ-MD; fidelity D6)."""
    world.uzum.skus[10_000 + shop.phone].barcode = "0478000000001"
    marketplace = world.connections["uzum"].marketplace_id
    async with pool.acquire() as conn:
        await _uzum_seller_codes(conn, world)
        await conn.execute("DELETE FROM marketplace_products WHERE marketplace_id = $1", marketplace)
        await automap(conn, world.connections["uzum"], world.limits)
        barcode = await conn.fetchval(
            "SELECT k.value FROM listing_keys k JOIN marketplace_products mp ON mp.id = k.mapping_id"
            " WHERE mp.product_id = $1 AND mp.marketplace_id = $2 AND k.name = 'barcode'",
            shop.phone,
            marketplace,
        )
    assert barcode == "0478000000001"
    run = await push_due(pool, world.connections["uzum"], world.adapter("uzum"), trigger="manual")
    assert (run.pushed, run.failed) == (3, 0)
    assert world.uzum.stock_of("0478000000001") == 5


@pytest.mark.parametrize("slug", SLUGS)
async def test_stock_and_prices_read_back_per_mapping(pool: asyncpg.Pool, world: World, slug: str) -> None:
    await push_due(pool, world.connections[slug], world.adapter(slug), trigger="scheduled")
    from core.mappings import LISTING_KEYS
    from sync.push import listing_of

    async with pool.acquire() as conn:
        rows = await conn.fetch(
            f"SELECT mp.*, {LISTING_KEYS} FROM marketplace_products mp WHERE marketplace_id = $1",
            world.connections[slug].marketplace_id,
        )
    listings = [listing_of(row, world.connections[slug]) for row in rows]
    adapter = world.adapter(slug)
    stock = await adapter.read_stock(listings)
    assert sorted(stock.values()) == [3, 5, 10]
    quotes = await adapter.read_prices(listings)
    assert len(quotes) == 3 and all(quote.price is not None and quote.price > Decimal(0) for quote in quotes)
