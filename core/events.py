"""The channels of best-effort events on Redis (caches, live pages), and following one of them.

They are published by core.unit_of_work.Effects. Losing one loses nothing else: the outbox and the push marks
in the database are the durable path.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from redis.asyncio import Redis

log = logging.getLogger(__name__)

STOCK_CHANGED = "stock.changed"
# A webhook event was stored: wakes the worker (payload: the marketplace id).
WEBHOOK_RECEIVED = "webhook.received"
# An admin asked for a marketplace sync now (payload: the marketplace id).
SYNC_REQUESTED = "sync.requested"
# A marketplace's connection settings or webhook credentials changed (payload: its slug): every replica drops
# the webhook credentials it keeps in memory.
MARKETPLACE_CHANGED = "marketplace.changed"
# Bumped on every change a catalog page could show (stock, price, texts, categories, banners): cached
# catalog answers are keyed by it, so the next read after a change is fresh on every replica.
CATALOG_VERSION = "catalog:version"
# Each bump is also published with the new version, so that processes keeping catalog answers in memory
# (webapp.near_cache) drop them at once instead of asking Redis for the version on every read.
CATALOG_CHANGED = "catalog.changed"
# A customer's favorites changed (payload: the user id): replicas drop what they remember of them.
FAVORITES_CHANGED = "favorites.changed"


async def follow(redis: Redis, channel: str, react: Callable[[], None]) -> None:
    """Call `react` on every message of `channel`, and on each (re)subscription too, since whatever was published
    while this process was not subscribed is unknown. Runs until cancelled; waits out Redis outages."""
    while True:
        try:
            async with redis.pubsub() as pubsub:
                await pubsub.subscribe(channel)
                react()
                while True:
                    if await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0) is not None:
                        react()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("%s listener lost Redis (%s); retrying", channel, error)
            await asyncio.sleep(2)
