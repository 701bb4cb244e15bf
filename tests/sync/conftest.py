"""Our shop listed on the three marketplace sandboxes, and a webhook receiver in front of the database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from core.settings import Settings
from core.subscriber import Subscriber
from core.unit_of_work import Effects
from sync.limiter import RateLimits
from tests.builders import Shop
from tests.support import changed
from tests.sync.world import VAULT, World, connect, list_everywhere, sandboxes
from webapp.errors import errors_middleware
from webapp.keys import EFFECTS, POOL, REDIS, SETTINGS, SUBSCRIBER
from webapp.keys import VAULT as VAULT_KEY
from webapp.routes import webhooks


@pytest.fixture
async def world(pool: asyncpg.Pool, redis: Redis, effects: Effects, shop: Shop) -> AsyncIterator[World]:
    """The shop's three products listed and mapped on every sandbox (their stock not pushed yet)."""
    uzum, wb, ozon, yandex = sandboxes()
    for sandbox in (uzum, wb, ozon, yandex):
        await sandbox.start()
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as uow:
            connections = await connect(uow, uzum, wb, ozon, yandex)
        await list_everywhere(conn, connections, uzum, wb, ozon, yandex, [shop.phone, shop.telefon, shop.shirt])
    async with aiohttp.ClientSession() as session:
        yield World(uzum, wb, ozon, yandex, connections, session, RateLimits(redis))
    for sandbox in (uzum, wb, ozon, yandex):
        await sandbox.stop()


@pytest.fixture
async def receiver(
    aiohttp_client: Callable[..., Any],
    settings: Settings,
    pool: asyncpg.Pool,
    redis: Redis,
    subscriber: Subscriber,
    effects: Effects,
) -> TestClient:
    """Only the webhook receiver, behind a proxy on 127.0.0.1 that reports the sender's address."""
    app = web.Application(middlewares=[errors_middleware])
    app[SETTINGS] = changed(settings, trusted_proxies=["127.0.0.1/32"])
    app[POOL], app[REDIS], app[SUBSCRIBER], app[EFFECTS], app[VAULT_KEY] = pool, redis, subscriber, effects, VAULT
    webhooks.setup_routes(app)
    return await aiohttp_client(app)
