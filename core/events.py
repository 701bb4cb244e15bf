"""Best-effort events on Redis after a commit (caches, live pages).

Losing one loses nothing else: the outbox and the push marks in the database are the durable path.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

from redis.asyncio import Redis

from core.inventory import StockLevel

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

# This process's own listeners hear a bump before the publish returns: a customer's next read on the same
# replica must see their own change, and pub/sub delivery to our own subscriber may lag behind it.
_bump_listeners: list[Callable[[int], None]] = []


def listen_to_catalog_bumps(listener: Callable[[int], None]) -> Callable[[], None]:
    """Call `listener(version)` on every bump this process makes; returns the function that stops it."""
    _bump_listeners.append(listener)
    return lambda: _bump_listeners.remove(listener)


async def _bump_catalog(redis: Redis) -> None:
    version = int(await redis.incr(CATALOG_VERSION))
    for listener in list(_bump_listeners):
        listener(version)
    await redis.publish(CATALOG_CHANGED, version)


async def publish_stock_changed(redis: Redis, levels: Iterable[StockLevel]) -> None:
    """Publish the latest level of each product; call it after the transaction committed."""
    latest = {level.product_id: level for level in levels}
    if not latest:
        return
    try:
        await _bump_catalog(redis)
        for level in latest.values():
            await redis.publish(
                STOCK_CHANGED,
                json.dumps({"product_id": level.product_id, "available": level.available, "price": str(level.price)}),
            )
    except Exception as error:  # Redis down must never fail a sale that already committed
        log.warning("stock.changed not published (%s); caches catch up on their own", error)


async def catalog_changed(redis: Redis) -> None:
    """Call after committing a change of products, prices, categories or banners."""
    try:
        await _bump_catalog(redis)
    except Exception as error:
        log.warning("catalog version not bumped (%s); cached pages expire on their own", error)


async def request_sync(redis: Redis, marketplace_id: int) -> bool:
    """Ask the sync to run for a marketplace now; False when Redis is down (the periodic sweep still runs)."""
    try:
        await redis.publish(SYNC_REQUESTED, str(marketplace_id))
        return True
    except Exception as error:
        log.warning("sync request not delivered (%s); the next sweep will run it", error)
        return False


async def webhook_received(redis: Redis, marketplace_id: int) -> None:
    """Wake the webhook worker; without Redis its short sweep picks the event up anyway."""
    try:
        await redis.publish(WEBHOOK_RECEIVED, str(marketplace_id))
    except Exception as error:
        log.debug("webhook wake-up not published: %s", error)


async def favorites_changed(redis: Redis, user_id: int) -> None:
    """Call after committing a change of a customer's favorites."""
    try:
        await redis.publish(FAVORITES_CHANGED, str(user_id))
    except Exception as error:
        log.debug("favorites change not published: %s", error)


async def marketplace_changed(redis: Redis, slug: str) -> None:
    """Call after committing a change of a marketplace's settings; without Redis, caches expire on their own."""
    try:
        await redis.publish(MARKETPLACE_CHANGED, slug)
    except Exception as error:
        log.warning("marketplace change not published (%s); receivers pick it up within their cache's lifetime", error)

