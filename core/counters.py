"""View counters buffered in Redis and added to the database by a job, so that showing a product or a
banner costs no database write. Counts are best effort: with Redis down, views go uncounted."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

from redis.asyncio import Redis

from core import banners
from core.db import Conn

log = logging.getLogger(__name__)

PRODUCT_VIEWS = "views:products"
BANNER_VIEWS = "views:banners"


async def bump(redis: Redis, key: str, ids: Iterable[int]) -> None:
    try:
        async with redis.pipeline(transaction=False) as pipe:
            for item_id in ids:
                pipe.hincrby(key, str(item_id), 1)
            await pipe.execute()
    except Exception as error:
        log.debug("views not counted: %s", error)


async def _drain(redis: Redis, key: str) -> dict[int, int]:
    """Take the tallies away atomically (RENAME), so views counted meanwhile go to the next flush."""
    batch = f"{key}:flushing:{uuid.uuid4().hex}"
    try:
        await redis.rename(key, batch)
    except Exception:  # no such key: nothing viewed since the last flush
        return {}
    # redis-py hints this asyncio command "Awaitable[T] | T" (redis-py#2399), which `await` rejects.
    tallies = await redis.hgetall(batch)  # type: ignore[misc]
    await redis.delete(batch)
    return {int(item_id): int(count) for item_id, count in tallies.items()}


async def flush_views(conn: Conn, redis: Redis) -> None:
    products = await _drain(redis, PRODUCT_VIEWS)
    if products:
        await conn.execute(
            """
            UPDATE products p SET view_count = p.view_count + v.views
              FROM UNNEST($1::int[], $2::int[]) AS v(id, views)
             WHERE p.id = v.id
            """,
            list(products),
            list(products.values()),
        )
    await banners.count_views(conn, await _drain(redis, BANNER_VIEWS))
