"""Reports: revenue, cost, every fee, profit and margin by local day, channel and product in the shop's base
currency (the views of sql/024_profit.sql convert each day's sums at that day's rate); products sold at a loss;
how many orders' fees are actual; cash on delivery; stock health; orders waiting for action; customer lifetime
value. Periods are local days of the seller's time zone, both ends included."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from core.db import Conn

DEFAULT_TIMEZONE = "Asia/Tashkent"


@dataclass(frozen=True)
class FeeAmount:
    """One kind of fee of a slice, in the base currency (None: a rate is missing for part of it)."""

    kind: str  # order_fees.kind; a cost of a day that belongs to no order is its kind too
    amount: Decimal | None


@dataclass(frozen=True)
class Sales:
    """Money and volume of one slice of sales (a channel, a product, a day), in the shop's base currency.

    A money figure is None when some amount in the slice has no exchange rate for its day ("rate missing"):
    the slice's figures are never a sum that took one currency for another. `cost` (our cost price) is kept in
    the base currency already, so it is always known."""

    key: str
    name: str
    orders: int
    units: int
    revenue: Decimal | None
    cost: Decimal
    fees: tuple[FeeAmount, ...] = ()
    # Orders whose fees the platform reported, and those whose fees are still our estimate (an order of a
    # channel with no platform fee is in neither).
    actual_orders: int = 0
    estimated_orders: int = 0

    def fee(self, kind: str) -> Decimal | None:
        return _sum(f.amount for f in self.fees if f.kind == kind)

    @property
    def commission(self) -> Decimal | None:
        return self.fee("commission")

    @property
    def fees_total(self) -> Decimal | None:
        return _sum(f.amount for f in self.fees)

    @property
    def profit(self) -> Decimal | None:
        """Revenue less our cost and every fee (and, for a channel or a day, the costs of its days)."""
        fees = self.fees_total
        return None if self.revenue is None or fees is None else self.revenue - self.cost - fees

    @property
    def rate_missing(self) -> bool:
        return self.profit is None

    @property
    def margin(self) -> Decimal | None:
        """Profit as a percentage of revenue."""
        profit = self.profit
        if profit is None or not self.revenue:
            return None
        return (profit / self.revenue * 100).quantize(Decimal("0.01"))


def _sum(amounts: Iterable[Decimal | None]) -> Decimal | None:
    """Amounts in the base currency added up; None (a missing rate) in any makes the sum None."""
    total = Decimal(0)
    for amount in amounts:
        if amount is None:
            return None
        total += amount
    return total


def _merge_fees(groups: Iterable[tuple[FeeAmount, ...]]) -> tuple[FeeAmount, ...]:
    by_kind: dict[str, list[Decimal | None]] = {}
    for fees in groups:
        for fee in fees:
            by_kind.setdefault(fee.kind, []).append(fee.amount)
    return tuple(FeeAmount(kind, _sum(amounts)) for kind, amounts in sorted(by_kind.items()))


def combine(key: str, name: str, slices: list[Sales]) -> Sales:
    """Slices added up (each order is in one slice of a channel's or a day's split, so orders add too)."""
    return Sales(
        key,
        name,
        sum(s.orders for s in slices),
        sum(s.units for s in slices),
        _sum(s.revenue for s in slices),
        sum((s.cost for s in slices), Decimal(0)),
        _merge_fees(s.fees for s in slices),
        sum(s.actual_orders for s in slices),
        sum(s.estimated_orders for s in slices),
    )


def total(slices: list[Sales]) -> Sales:
    return combine("total", "total", slices)


# The kept sums of sql/024_profit.sql: each table recomputed from its view for the days marked changed.
_KEPT = (
    (
        "profit_sales_days",
        "INSERT INTO profit_sales_days (day, marketplace_id, currency, orders, units, revenue, cost, actual_orders,"
        " estimated_orders, cash_orders, cash_expected, cash_collected_orders, cash_collected,"
        " cash_delivered_uncollected)"
        " SELECT day, marketplace_id, currency, orders, units, revenue, cost, actual_orders, estimated_orders,"
        " cash_orders, cash_expected, cash_collected_orders, cash_collected, cash_delivered_uncollected"
        " FROM order_sales_slices WHERE day = ANY($1::date[])",
    ),
    (
        "profit_fee_days",
        "INSERT INTO profit_fee_days (day, marketplace_id, currency, kind, basis, amount)"
        " SELECT day, marketplace_id, currency, kind, basis, amount FROM order_fee_slices WHERE day = ANY($1::date[])",
    ),
    (
        "profit_product_days",
        "INSERT INTO profit_product_days (day, product_sku, currency, product_name, orders, units, revenue, cost, fees,"
        " revenue_base, fees_base, rate_missing)"
        " SELECT day, product_sku, currency, product_name, orders, units, revenue, cost, fees, revenue_base, fees_base,"
        " rate_missing FROM order_product_slices WHERE day = ANY($1::date[])",
    ),
)
# Any constant: refreshes of one database take turns on it.
_REFRESH_LOCK = 0x70726F666974  # "profit"


async def refresh(conn: Conn) -> None:
    """Recompute the kept daily sums of the days whose orders changed since the last time (today, mostly): a
    report reads those sums, not every line. Deletes exactly the marks it read, so a change committed meanwhile
    keeps its mark for the next time."""
    if not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM profit_dirty_days)"):
        return
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _REFRESH_LOCK)
        marks = await conn.fetch("SELECT id, day FROM profit_dirty_days")
        days = sorted({mark["day"] for mark in marks})
        for table, recompute in _KEPT:
            await conn.execute(f"DELETE FROM {table} WHERE day = ANY($1::date[])", days)
            await conn.execute(recompute, days)
        await conn.execute("DELETE FROM profit_dirty_days WHERE id = ANY($1::bigint[])", [mark["id"] for mark in marks])


_CHANNEL_DAY_SALES = """
SELECT s.day, mk.id, mk.slug, mk.name, s.orders, s.units, s.revenue, s.cost, s.actual_orders, s.estimated_orders
  FROM channel_day_sales s
  JOIN marketplaces mk ON mk.id = s.marketplace_id
 WHERE s.day BETWEEN $1 AND $2
