"""Jobs the running process does on its own."""

import asyncio
from datetime import timedelta

import asyncpg

from amazing_store.app import create_app
from core import orders
from core.embedded import ServiceUrls
from core.settings import Settings
from core.unit_of_work import Effects
from tests.builders import make_channel, make_product, stock_of
from tests.support import changed


async def test_running_process_releases_expired_checkout_holds(
    aiohttp_client, settings: Settings, service_urls: ServiceUrls, pool: asyncpg.Pool, effects: Effects
) -> None:
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        shop = await make_channel(conn, "amazing-store", "own", prefix="AS")
        product = await make_product(uow, "P-1", stock=4)
        unpaid = await orders.place(
            uow,
            orders.NewOrder(
                shop,
                (orders.Line(product, 3),),
                orders.Customer("Ali", "+998901234567"),
                hold_for_payment=True,
            ),
            reservation_ttl=timedelta(seconds=0),
        )
    await aiohttp_client(create_app(changed(settings, bot_token=None, sweep_interval=0.1), service_urls))

    for _ in range(50):
        async with pool.acquire() as conn:
            if await stock_of(conn, product) == (4, 0):
                break
        await asyncio.sleep(0.1)
    async with pool.acquire() as conn:
        assert await stock_of(conn, product) == (4, 0)
        assert await conn.fetchval("SELECT status FROM orders WHERE id = $1", unpaid.id) == "cancelled"
