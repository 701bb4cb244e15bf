"""Reading each marketplace back: its catalog (to map our products), its stock and its prices."""

from decimal import Decimal

import asyncpg
import pytest

from sync.automap import automap
from sync.push import push_due
from tests.builders import Shop
from tests.sync.world import World

SLUGS = ("uzum", "wildberries", "ozon")


@pytest.mark.parametrize("slug", SLUGS)
async def test_automap_maps_every_listing_whose_sku_is_ours(
    pool: asyncpg.Pool, world: World, shop: Shop, slug: str
) -> None:
    marketplace = world.connections[slug].marketplace_id
    async with pool.acquire() as conn:
        await conn.execute("DELETE FROM marketplace_products WHERE marketplace_id = $1", marketplace)
        report = await automap(conn, world.connections[slug], world.limits)
        mapped = await conn.fetchval("SELECT count(*) FROM marketplace_products WHERE marketplace_id = $1",
                                     marketplace)
    assert sorted(sku for sku, _ in report.matched) == ["CL-1", "PH-1", "PH-2"]
    assert report.unmatched == [] and report.conflicts == [] and mapped == 3
    run = await push_due(pool, world.connections[slug], world.adapter(slug), trigger="manual")
    assert (run.pushed, run.failed) == (3, 0), "an automapped listing has every key a push needs"


@pytest.mark.parametrize("slug", SLUGS)
async def test_stock_and_prices_read_back_per_mapping(pool: asyncpg.Pool, world: World, slug: str) -> None:
    await push_due(pool, world.connections[slug], world.adapter(slug), trigger="scheduled")
    from sync.push import listing_of

    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT * FROM marketplace_products WHERE marketplace_id = $1",
                                world.connections[slug].marketplace_id)
    listings = [listing_of(row, world.connections[slug]) for row in rows]
    adapter = world.adapter(slug)
    stock = await adapter.read_stock(listings)
    assert sorted(stock.values()) == [3, 5, 10]
    quotes = await adapter.read_prices(listings)
    assert len(quotes) == 3 and all(quote.price is not None and quote.price > Decimal(0) for quote in quotes)