"""

_CHANNEL_DAY_FEES = """
SELECT f.day, mk.id, mk.slug, mk.name, f.kind, f.amount
  FROM channel_day_fees f
  JOIN marketplaces mk ON mk.id = f.marketplace_id
 WHERE f.day BETWEEN $1 AND $2
"""


async def daily_by_channel(conn: Conn, first: date, last: date) -> list[tuple[date, Sales]]:
    """Each channel's sales and fees of each local day that had any, from `first` to `last` (both included),
    ordered by day and channel. A day with costs but no sales (storage, a penalty) is there too."""
    await refresh(conn)
    sold = {(row["day"], row["id"]): row for row in await conn.fetch(_CHANNEL_DAY_SALES, first, last)}
    fees: dict[tuple[date, int], list[FeeAmount]] = {}
    names: dict[tuple[date, int], tuple[str, str]] = {}
    for fee in await conn.fetch(_CHANNEL_DAY_FEES, first, last):
        fees.setdefault((fee["day"], fee["id"]), []).append(FeeAmount(fee["kind"], fee["amount"]))
        names[(fee["day"], fee["id"])] = (fee["slug"], fee["name"])
    slices: list[tuple[date, Sales]] = []
    for day, channel in sorted(set(sold) | set(fees)):
        row = sold.get((day, channel))
        slug, name = (row["slug"], row["name"]) if row else names[(day, channel)]
        slices.append(
            (
                day,
                Sales(
                    slug,
                    name,
                    row["orders"] if row else 0,
                    row["units"] if row else 0,
                    row["revenue"] if row else Decimal(0),
                    row["cost"] if row else Decimal(0),
                    _merge_fees([tuple(fees.get((day, channel), []))]),
                    row["actual_orders"] if row else 0,
                    row["estimated_orders"] if row else 0,
                ),
            )
        )
    return slices


def by_channel(daily: list[tuple[date, Sales]]) -> list[Sales]:
    """The days of each channel added up, the best revenue first (a channel missing a rate last)."""
    channels: dict[str, list[Sales]] = {}
    for _, sales in daily:
        channels.setdefault(sales.key, []).append(sales)
    merged = [combine(key, slices[0].name, slices) for key, slices in channels.items()]
    return sorted(merged, key=lambda s: (s.revenue is None, -(s.revenue or 0), s.name))


def by_day(daily: list[tuple[date, Sales]]) -> list[Sales]:
    """The channels of each day added up, keyed 'YYYY-MM-DD', in day order."""
    days: dict[date, list[Sales]] = {}
    for day, sales in daily:
        days.setdefault(day, []).append(sales)
    return [combine(day.isoformat(), day.isoformat(), slices) for day, slices in sorted(days.items())]


async def sales_by_channel(conn: Conn, first: date, last: date) -> list[Sales]:
    return by_channel(await daily_by_channel(conn, first, last))


async def daily_metrics(conn: Conn, first: date, last: date) -> list[Sales]:
    return by_day(await daily_by_channel(conn, first, last))


_PRODUCTS = """
SELECT product_sku AS key, MIN(product_name) AS name, SUM(orders)::int AS orders, SUM(units)::int AS units,
       CASE WHEN BOOL_OR(rate_missing) THEN NULL ELSE SUM(revenue) END AS revenue,
       SUM(cost) AS cost,
       CASE WHEN BOOL_OR(rate_missing) THEN NULL ELSE SUM(fees) END AS fees
  FROM product_day_sales
 WHERE day BETWEEN $1 AND $2
 GROUP BY product_sku
