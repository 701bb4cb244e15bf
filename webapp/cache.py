"""Catalog answers cached in Redis per language and query, keyed by the catalog version that every
change bumps (core.events), so a read right after a sale or an edit is fresh. The TTL is only a backstop.
With Redis down, answers come straight from the database."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis

from core.events import CATALOG_VERSION

log = logging.getLogger(__name__)
TTL_SECONDS = 300


async def cached(redis: Redis, key: str, load: Callable[[], Awaitable[Any]]) -> Any:
    """`load()`'s JSON-able answer, from the cache when this catalog version already has it."""
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
