"""Exchange rates to the shop's base currency: what one unit of a currency was worth on a day (sql/022_money.sql,
sql/025_rate_on.sql), set by the Central Bank's daily job (sync.cbu_rates) or by an admin, and which currencies in
use have no fresh rate. Days are the seller's (Asia/Tashkent) calendar days."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from core import analytics, audit, outbox
from core.db import Conn
from core.errors import ValidationError
from core.unit_of_work import UnitOfWork

DEFAULT_BASE = "UZS"
CURRENCY = re.compile(r"^[A-Z]{3}$")
# exchange_rates.rate is NUMERIC(20, 8): twelve digits before the point.
MAX_RATE = Decimal("1e12")
# A rate is fresh for this many days after its own: the Central Bank publishes on working days only, so Friday's
# rate serves a long weekend, and a holiday next to it (Navruz, the Eid days) still passes without an alert.
FRESH_DAYS = 4
# Currencies "in use": those of the orders of this many days, and the prices the marketplaces show us.
IN_USE_DAYS = 30
CENT = Decimal("0.01")

Source = Literal["cbu", "admin"]


def local_today() -> date:
    return datetime.now(ZoneInfo(analytics.DEFAULT_TIMEZONE)).date()


async def base_currency(conn: Conn) -> str:
    """The currency reports are in: the shop's `base_currency` setting, so'm when it was never set."""
    value = await conn.fetchval("SELECT value FROM shop_settings WHERE key = 'base_currency'")
    return value or DEFAULT_BASE


async def rate_on(conn: Conn, currency: str, day: date) -> Decimal | None:
    """Units of the base currency one unit of `currency` was worth on `day`: 1 for the base itself, the newest
    rate on or before the day, None when there is none (never 1)."""
    rate: Decimal | None = await conn.fetchval("SELECT rate_on($1, $2)", currency, day)
    return rate


async def to_base(conn: Conn, amount: Decimal, currency: str, day: date) -> Decimal | None:
    """The amount in the base currency at the day's rate, to the tiyin (kopeck, cent); None when the rate is
    missing."""
    rate = await rate_on(conn, currency, day)
    return None if rate is None else (amount * rate).quantize(CENT, ROUND_HALF_UP)


def check_rate(currency: str, rate: Decimal) -> None:
    """A rate an admin or the bank gives must name a currency by its three letters and be a positive amount the
    table can hold."""
    if not CURRENCY.match(currency):
        raise ValidationError("a currency is its three ISO 4217 letters, like RUB", "currency")
    if not rate.is_finite() or rate <= 0 or rate >= MAX_RATE:
        raise ValidationError("a rate is a positive amount", "rate")


async def set_rate(
    unit: UnitOfWork,
    currency: str,
    day: date,
    rate: Decimal,
    *,
    source: Source,
    actor_id: int | None,
    from_day_on: bool,
) -> None:
    """One unit of `currency` is worth `rate` units of the base currency on `day`. An admin's rate replaces the
    bank's; `from_day_on` makes it the rate of every later day too (later rows go, and the daily job adds none
    while it is the newest); without it, it is that day's rate only and the bank's later days stay."""
    conn = unit.conn
    check_rate(currency, rate)
    if currency == await base_currency(conn):
        raise ValidationError("the base currency needs no rate", "currency")
    if day > local_today():
        raise ValidationError("a rate is set for today or a day before", "day")
    if source == "cbu" and from_day_on:
        raise ValueError("only an admin's rate holds from a day on")
    old = await conn.fetchrow(
        "SELECT rate, source, holds FROM exchange_rates WHERE currency = $1 AND day = $2", currency, day
    )
    if from_day_on:
        await conn.execute("DELETE FROM exchange_rates WHERE currency = $1 AND day > $2", currency, day)
    await conn.execute(
        """
        INSERT INTO exchange_rates (currency, day, rate, source, set_by, holds)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (currency, day) DO UPDATE
           SET rate = EXCLUDED.rate, source = EXCLUDED.source, set_by = EXCLUDED.set_by, holds = EXCLUDED.holds,
               created_at = NOW()
        """,
        currency,
        day,
        rate,
        source,
        actor_id,
        from_day_on,
    )
    if source == "admin":
        key = {"currency": currency, "day": day.isoformat()}
        await audit.record(
            conn,
            actor_id,
            audit.RATE_SET,
            "exchange_rate",
            None,
            None if old is None else {**key, "rate": str(old["rate"]), "source": old["source"], "holds": old["holds"]},
            {**key, "rate": str(rate), "source": source, "holds": from_day_on},
        )


# Currencies of the last IN_USE_DAYS of orders and of the marketplaces' prices, the base excluded.
_IN_USE = """
SELECT currency FROM orders WHERE order_date >= $1
UNION
SELECT price_currency FROM marketplace_products WHERE price_currency IS NOT NULL
EXCEPT
SELECT $2::char(3)
ORDER BY 1
"""


async def in_use(conn: Conn) -> list[str]:
    """The currencies other than the base that orders of the last 30 days and the marketplaces' prices are in."""
    since = datetime.now(ZoneInfo(analytics.DEFAULT_TIMEZONE)) - timedelta(days=IN_USE_DAYS)
    return [row["currency"].strip() for row in await conn.fetch(_IN_USE, since, await base_currency(conn))]


