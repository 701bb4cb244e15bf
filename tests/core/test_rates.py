"""Exchange rates: the newest rate on or before a day, 1 for the base currency, None (never 1) when there is none;
an admin's rate for a day or from a day on; which currencies in use lack a fresh one."""

from datetime import date, timedelta
from decimal import Decimal

import asyncpg
import pytest

from core import rates
from core.errors import ValidationError
from core.unit_of_work import Effects
from tests.builders import Shop, make_channel, make_order, map_product

DAY = date(2026, 11, 10)


async def _set(
    pool: asyncpg.Pool, effects: Effects, currency: str, day: date, rate: str, *, holds: bool = False
) -> None:
    async with pool.acquire() as conn, effects.transaction(conn) as unit:
        await rates.set_rate(unit, currency, day, Decimal(rate), source="admin", actor_id=None, from_day_on=holds)


async def test_a_day_takes_the_newest_rate_on_or_before_it_and_a_missing_one_is_none(
    pool: asyncpg.Pool, effects: Effects
) -> None:
    await _set(pool, effects, "RUB", DAY, "150")
    await _set(pool, effects, "RUB", DAY + timedelta(days=4), "160.5")
    async with pool.acquire() as conn:
        assert await rates.rate_on(conn, "RUB", DAY + timedelta(days=2)) == Decimal(150)
        assert await rates.rate_on(conn, "RUB", DAY + timedelta(days=9)) == Decimal("160.5")
        assert await rates.rate_on(conn, "RUB", DAY - timedelta(days=1)) is None
        assert await rates.rate_on(conn, "UZS", DAY) == 1
        assert await rates.to_base(conn, Decimal("99.99"), "RUB", DAY) == Decimal("14998.50")
        assert await rates.to_base(conn, Decimal("100"), "KZT", DAY) is None
        assert await conn.fetchval("SELECT 250 * rate_on('RUB', $1)", DAY) == Decimal(37500)


async def test_another_base_currency_needs_no_rate_and_so_m_then_does(pool: asyncpg.Pool) -> None:
    await pool.execute("INSERT INTO shop_settings (key, value) VALUES ('base_currency', 'USD')")
    async with pool.acquire() as conn:
        assert await rates.base_currency(conn) == "USD"
        assert await rates.rate_on(conn, "USD", DAY) == 1
        assert await rates.rate_on(conn, "UZS", DAY) is None


async def test_a_rate_for_a_day_leaves_the_days_after_it_and_one_from_a_day_on_replaces_them(
    pool: asyncpg.Pool, effects: Effects
) -> None:
    for offset, rate in ((0, "150"), (1, "151"), (2, "152")):
        await _set(pool, effects, "RUB", DAY + timedelta(days=offset), rate)
    await _set(pool, effects, "RUB", DAY + timedelta(days=1), "149")
    async with pool.acquire() as conn:
        assert await rates.rate_on(conn, "RUB", DAY + timedelta(days=2)) == Decimal(152)
    await _set(pool, effects, "RUB", DAY + timedelta(days=1), "148", holds=True)
    async with pool.acquire() as conn:
        assert await rates.rate_on(conn, "RUB", DAY + timedelta(days=2)) == Decimal(148)
        assert await rates.rate_on(conn, "RUB", DAY) == Decimal(150)
        [held] = await rates.newest_rates(conn, DAY + timedelta(days=30))
    assert (held.day, held.source, held.holds) == (DAY + timedelta(days=1), "admin", True)


@pytest.mark.parametrize(
    ("currency", "day", "rate", "field"),
    [
        ("UZS", DAY, "1", "currency"),  # the base itself
        ("RU", DAY, "150", "currency"),
        ("RUB", DAY, "0", "rate"),
        ("RUB", DAY, "1e12", "rate"),
        ("RUB", date.today() + timedelta(days=2), "150", "day"),
    ],
)
async def test_a_rate_that_cannot_be_is_refused_and_nothing_is_written(
    pool: asyncpg.Pool, effects: Effects, currency: str, day: date, rate: str, field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        await _set(pool, effects, currency, day, rate)
    assert refused.value.field == field
    assert await pool.fetchval("SELECT count(*) FROM exchange_rates") == 0


async def test_manual_and_own_store_orders_are_in_the_base_currency(
    pool: asyncpg.Pool, effects: Effects, shop: Shop
) -> None:
    before = await make_order(pool, effects, shop.own, shop.shirt, None)
    await pool.execute("INSERT INTO shop_settings (key, value) VALUES ('base_currency', 'USD')")
    after = await make_order(pool, effects, shop.own, shop.shirt, None)
    rouble = await make_order(pool, effects, shop.own, shop.shirt, "RUB")
    found = dict(await pool.fetch("SELECT id, currency FROM orders"))
    assert (found[before], found[after], found[rouble]) == ("UZS", "USD", "RUB")


async def test_a_currency_in_use_without_a_rate_of_the_last_four_days_is_missing(
    pool: asyncpg.Pool, effects: Effects, shop: Shop
) -> None:
    today = rates.local_today()
    await make_order(pool, effects, shop.own, shop.shirt, "RUB")
    await make_order(pool, effects, shop.own, shop.shirt, "KZT", days_ago=40)  # too old to be in use
    await make_order(pool, effects, shop.own, shop.shirt, "UZS")
    async with pool.acquire() as conn:
        ozon = await make_channel(conn, "ozon", "api")
        await map_product(conn, shop.phone, ozon, "OZ-1", price="1200")
        await conn.execute("UPDATE marketplace_products SET price_currency = 'BYN'")  # a price read from Ozon
        assert await rates.missing(conn) == ["BYN", "RUB"]
        await conn.execute("UPDATE marketplace_products SET price_currency = NULL")
        assert await rates.missing(conn) == ["RUB"]
    await _set(pool, effects, "RUB", today - timedelta(days=5), "150")
    async with pool.acquire() as conn:
        assert await rates.missing(conn) == ["RUB"], "a rate of five days ago is stale"
    await _set(pool, effects, "RUB", today - timedelta(days=4), "150")
    async with pool.acquire() as conn:
        assert await rates.missing(conn) == [], "Friday's rate still serves on Tuesday"
    await _set(pool, effects, "RUB", today - timedelta(days=20), "140", holds=True)
    async with pool.acquire() as conn:
        assert await rates.missing(conn) == [], "an admin's rate from a day on does not go stale"
