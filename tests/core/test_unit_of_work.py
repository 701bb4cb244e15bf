"""Effects after commit in one place: they run once the unit of work committed, never after a rollback, and
no stock moves outside a unit of work."""

import asyncio
import json
from collections.abc import AsyncIterator
from decimal import Decimal

import asyncpg
import pytest
from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from core import catalog, events, inventory
from core.inventory import Source
from core.unit_of_work import Effects, UnitClosed, UnitOfWork
from tests.builders import make_product, stock_of

WHY = Source("adjustment", notes="counted")


@pytest.fixture
async def product(pool: asyncpg.Pool, effects: Effects) -> int:
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        return await make_product(uow, "P-1", stock=10, price="1500")


@pytest.fixture
async def heard(redis: Redis) -> AsyncIterator[PubSub]:
    """A subscription to what caches and live pages hear."""
    async with redis.pubsub() as subscription:
        await subscription.subscribe(
            *(
                events.scoped(redis, channel)
                for channel in [
                    events.STOCK_CHANGED,
                    events.CATALOG_CHANGED,
                    events.FAVORITES_CHANGED,
                    events.MARKETPLACE_CHANGED,
                ]
            )
        )
        yield subscription


async def _messages(subscription: PubSub, wait: float = 0.3) -> list[tuple[str, str]]:
    """What was published since the last call (the subscription's confirmations aside), by channel names without
    their database's prefix."""
    found = []
    while (message := await subscription.get_message(timeout=wait)) is not None:
        if message["type"] == "message":
            found.append((message["channel"].decode().partition(":")[2], message["data"].decode()))
    return found


async def test_stock_effects_do_not_run_when_the_transaction_rolls_back(
    pool: asyncpg.Pool, effects: Effects, redis: Redis, product: int, heard: PubSub
) -> None:
    version = await redis.get(events.CATALOG_VERSION)
    await _messages(heard)
    async with pool.acquire() as conn:
        with pytest.raises(ZeroDivisionError):
            async with effects.transaction(conn) as uow:
                await inventory.adjust(uow, product, -3, WHY)
                raise ZeroDivisionError  # anything that fails after the write, before the commit
        assert await stock_of(conn, product) == (10, 0)
    assert await _messages(heard) == [], "no live page hears of stock that never moved"
    assert await redis.get(events.CATALOG_VERSION) == version, "no cached page is dropped for it"


async def test_stock_effects_run_once_after_the_commit_with_the_latest_level(
    pool: asyncpg.Pool, effects: Effects, redis: Redis, product: int, heard: PubSub
) -> None:
    version = int(await redis.get(events.CATALOG_VERSION) or 0)
    await _messages(heard)
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        await inventory.adjust(uow, product, -3, WHY)
        await inventory.adjust(uow, product, -2, WHY)
        await catalog.update_product(uow, product, {"name_ru": "Товар"})
        assert await _messages(heard) == [], "nothing is published before the commit"
    assert await _messages(heard) == [
        (events.CATALOG_CHANGED, str(version + 1)),
        (events.STOCK_CHANGED, json.dumps({"product_id": product, "available": 5, "price": "1500.00"})),
    ]
    assert int(await redis.get(events.CATALOG_VERSION)) == version + 1, "one bump for the whole unit"


async def test_a_savepoint_that_rolls_back_takes_its_effects_with_it(
    pool: asyncpg.Pool, effects: Effects, product: int, heard: PubSub
) -> None:
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as uow:
            other = await make_product(uow, "P-2", stock=4, price="2000")
        await _messages(heard)
        async with effects.transaction(conn) as uow:
            await inventory.adjust(uow, product, -1, WHY)
            with pytest.raises(ZeroDivisionError):
                async with uow.savepoint():
                    await inventory.adjust(uow, other, -1, WHY)
                    raise ZeroDivisionError
        assert await stock_of(conn, other) == (4, 0)
    stock = [json.loads(data) for channel, data in await _messages(heard) if channel == events.STOCK_CHANGED]
    assert [level["product_id"] for level in stock] == [product]


async def test_other_effects_run_after_the_commit_and_this_process_hears_them_first(
    pool: asyncpg.Pool, effects: Effects, product: int, heard: PubSub
) -> None:
    bumps: list[int] = []
    favorites: list[int] = []
    stops = [effects.listen_to_catalog_bumps(bumps.append), effects.listen_to_favorites(favorites.append)]
    async with pool.acquire() as conn:
        customer = await conn.fetchval("INSERT INTO users (telegram_id, first_name) VALUES (5, 'Ali') RETURNING id")
        await _messages(heard)
        async with effects.transaction(conn) as uow:
            uow.favorites_changed(customer)
            uow.marketplace_changed("ozon")
            uow.catalog_changed()
            assert bumps == [] and favorites == []
    for stop in stops:
        stop()
    assert favorites == [customer] and len(bumps) == 1
    assert await _messages(heard) == [
        (events.CATALOG_CHANGED, str(bumps[0])),
        (events.FAVORITES_CHANGED, str(customer)),
        (events.MARKETPLACE_CHANGED, "ozon"),
    ]


async def test_a_stock_write_on_a_bare_connection_is_refused_before_anything_is_written(
    pool: asyncpg.Pool, product: int
) -> None:
    async with pool.acquire() as conn:
        with pytest.raises(TypeError, match="unit of work"):
            await inventory.adjust(conn, product, -1, WHY)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="unit of work"):
            await inventory.receive(conn, product, 1, WHY)  # type: ignore[arg-type]
        with pytest.raises(UnitClosed):  # a unit made by hand is never opened: nothing would run its effects
            await inventory.adjust(UnitOfWork(conn), product, -1, WHY)
        assert await stock_of(conn, product) == (10, 0)
        assert await conn.fetchval("SELECT count(*) FROM inventory_movements WHERE movement_type = 'adjustment'") == 0


async def test_a_unit_cannot_be_used_after_its_commit_nor_opened_inside_another_transaction(
    pool: asyncpg.Pool, effects: Effects, product: int
) -> None:
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as uow:
            await inventory.adjust(uow, product, -1, WHY)
        with pytest.raises(UnitClosed):
            await inventory.adjust(uow, product, -1, WHY)
        async with conn.transaction():
            with pytest.raises(RuntimeError, match="outermost"):
                async with effects.transaction(conn):
                    pass
        assert await stock_of(conn, product) == (9, 0)


async def test_redis_down_never_fails_a_committed_write(pool: asyncpg.Pool, product: int) -> None:
    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    effects = Effects(unreachable)
    async with pool.acquire() as conn:
        async with asyncio.timeout(5):
            async with effects.transaction(conn) as uow:
                await inventory.adjust(uow, product, -1, WHY)
                uow.favorites_changed(1)
                uow.marketplace_changed("ozon")
        assert await stock_of(conn, product) == (9, 0)
    assert not await effects.request_sync(1)
    await unreachable.aclose()


async def test_stock_level_is_published_with_the_price_customers_pay(
    pool: asyncpg.Pool, effects: Effects, product: int, heard: PubSub
) -> None:
    async with pool.acquire() as conn:
        await conn.execute("UPDATE products SET sale_price = 1200 WHERE id = $1", product)
        await _messages(heard)
        async with effects.transaction(conn) as uow:
            await inventory.sell(uow, product, 2, Source())
    stock = [json.loads(data) for channel, data in await _messages(heard) if channel == events.STOCK_CHANGED]
    assert stock == [{"product_id": product, "available": 8, "price": str(Decimal("1200.00"))}]
