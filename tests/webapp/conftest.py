"""A running web face over the test database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from amazing_store.app import create_app
from core.embedded import ServiceUrls
from core.settings import Settings
from tests.support import ADMIN, changed


@pytest.fixture
async def client(
    aiohttp_client: Callable[..., Any], settings: Settings, service_urls: ServiceUrls, pool: asyncpg.Pool, redis: Redis
) -> TestClient:
    """The `redis` fixture empties Redis first: caches and rate-limit windows from another test must not leak."""
    return await aiohttp_client(create_app(changed(settings, bot_token=None, admin_ids=[ADMIN["id"]]), service_urls))
