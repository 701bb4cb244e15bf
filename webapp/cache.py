"""Catalog answers cached per language and query: in this process's memory (webapp.near_cache), then in
Redis keyed by the catalog version that every change bumps (core.events), so a read right after a sale or
an edit is fresh on every replica. The TTL is only a backstop. With Redis down, answers come straight from
the database."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from redis.asyncio import Redis

from core.events import CATALOG_VERSION
from webapp.keys import NEAR_CACHE, REDIS

log = logging.getLogger(__name__)
TTL_SECONDS = 300


async def cached(
    app: web.Application,
    key: str,
    load: Callable[[], Awaitable[Any]],
    shape: Callable[[Any], Any] = lambda value: value,
) -> Any:
    """`load()`'s JSON-able answer, from a cache when this catalog version already has it; `shape` turns
    it into the form kept in this process's memory (e.g. pre-encoded pieces)."""

    async def from_redis() -> Any:
        return shape(await _shared(app[REDIS], key, load))

    return await app[NEAR_CACHE].page(key, from_redis)


async def _shared(redis: Redis, key: str, load: Callable[[], Awaitable[Any]]) -> Any:
    try:
        version = int(await redis.get(CATALOG_VERSION) or 0)
        full_key = f"cache:{version}:{key}"
        hit = await redis.get(full_key)
    except Exception as error:
        log.debug("cache bypassed: %s", error)
        return await load()
    if hit is not None:
        return json.loads(hit)
    value = await load()
    try:
        await redis.set(full_key, json.dumps(value, separators=(",", ":")), ex=TTL_SECONDS)
    except Exception as error:
        log.debug("cache not filled: %s", error)
    return value
