"""One order's money as its card shows it: each fee row (order_fees) with its basis, cash on delivery, and the
order's profit kept per currency (never adding two), with its base-currency figure at the rate of the order's
local day, or None when a rate is missing. Profit as the reports count it: the revenue of the units kept, less
our cost (in the base currency) and every fee."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from core import analytics, cash, rates
from core.db import Conn
from core.errors import NotFound

LOCAL = ZoneInfo(analytics.DEFAULT_TIMEZONE)


@dataclass(frozen=True)
class Fee:
    kind: str
    amount: Decimal
    currency: str
    basis: str  # 'estimated', 'actual' or 'seller' (sql/022_money.sql)


@dataclass(frozen=True)
class Amount:
    value: Decimal
    currency: str


@dataclass(frozen=True)
class Cash:
    """Cash on delivery of a cash order: expected until an admin marks it collected."""

    expected: bool
    collected_at: datetime | None
    collected_by_name: str | None


@dataclass(frozen=True)
class OrderMoney:
    currency: str
    base_currency: str
    day: date  # the order's local day: the day of its rate
    fees: tuple[Fee, ...]
    # Revenue less cost less fees, one amount per currency (the order's first); empty for a cancelled order.
    profit: tuple[Amount, ...]
    profit_base: Decimal | None  # None: a cancelled order, or a currency without a rate on the day
    missing_rates: tuple[str, ...]
    cash: Cash | None  # None: not a cash order


_ORDER = """
SELECT o.currency, o.status, o.order_date, o.payment_method, o.cash_collected_at, u.first_name AS collected_by_name,
       COALESCE(SUM(ROUND(oi.subtotal * (oi.quantity - oi.cancelled_quantity) / oi.quantity, 2)), 0) AS revenue,
       COALESCE(SUM(oi.cost_price * (oi.quantity - oi.cancelled_quantity)), 0) AS cost
  FROM orders o
  LEFT JOIN users u ON u.id = o.cash_collected_by
  LEFT JOIN order_items oi ON oi.order_id = o.id
 WHERE o.id = $1
 GROUP BY o.id, u.first_name
"""

# Platform fees first, the seller's own last; within each, by kind.
_FEES = """
SELECT kind, amount, currency, basis
  FROM order_fees
 WHERE order_id = $1
 ORDER BY basis = 'seller', kind
"""


async def of_order(conn: Conn, order_id: int) -> OrderMoney:
    order = await conn.fetchrow(_ORDER, order_id)
    if order is None:
        raise NotFound("order", order_id)
    fees = tuple(Fee(**row) for row in await conn.fetch(_FEES, order_id))
    base = await rates.base_currency(conn)
    day = order["order_date"].astimezone(LOCAL).date()
    cash_state = None
    if order["payment_method"] == cash.CASH:
        cash_state = Cash(
            cash.expected(order["payment_method"], order["status"], order["cash_collected_at"]),
            order["cash_collected_at"],
            order["collected_by_name"],
        )
    if order["status"] == "cancelled":  # the reports count no profit of it either
        return OrderMoney(order["currency"], base, day, fees, (), None, (), cash_state)
    parts: list[Amount] = [Amount(order["revenue"], order["currency"]), Amount(-order["cost"], base)]
    parts += [Amount(-fee.amount, fee.currency) for fee in fees]
    by_currency: dict[str, Decimal] = {order["currency"]: Decimal(0)}
    for part in parts:
        by_currency[part.currency] = by_currency.get(part.currency, Decimal(0)) + part.value
    # Each part converted on its own, as the report's order_profit does, so the card and the report agree.
    converted = [(part, await rates.to_base(conn, part.value, part.currency, day)) for part in parts]
    missing = tuple(sorted({part.currency for part, value in converted if value is None}))
    profit_base = None if missing else sum((value or Decimal(0) for _part, value in converted), Decimal(0))
    return OrderMoney(
        order["currency"],
        base,
        day,
        fees,
        tuple(
            Amount(value, currency) for currency, value in by_currency.items() if value or currency == order["currency"]
        ),
        profit_base,
        missing,
        cash_state,
    )