"""


async def products(conn: Conn, first: date, last: date) -> list[Sales]:
    """Every product sold in the period, in the base currency; a product's fees are its share of its orders'
    fees (one FeeAmount of kind 'all')."""
    await refresh(conn)
    return [
        Sales(
            row["key"],
            row["name"],
            row["orders"],
            row["units"],
            row["revenue"],
            row["cost"],
            (FeeAmount("all", row["fees"]),),
        )
        for row in await conn.fetch(_PRODUCTS, first, last)
    ]


def top(products: list[Sales], limit: int = 10) -> list[Sales]:
    """The best sellers by revenue (a product missing a rate after those with a known one)."""
    return sorted(products, key=lambda s: (s.revenue is None, -(s.revenue or 0), -s.units, s.key))[:limit]


async def top_products(conn: Conn, first: date, last: date, *, limit: int = 10) -> list[Sales]:
    return top(await products(conn, first, last), limit)


@dataclass(frozen=True)
class Loss:
    """A product that lost money in the period: its real profit per unit is negative."""

    sku: str
    name: str
    units: int
    profit: Decimal
    profit_per_unit: Decimal
    # What made it so: 'cost' when the price did not even cover our cost, else the fee kind that took most.
    cause: str
    cause_amount: Decimal


_FEES_OF = """
SELECT product_sku, kind, SUM(amount) AS amount
  FROM product_day_fees
 WHERE day BETWEEN $1 AND $2 AND product_sku = ANY($3::text[])
 GROUP BY product_sku, kind
"""


async def sold_at_loss(conn: Conn, first: date, last: date, products: list[Sales], *, limit: int = 10) -> list[Loss]:
    """Of the period's `products`, those whose profit per unit was negative (the worst first), each with what
    made it so. Products missing a rate are left out: their profit is not known."""
    losing = [p for p in products if p.profit is not None and p.profit < 0 and p.units > 0]
    losing = sorted(losing, key=lambda p: (p.profit or 0) / p.units)[:limit]
    kinds: dict[str, list[tuple[str, Decimal]]] = {}
    for row in await conn.fetch(_FEES_OF, first, last, [p.key for p in losing]):
        kinds.setdefault(row["product_sku"], []).append((row["kind"], row["amount"]))
    losses = []
    for product in losing:
        assert product.revenue is not None and product.profit is not None  # known: filtered above
        cause, amount = ("cost", product.cost - product.revenue)
        if product.revenue > product.cost:  # the price covered our cost: fees took the rest, and more
            cause, amount = max(kinds[product.key], key=lambda kind: kind[1])
        per_unit = (product.profit / product.units).quantize(Decimal("0.01"))
        losses.append(Loss(product.key, product.name, product.units, product.profit, per_unit, cause, amount))
    return losses


@dataclass(frozen=True)
class FeeBasis:
    """How many orders of a period have fees the platform reported (actual) and how many only estimated."""

    estimated: int
    actual: int


@dataclass(frozen=True)
class Cash:
    """Cash on delivery of a period's orders, in the base currency (None: a rate is missing)."""

    expected_orders: int
    expected: Decimal | None
    collected_orders: int
    collected: Decimal | None
    delivered_uncollected: int  # delivered, and nobody marked the money as collected


async def cash(conn: Conn, first: date, last: date) -> Cash:
    await refresh(conn)
    rows = await conn.fetch("SELECT * FROM cash_day WHERE day BETWEEN $1 AND $2", first, last)
    return Cash(
        sum(row["expected_orders"] for row in rows),
        _sum(row["expected"] for row in rows),
        sum(row["collected_orders"] for row in rows),
        _sum(row["collected"] for row in rows),
        sum(row["delivered_uncollected"] for row in rows),
    )


@dataclass(frozen=True)
class OrderProfit:
    """One order's money in the base currency (None: its day has no rate for one of its currencies)."""

    order_id: int
    currency: str
    revenue: Decimal  # in the order's currency
    revenue_base: Decimal | None
    cost: Decimal
    fees: Decimal | None
    profit: Decimal | None
    basis: str | None  # 'actual', 'estimated', or None when the order has no platform fee


async def order_profit(conn: Conn, order_id: int) -> OrderProfit | None:
    row = await conn.fetchrow(
        "SELECT order_id, currency, revenue, revenue_base, cost, fees_base AS fees, profit, basis"
        " FROM order_profit WHERE order_id = $1",
        order_id,
    )
    return None if row is None else OrderProfit(**dict(row))


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
