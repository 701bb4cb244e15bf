"""A customer's own orders as the Mini App and the bot's /orders show them: typed, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import asyncpg

from core.db import Conn
from core.order_status import Status


@dataclass(frozen=True)
class OrderLine:
    product_id: int | None  # None once the product was deleted: the line keeps its name and price
    name: str
    sku: str
    price: Decimal
    quantity: int
    subtotal: Decimal
    image: str | None


@dataclass(frozen=True)
class CustomerOrder:
    id: int
    order_number: str
    status: Status
    payment_status: str
    payment_method: str | None
    subtotal: Decimal
    delivery_zone: str | None  # the zone's name in the customer's language; None without zones
    delivery_fee: Decimal
    total: Decimal
    created_at: datetime
    customer_name: str
    customer_phone: str
    customer_address: str | None
    note: str | None
    items: tuple[OrderLine, ...]


_CUSTOMER_ORDERS = """
SELECT o.id, o.order_number, o.status, o.payment_status, o.payment_method, o.subtotal,
       CASE WHEN $2 = 'ru' THEN z.name_ru ELSE z.name_uz END AS delivery_zone, o.delivery_fee, o.total,
       o.created_at, o.customer_name, o.customer_phone, o.customer_address, o.note,
       COALESCE(json_agg(json_build_object(
           'product_id', oi.product_id,
           'name', CASE WHEN $2 = 'ru' THEN COALESCE(NULLIF(p.name_ru, ''), oi.product_name) ELSE oi.product_name END,
           'sku', oi.product_sku, 'price', oi.price, 'quantity', oi.quantity, 'subtotal', oi.subtotal,
           'image', p.image_url
       ) ORDER BY oi.id) FILTER (WHERE oi.id IS NOT NULL), '[]') AS items
  FROM orders o
  LEFT JOIN delivery_zones z ON z.id = o.delivery_zone_id
  LEFT JOIN order_items oi ON oi.order_id = o.id
  LEFT JOIN products p ON p.id = oi.product_id
 WHERE o.user_id = $1 AND ($3::int IS NULL OR o.id = $3)
 GROUP BY o.id, z.id
 ORDER BY o.created_at DESC, o.id DESC
 LIMIT 100
"""


async def read(conn: Conn, user_id: int, lang: str = "uz", order_id: int | None = None) -> list[CustomerOrder]:
    """A customer's own orders, newest first, or the one `order_id` (another customer's order is simply not there).
    Names are in the customer's language where the product has one."""
    return [_order(row) for row in await conn.fetch(_CUSTOMER_ORDERS, user_id, lang, order_id)]


def _order(row: asyncpg.Record) -> CustomerOrder:
    # Every column by name: one added to the statement but not to the model fails here, not in a chat.
    columns = {**dict(row), "status": Status(row["status"])}
    columns["items"] = tuple(OrderLine(**item) for item in row["items"])
    return CustomerOrder(**columns)
