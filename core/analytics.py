"""Reports: revenue, cost, commission, profit and margin by period, channel and product; stock health;
orders waiting for action; customer lifetime value. Periods are [start, end) in UTC; days are counted in
the seller's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import asyncpg

from core.db import Conn

DEFAULT_TIMEZONE = "Asia/Tashkent"


@dataclass(frozen=True)
class Sales:
    """Money and volume of one slice of sales (a channel, a product, a day)."""

    key: str
    name: str
    orders: int
    units: int
    revenue: Decimal
    cost: Decimal
    commission: Decimal
    profit: Decimal

    @property
    def margin(self) -> Decimal | None:
        """Profit as a percentage of revenue."""
        return None if not self.revenue else (self.profit / self.revenue * 100).quantize(Decimal("0.01"))


_BY_CHANNEL = """
SELECT mk.slug AS key, mk.name,
       COUNT(DISTINCT s.order_id) AS orders, COALESCE(SUM(s.units), 0) AS units,
       COALESCE(SUM(s.revenue), 0) AS revenue, COALESCE(SUM(s.cost), 0) AS cost,
       COALESCE(SUM(s.commission), 0) AS commission, COALESCE(SUM(s.profit), 0) AS profit
  FROM sales_lines s
  JOIN marketplaces mk ON mk.id = s.marketplace_id
 WHERE s.sold_at >= $1 AND s.sold_at < $2
 GROUP BY mk.id, mk.slug, mk.name
 ORDER BY revenue DESC, mk.name
"""

_TOP_PRODUCTS = """
SELECT s.product_sku AS key, MIN(s.product_name) AS name,
       COUNT(DISTINCT s.order_id) AS orders, SUM(s.units) AS units,
       SUM(s.revenue) AS revenue, SUM(s.cost) AS cost, SUM(s.commission) AS commission, SUM(s.profit) AS profit
  FROM sales_lines s
 WHERE s.sold_at >= $1 AND s.sold_at < $2
   AND ($4::int IS NULL OR s.marketplace_id = $4)
 GROUP BY s.product_sku
 ORDER BY revenue DESC, units DESC, s.product_sku
 LIMIT $3
"""

_DAILY = """
SELECT to_char(DATE_TRUNC('day', s.sold_at AT TIME ZONE $3), 'YYYY-MM-DD') AS key,
       to_char(DATE_TRUNC('day', s.sold_at AT TIME ZONE $3), 'YYYY-MM-DD') AS name,
       COUNT(DISTINCT s.order_id) AS orders, SUM(s.units) AS units,
       SUM(s.revenue) AS revenue, SUM(s.cost) AS cost, SUM(s.commission) AS commission, SUM(s.profit) AS profit
  FROM sales_lines s
 WHERE s.sold_at >= $1 AND s.sold_at < $2
 GROUP BY 1
 ORDER BY 1
"""


def _sales(rows: list[asyncpg.Record]) -> list[Sales]:
    return [Sales(**dict(row)) for row in rows]


async def sales_by_channel(conn: Conn, start: datetime, end: datetime) -> list[Sales]:
    return _sales(await conn.fetch(_BY_CHANNEL, start, end))


def total(slices: list[Sales]) -> Sales:
    """All slices added up (orders are distinct per slice, so a total across channels adds them)."""
    return Sales(
        "total",
        "total",
        sum(s.orders for s in slices),
        sum(s.units for s in slices),
        sum((s.revenue for s in slices), Decimal(0)),
        sum((s.cost for s in slices), Decimal(0)),
        sum((s.commission for s in slices), Decimal(0)),
        sum((s.profit for s in slices), Decimal(0)),
    )


async def top_products(
    conn: Conn, start: datetime, end: datetime, *, limit: int = 10, channel_id: int | None = None
) -> list[Sales]:
    return _sales(await conn.fetch(_TOP_PRODUCTS, start, end, limit, channel_id))


async def daily_metrics(conn: Conn, start: datetime, end: datetime, *, timezone: str = DEFAULT_TIMEZONE) -> list[Sales]:
    return _sales(await conn.fetch(_DAILY, start, end, timezone))


@dataclass(frozen=True)
class StockHealth:
    """A row of the inventory_status view."""

    product_id: int
    sku: str
    name_uz: str
    name_ru: str | None
    is_active: bool
    quantity: int
    reserved: int
    available: int
    low_stock_threshold: int
    stock_status: str  # 'ok', 'low' or 'out'


async def inventory_status(conn: Conn, *, status: str | None = None) -> list[StockHealth]:
    """Every product's stock health ('ok', 'low', 'out'), the most urgent first."""
    rows = await conn.fetch(
        """
        SELECT * FROM inventory_status
         WHERE $1::text IS NULL OR stock_status = $1
         ORDER BY available, sku
        """,
        status,
    )
    return [StockHealth(**row) for row in rows]


@dataclass(frozen=True)
class PendingOrder:
    """A row of the pending_orders view: an order someone still has to act on."""

    order_id: int
    order_number: str
    status: str
    payment_status: str
    channel: str
    customer_name: str
    total: Decimal
    order_date: datetime
    age: timedelta


async def pending_orders(conn: Conn, *, older_than: timedelta = timedelta(0)) -> list[PendingOrder]:
    rows = await conn.fetch("SELECT * FROM pending_orders WHERE age >= $1 ORDER BY order_date", older_than)
    return [PendingOrder(**row) for row in rows]


@dataclass(frozen=True)
class CustomerValue:
    """A row of the customer_lifetime_value view."""

    user_id: int
    telegram_id: int
    first_name: str
    orders: int
    spent: Decimal
    profit: Decimal
    last_order_at: datetime


async def customer_lifetime_value(conn: Conn, *, limit: int = 20) -> list[CustomerValue]:
    rows = await conn.fetch("SELECT * FROM customer_lifetime_value ORDER BY spent DESC, user_id LIMIT $1", limit)
    return [CustomerValue(**row) for row in rows]


def local_day_bounds(day: date, timezone: str = DEFAULT_TIMEZONE) -> tuple[datetime, datetime]:
    """[start, end) in UTC of one calendar day in the seller's time zone."""
    zone = ZoneInfo(timezone)
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    return start, start + timedelta(days=1)


_DAILY_BY_CHANNEL = """
SELECT (s.sold_at AT TIME ZONE $3)::date AS day, mk.slug AS key, mk.name,
       COUNT(DISTINCT s.order_id) AS orders, SUM(s.units) AS units,
       SUM(s.revenue) AS revenue, SUM(s.cost) AS cost, SUM(s.commission) AS commission, SUM(s.profit) AS profit
  FROM sales_lines s
  JOIN marketplaces mk ON mk.id = s.marketplace_id
 WHERE s.sold_at >= $1 AND s.sold_at < $2
 GROUP BY 1, mk.id, mk.slug, mk.name
 ORDER BY 1, mk.id
"""


async def daily_by_channel(
    conn: Conn, start: datetime, end: datetime, *, timezone: str = DEFAULT_TIMEZONE
) -> list[tuple[date, Sales]]:
    """Each channel's sales of each local day that had any (a chart's bars)."""
    rows = await conn.fetch(_DAILY_BY_CHANNEL, start, end, timezone)
    return [(row["day"], Sales(**{key: value for key, value in row.items() if key != "day"})) for row in rows]
