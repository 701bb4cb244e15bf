"""The demo as a new user runs it: the seeded catalog syncs with local sandboxes standing in for the
marketplaces that have no credentials, and a sale in the store reaches them."""

import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from amazing_store.app import DEMO_MARKETPLACES, create_app
from core import marketplaces
from core.embedded import ServiceUrls
from core.settings import Settings
from core.unit_of_work import Effects
from core.vault import vault_for
from demo.sandboxes.wildberries import WildberriesSandbox
from demo.seeding import seed_demo
from tests.support import changed, login


async def test_a_store_sale_reaches_the_demo_marketplaces(
    aiohttp_client: Callable[..., Any],
    settings: Settings,
    service_urls: ServiceUrls,
    pool: asyncpg.Pool,
    effects: Effects,
    redis: Redis,
) -> None:
    async with pool.acquire() as conn:
        await seed_demo(conn, effects)
        product = await conn.fetchrow(
            """
            SELECT p.id, p.sku, i.quantity FROM products p JOIN inventory i ON i.product_id = p.id
             WHERE i.quantity > 3 AND p.is_active
               AND (SELECT count(*) FROM marketplace_products mp JOIN marketplaces m ON m.id = mp.marketplace_id
                     WHERE mp.product_id = p.id AND m.integration_type = 'api') = 4
             ORDER BY p.id LIMIT 1
            """
        )
        # The demo's delivery zones ask the customer to choose one.
        zone = await conn.fetchval("SELECT id FROM delivery_zones WHERE name_uz = 'Toshkent shahri'")
        ids = await conn.fetchrow(
            "SELECT max(k.value) FILTER (WHERE k.name = 'barcode') AS uzum,"
            " max(k.value) FILTER (WHERE k.name = 'chrt_id') AS wb,"
            " max(k.value) FILTER (WHERE k.name = 'offer_id' AND m.api_type = 'ozon') AS ozon,"
            " max(k.value) FILTER (WHERE k.name = 'offer_id' AND m.api_type = 'yandex') AS yandex"
            " FROM marketplace_products mp JOIN listing_keys k ON k.mapping_id = mp.id"
            " JOIN marketplaces m ON m.id = mp.marketplace_id WHERE mp.product_id = $1",
            product["id"],
        )
    client: TestClient = await aiohttp_client(
        create_app(changed(settings, bot_token=None, push_sweep_interval=0.5), service_urls)
    )
    sandboxes = {type(s).__name__: s for s in client.app[DEMO_MARKETPLACES].sandboxes.values()}
    assert set(sandboxes) == {"UzumSandbox", "WildberriesSandbox", "OzonSandbox", "YandexSandbox"}

    await client.post("/api/cart", json={"product_id": product["id"], "quantity": 2}, headers=login(client))
    placed = await client.post(
        "/api/orders",
        json={"customer_name": "Demo", "customer_phone": "+998901234567", "delivery_zone_id": zone},
        headers=login(client),
    )
    assert placed.status == 201
    expected = product["quantity"] - 2

    def seen() -> tuple[int, int, int, int]:
        return (
            sandboxes["UzumSandbox"].stock_of(ids["uzum"]),
            sandboxes["WildberriesSandbox"].stock_of(int(ids["wb"])),
            sandboxes["OzonSandbox"].stock_of(ids["ozon"]),
            sandboxes["YandexSandbox"].stock_of(ids["yandex"]),
        )

    for _ in range(100):
        if seen() == (expected,) * 4:
            break
        await asyncio.sleep(0.1)
    assert seen() == (expected,) * 4


async def test_a_configured_marketplace_is_never_redirected_to_a_sandbox(
    aiohttp_client: Callable[..., Any],
    settings: Settings,
    service_urls: ServiceUrls,
    pool: asyncpg.Pool,
    effects: Effects,
    redis: Redis,
) -> None:
    async with WildberriesSandbox(token="real-looking-token") as own_wb:
        async with pool.acquire() as conn:
            await seed_demo(conn, effects)
            async with effects.transaction(conn) as uow:
                await marketplaces.configure(
                    uow,
                    "wildberries",
                    marketplaces.Changes(
                        base_url=own_wb.base_url,
                        token="real-looking-token",
                        warehouse_id=own_wb.default_warehouse,
                    ),
                    vault_for(settings),
                )
        client: TestClient = await aiohttp_client(create_app(changed(settings, bot_token=None), service_urls))
        routed = client.app[DEMO_MARKETPLACES].sandboxes.values()
        assert {type(s).__name__ for s in routed} == {"UzumSandbox", "OzonSandbox", "YandexSandbox"}