async def missing(conn: Conn) -> list[str]:
    """Currencies in use with no fresh rate: none dated within FRESH_DAYS of today, and no admin's rate that
    holds from its day on."""
    newest = {rate.currency: rate for rate in await newest_rates(conn, local_today())}
    fresh_from = local_today() - timedelta(days=FRESH_DAYS)
    return [
        currency
        for currency in await in_use(conn)
        if currency not in newest or not (newest[currency].day >= fresh_from or newest[currency].holds)
    ]


@dataclass(frozen=True)
class Rate:
    """The rate a currency had on a day: the row it came from (its own day, who set it)."""

    currency: str
    rate: Decimal
    day: date
    source: Source
    holds: bool


_NEWEST = """
SELECT DISTINCT ON (currency) currency, rate, day, source, holds
  FROM exchange_rates
 WHERE day <= $1
 ORDER BY currency, day DESC
"""


async def newest_rates(conn: Conn, day: date) -> list[Rate]:
    """Each currency's rate on `day`: its newest row on or before it."""
    return [
        Rate(row["currency"].strip(), row["rate"], row["day"], row["source"], row["holds"])
        for row in await conn.fetch(_NEWEST, day)
    ]


@dataclass(frozen=True)
class DayRate:
    """A rate someone published for a day (the bank's rows, already in the base currency)."""

    currency: str
    day: date
    rate: Decimal


# The bank's rate of a day goes in unless an admin's rate that holds is the newest row on or before it, or an
# admin set that very day; a bank row of the same day is corrected in place (the bank republished it).
_BANK_ROW = """
INSERT INTO exchange_rates (currency, day, rate, source)
SELECT $1, $2, $3, 'cbu'
 WHERE NOT EXISTS (
       SELECT 1 FROM (
              SELECT source, holds, day FROM exchange_rates
               WHERE currency = $1 AND day <= $2
               ORDER BY day DESC
               LIMIT 1
       ) newest
        WHERE newest.holds
 )
ON CONFLICT (currency, day) DO UPDATE SET rate = EXCLUDED.rate, created_at = NOW()
 WHERE exchange_rates.source = 'cbu' AND exchange_rates.rate <> EXCLUDED.rate
"""


async def set_bank_rates(unit: UnitOfWork, rates: list[DayRate]) -> None:
    """The Central Bank's rates, never over an admin's."""
    for rate in rates:
        check_rate(rate.currency, rate.rate)
    await unit.conn.executemany(_BANK_ROW, [(rate.currency, rate.day, rate.rate) for rate in rates])


async def announce_missing(unit: UnitOfWork) -> list[str]:
    """Alert the admins, once a day however often it is asked, of the currencies in use without a fresh rate;
    returns them."""
    conn = unit.conn
    currencies = await missing(conn)
    if not currencies:
        return []
    midnight = datetime.combine(local_today(), time(), ZoneInfo(analytics.DEFAULT_TIMEZONE))
    told = await conn.fetchval(
        "SELECT 1 FROM notifications WHERE kind = $1 AND created_at >= $2", outbox.RateMissing.KIND, midnight
    )
    if not told:
        await outbox.add(conn, outbox.RateMissing(tuple(currencies)))
    return currencies
