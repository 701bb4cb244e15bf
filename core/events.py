"""Best-effort events on Redis after a commit (caches, live pages).

Losing one loses nothing else: the outbox and the push marks in the database are the durable path.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from redis.asyncio import Redis

from core.inventory import StockLevel

log = logging.getLogger(__name__)

STOCK_CHANGED = "stock.changed"


async def publish_stock_changed(redis: Redis, levels: Iterable[StockLevel]) -> None:
    """Publish the latest level of each product; call it after the transaction committed."""
    latest = {level.product_id: level for level in levels}
    try:
        for level in latest.values():
            await redis.publish(
                STOCK_CHANGED,
                json.dumps({"product_id": level.product_id, "available": level.available, "price": str(level.price)}),
            )
    except Exception as error:  # Redis down must never fail a sale that already committed
        log.warning("stock.changed not published (%s); caches catch up on their own", error)
