"""The audit log: who changed what, from which values to which, and when.

`record` runs in the caller's transaction, so a change and its audit row commit or vanish together.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from core.db import Conn

STOCK_ADJUST = "stock.adjust"
STOCK_COUNT = "stock.count"
PRODUCT_CREATE = "product.create"
PRODUCT_UPDATE = "product.update"
PRODUCT_ACTIVATE = "product.activate"
CATALOG_IMPORT = "catalog.import"
# A marketplace's catalogue brought in (its unmapped cards as products) or only mapped onto ours.
MARKETPLACE_IMPORT = "catalog.marketplace_import"
CATALOG_AUTOMAP = "catalog.automap"
ORDER_PLACE = "order.place"
ORDER_STATUS = "order.status"
# An order's cash on delivery marked collected by an admin (core.cash).
CASH_COLLECT = "order.cash_collected"
ADMIN_GRANT = "admin.grant"
ADMIN_REVOKE = "admin.revoke"
CHANNEL_ADD = "channel.add"
CHANNEL_RENAME = "channel.rename"
CHANNEL_SWITCH = "channel.switch"
SHOP_SETTING = "shop.setting"
# An admin's exchange rate (core.rates); the entity is the currency, named in the values.
RATE_SET = "rate.set"
# The own store's delivery zones (core.delivery): a zone added, a field of it changed, switched on or off.
DELIVERY_ZONE_ADD = "delivery.zone_add"
DELIVERY_ZONE_UPDATE = "delivery.zone_update"
DELIVERY_ZONE_SWITCH = "delivery.zone_switch"
# A group of words that mean the same to search added or removed by an admin (core.synonyms).
SYNONYMS_ADD = "search.synonyms_add"
SYNONYMS_REMOVE = "search.synonyms_remove"
# Not an admin's act: the alert sender learnt that a customer blocked the bot (actor is NULL).
USER_BOT_BLOCKED = "user.bot_blocked"


async def record(
    conn: Conn,
    actor_id: int | None,
    action: str,
    entity_type: str,
    entity_id: int | None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO audit_log (actor_id, action, entity_type, entity_id, old_values, new_values)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        actor_id,
        action,
        entity_type,
        entity_id,
        old,
        new,
    )


async def history(conn: Conn, entity_type: str, entity_id: int, limit: int = 20) -> list[asyncpg.Record]:
    """The latest audit rows of one entity, newest first, with the actor's name."""
    return await conn.fetch(
        """
        SELECT a.id, a.action, a.old_values, a.new_values, a.created_at, a.actor_id, u.first_name AS actor_name
          FROM audit_log a
          LEFT JOIN users u ON u.id = a.actor_id
         WHERE a.entity_type = $1 AND a.entity_id = $2
         ORDER BY a.created_at DESC, a.id DESC
         LIMIT $3
        """,
        entity_type,
        entity_id,
        limit,
    )
