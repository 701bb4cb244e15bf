"""The seller's sales report of a period: money per channel and in total in the shop's base currency, the best
sellers, what sold at a loss, how sure the fees are, cash on delivery, the stock running low, and each channel's
days for a chart. Periods are whole local days of the seller's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from core import analytics
from core.analytics import Cash, FeeBasis, Loss, Sales, StockHealth
from core.db import Conn
from core.errors import ValidationError

NAMED = ("today", "week", "month")
# Days a named period covers, ending today: rolling, so a report never looks empty on a Monday or the 1st.
_NAMED_DAYS = {"today": 1, "week": 7, "month": 30}
# A longer range is an accountant's job, and its chart would be bars thinner than a pixel.
MAX_DAYS = 366
TOP_PRODUCTS = 5
LOW_STOCK_SHOWN = 10
LOSSES_SHOWN = 5


@dataclass(frozen=True)
class Period:
    """From `first` to `last`, both local days included."""

    first: date
    last: date
    timezone: str = analytics.DEFAULT_TIMEZONE

    @property
    def start(self) -> datetime:
        return analytics.local_day_bounds(self.first, self.timezone)[0]

    @property
    def end(self) -> datetime:
        return analytics.local_day_bounds(self.last, self.timezone)[1]

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def local_today(timezone: str = analytics.DEFAULT_TIMEZONE) -> date:
    return datetime.now(ZoneInfo(timezone)).date()


def named(name: str, today: date) -> Period:
    """'today', 'week' (the last 7 days) or 'month' (the last 30 days), ending with `today`."""
    if name not in _NAMED_DAYS:
        raise ValidationError(f"unknown period {name!r}", "period")
    return Period(today - timedelta(days=_NAMED_DAYS[name] - 1), today)


def between(first: date, last: date) -> Period:
    if last < first:
        raise ValidationError("the period ends before it starts", "period")
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationError(f"a report covers at most {MAX_DAYS} days", "period")
    return Period(first, last)


_BASE_CURRENCY = "SELECT COALESCE((SELECT value FROM shop_settings WHERE key = 'base_currency'), 'UZS')"

_RUNNING_LOW = """
SELECT *
  FROM inventory_status
 WHERE stock_status <> 'ok'
 ORDER BY available, sku
 LIMIT $1
"""


@dataclass(frozen=True)
class Report:
    """Money in the shop's base currency (`currency`); a figure that is None is "rate missing"."""

    period: Period
    currency: str
    channels: list[Sales]  # each with its margin; the days' costs of no order are in its fees
    total: Sales
    top: list[Sales]
    losses: list[Loss]  # sold at a loss, the worst first
    fee_basis: FeeBasis  # orders whose fees are the platform's (actual) or our estimate
    cash: Cash
    low_stock: list[StockHealth]
    daily: list[tuple[date, Sales]]  # per channel, only days with sales or costs

    @property
    def empty(self) -> bool:
        return not self.channels


async def build(conn: Conn, period: Period) -> Report:
    daily = await analytics.daily_by_channel(conn, period.first, period.last)
    channels = analytics.by_channel(daily)
    total = analytics.total(channels)
    products = await analytics.products(conn, period.first, period.last)
    return Report(
        period=period,
        currency=await conn.fetchval(_BASE_CURRENCY),
        channels=channels,
        total=total,
        top=analytics.top(products, TOP_PRODUCTS),
        losses=await analytics.sold_at_loss(conn, period.first, period.last, products, limit=LOSSES_SHOWN),
        fee_basis=FeeBasis(estimated=total.estimated_orders, actual=total.actual_orders),
        cash=await analytics.cash(conn, period.first, period.last),
        low_stock=[StockHealth(**row) for row in await conn.fetch(_RUNNING_LOW, LOW_STOCK_SHOWN)],
        daily=daily,
    )
