"""Every amount a marketplace sends keeps the currency the platform named: Uzum sells in so'm, a Wildberries task
in the seller country's currency (`convertedCurrencyCode`, ISO numeric), an Ozon posting and price in the
cabinet's currency (`currency` / `currency_code`)."""

from dataclasses import replace

import asyncpg
import pytest

from core.unit_of_work import Effects
from sync.pull import pull_orders, pull_prices
from sync.push import push_due
from tests.builders import Shop
from tests.sync.world import World, uzum_barcode

SLUGS = ("uzum", "wildberries", "ozon")


@pytest.fixture(autouse=True)
async def in_sync(pool: asyncpg.Pool, world: World) -> None:
    """The marketplaces start with our stock."""
    for slug in SLUGS:
        await push_due(pool, world.connections[slug], world.adapter(slug), trigger="scheduled")


async def test_an_imported_order_keeps_the_currency_its_platform_named(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    world.uzum.buyer_orders({uzum_barcode(shop.phone): 1})
    world.wb.rules = replace(world.wb.rules, seller_currency=860)  # a seller in Uzbekistan is settled in so'm
    [in_som] = world.wb.buyer_orders({40_000 + shop.shirt: 1})
    world.wb.rules = replace(world.wb.rules, seller_currency=643)  # the spec's examples: roubles
    [in_roubles] = world.wb.buyer_orders({40_000 + shop.phone: 1})
    offer = await pool.fetchval("SELECT sku FROM products WHERE id = $1", shop.telefon)
    world.ozon.items[offer].currency_code = "KZT"
    posting = world.ozon.buyer_orders({offer: 1})
    async with pool.acquire() as conn:
        for slug in SLUGS:
            await pull_orders(conn, effects, world.connections[slug], world.adapter(slug))
    rows = await pool.fetch(
        "SELECT m.slug, o.marketplace_order_id, o.currency FROM orders o JOIN marketplaces m ON m.id = o.marketplace_id"
    )
    found = {(row["slug"], row["marketplace_order_id"]): row["currency"] for row in rows}
    assert len(found) == 4 and found[("ozon", posting["posting_number"])] == "KZT"
    assert found[("wildberries", str(in_som["id"]))] == "UZS"
    assert found[("wildberries", str(in_roubles["id"]))] == "RUB"
    assert {currency for (slug, _), currency in found.items() if slug == "uzum"} == {"UZS"}


async def test_a_task_in_a_currency_we_do_not_know_is_never_taken_for_so_m(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    world.wb.rules = replace(world.wb.rules, seller_currency=999)
    world.wb.buyer_orders({40_000 + shop.shirt: 1})
    async with pool.acquire() as conn:
        await pull_orders(conn, effects, world.connections["wildberries"], world.adapter("wildberries"))
    assert await pool.fetchval("SELECT currency FROM orders") == "XXX"  # ISO 4217 "no currency": no rate, ever


async def test_a_price_read_keeps_its_currency(pool: asyncpg.Pool, world: World, shop: Shop) -> None:
    world.wb.rules = replace(world.wb.rules, prices_currency="KZT")
    offer = await pool.fetchval("SELECT sku FROM products WHERE id = $1", shop.shirt)
    world.ozon.items[offer].currency_code = "BYN"
    async with pool.acquire() as conn:
        for slug in SLUGS:
            await pull_prices(conn, world.connections[slug], world.adapter(slug))
    rows = await pool.fetch(
        "SELECT m.slug, mp.product_id, mp.price_currency FROM marketplace_products mp"
        " JOIN marketplaces m ON m.id = mp.marketplace_id"
    )
    found = {(row["slug"], row["product_id"]): row["price_currency"] for row in rows}
    assert {currency for (slug, _), currency in found.items() if slug == "uzum"} == {"UZS"}
    assert {currency for (slug, _), currency in found.items() if slug == "wildberries"} == {"KZT"}
    assert found[("ozon", shop.shirt)] == "BYN" and found[("ozon", shop.phone)] == "RUB"
