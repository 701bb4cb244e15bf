"""A seller's first day without the demo: a database that only `migrate` has seen can sell in the own store, and
`amazing-store run` (the production path) loads no demo."""

import asyncio
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg

from amazing_store.app import create_app
from core.embedded import ServiceUrls, free_port
from core.settings import Settings
from core.unit_of_work import Effects
from demo.seeding import seed_demo
from tests.builders import make_product
from tests.e2e.test_process import _env
from tests.support import changed, login, wait_ready

BUYER = {"customer_name": "Aziza Karimova", "customer_phone": "90 123 45 67", "customer_address": "Toshkent"}


async def test_an_empty_migrated_database_sells_in_the_own_store(
    empty_database: str,
    service_urls: ServiceUrls,
    settings: Settings,
    effects: Effects,
    aiohttp_client: Callable[..., Any],
) -> None:
    urls = ServiceUrls(empty_database, service_urls.redis_url)
    pool = await asyncpg.create_pool(empty_database, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn, effects.transaction(conn) as uow:
            product = await make_product(uow, "MY-1", stock=4)
        client = await aiohttp_client(
            create_app(changed(settings, bot_token=None, database_url=empty_database, demo_marketplaces=False), urls)
        )
        added = await client.post("/api/cart", json={"product_id": product, "quantity": 1}, headers=login(client))
        assert added.status == 200, await added.text()
        placed = await client.post("/api/orders", json=BUYER, headers=login(client))
        assert placed.status == 201, await placed.text()
        assert (await placed.json())["order"]["order_number"].startswith("AS-")
        assert await pool.fetchval("SELECT quantity FROM inventory WHERE product_id = $1", product) == 3
    finally:
        await pool.close()


async def test_the_own_store_is_one_channel_whatever_the_demo_does(empty_database: str, effects: Effects) -> None:
    conn = await asyncpg.connect(empty_database)
    try:
        await conn.execute("UPDATE marketplaces SET name = 'Zebo Butik' WHERE integration_type = 'own'")
        summary = await seed_demo(conn, effects)
        own = await conn.fetch("SELECT name, is_demo FROM marketplaces WHERE integration_type = 'own'")
    finally:
        await conn.close()
    assert summary.marketplaces == 6
    assert [(r["name"], r["is_demo"]) for r in own] == [("Zebo Butik", False)]


async def test_run_loads_no_demo(empty_database: str, service_urls: ServiceUrls, tmp_path: Path) -> None:
    port = free_port()
    urls = ServiceUrls(empty_database, service_urls.redis_url)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "amazing_store",
        "run",
        env=_env(urls, tmp_path, HTTP_PORT=str(port), DEMO_MARKETPLACES="false"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        await wait_ready(f"http://127.0.0.1:{port}/readyz", process)
        conn = await asyncpg.connect(empty_database)
        try:
            counts = await conn.fetchrow(
                "SELECT (SELECT count(*) FROM products) AS products, (SELECT count(*) FROM categories) AS categories,"
                " array_agg(integration_type) AS channels FROM marketplaces"
            )
        finally:
            await conn.close()
    finally:
        process.terminate()
        await process.communicate()
    assert (counts["products"], counts["categories"], counts["channels"]) == (0, 0, ["own"])
