"""Test ground: a real PostgreSQL (migrated, tables emptied before each test) and a real Redis.

With DATABASE_URL / REDIS_URL set, their servers are used (a scratch database `<name>_test` is created
and dropped, so a real database is never touched); otherwise embedded servers are started for the session.
The suite runs on every core (pytest-xdist): each worker has a database of its own and a Redis database
number of its own, or its own embedded servers.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from core.db import create_pool
from core.embedded import ServiceUrls, embedded_postgres, embedded_redis
from core.migrations import migrate
from core.settings import Settings
from core.subscriber import Subscriber
from core.unit_of_work import Effects
from tests.builders import Shop, make_shop
from tests.databases import database_name, drop_database, recreate_database, redis_database_for_worker, worker_suffix
from tests.fake_telegram import FakeTelegram
from tests.support import TEST_BOT_TOKEN


async def _migrate(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("DATABASE_URL")
    if configured:
        name = database_name(configured) + "_test" + worker_suffix()
        url = asyncio.run(recreate_database(configured, name))
        asyncio.run(_migrate(url))
        yield url
        asyncio.run(drop_database(configured, name))
        return
    with embedded_postgres(tmp_path_factory.mktemp("embedded") / "pg", database="amazing_store_test") as url:
        asyncio.run(_migrate(url))
        yield url


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("REDIS_URL")
    if configured:
        yield redis_database_for_worker(configured)
        return
    with embedded_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="session")
def service_urls(database_url: str, redis_url: str) -> ServiceUrls:
    return ServiceUrls(database_url, redis_url)


@pytest.fixture(scope="session")
def _application_tables(database_url: str) -> list[str]:
    async def tables() -> list[str]:
        conn = await asyncpg.connect(database_url)
        try:
            rows = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'"
            )
            return [row["tablename"] for row in rows]
        finally:
            await conn.close()

    return asyncio.run(tables())


@pytest.fixture
async def pool(database_url: str, _application_tables: list[str]) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, min_size=1, max_size=20)
    await pool.execute(f"TRUNCATE {', '.join(_application_tables)} RESTART IDENTITY CASCADE")
    yield pool
    await pool.close()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
async def subscriber(redis: Redis) -> AsyncIterator[Subscriber]:
    """The subscription a process's jobs listen on, on the test's Redis."""
    subscriber = Subscriber(redis)
    subscriber.start()
    yield subscriber
    await subscriber.close()


@pytest.fixture
def effects(redis: Redis) -> Effects:
    """The publisher a process builds at start-up, on the test Redis."""
    return Effects(redis)


@pytest.fixture
def settings(tmp_path: Path, service_urls: ServiceUrls) -> Settings:
    """Settings built from explicit values, never from the developer's environment or .env."""
    return Settings(
        _env_file=None,
        bot_token=TEST_BOT_TOKEN,
        public_url="https://shop.example.test",
        admin_ids=[],
        database_url=service_urls.database_url,
        redis_url=service_urls.redis_url,
        data_dir=tmp_path / "data",
        secret_key=Fernet.generate_key().decode(),
        demo_rates=True,  # the app's rates job reads a local stand-in of the bank, never the real one
        metrics_port=0,  # no loopback metrics listener: test apps would contend for one port
    )


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def shop(pool: asyncpg.Pool, effects: Effects) -> Shop:
    return await make_shop(pool, effects)
