"""The Central Bank's daily rates, read from a local stand-in of its JSON: stored at Rate / Nominal for every
currency it lists, crossed through the so'm for another base currency, never over an admin's rate; a currency in use
without a fresh rate is told to the admins once a day, however often the job runs."""

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import aiohttp
import asyncpg
import pytest

from core import rates
from core.unit_of_work import Effects
from demo.sandboxes.cbu import CbuSandbox
from sync.cbu_rates import BankUnreadable, CbuRates, fetch
from tests.builders import Shop, make_order


@pytest.fixture
async def bank() -> AsyncIterator[CbuSandbox]:
    sandbox = await CbuSandbox().start()
    yield sandbox
    await sandbox.stop()


async def _run(pool: asyncpg.Pool, effects: Effects, bank: CbuSandbox) -> list[str]:
    async with pool.acquire() as conn:
        return await CbuRates(bank.url, effects).run(conn)


async def _rates(pool: asyncpg.Pool) -> dict[str, tuple[Decimal, str]]:
    rows = await pool.fetch("SELECT currency, rate, source FROM exchange_rates WHERE day = $1", rates.local_today())
    return {row["currency"]: (row["rate"], row["source"]) for row in rows}


async def test_the_bank_s_answer_is_read_as_it_is_shaped(bank: CbuSandbox) -> None:
    bank.set_rate("KRW", "94.10", nominal=10)
    async with aiohttp.ClientSession() as session:
        read = {rate.currency: rate for rate in await fetch(session, bank.url)}
    assert read["KRW"].som == Decimal("9.41") and read["RUB"].som == Decimal("152.34")
    assert read["RUB"].day == rates.local_today()
    bank.down = True
    async with aiohttp.ClientSession() as session:
        with pytest.raises(BankUnreadable):
            await fetch(session, bank.url)


async def test_every_currency_the_bank_lists_gets_its_rate_per_unit(
    pool: asyncpg.Pool, effects: Effects, shop: Shop, bank: CbuSandbox
) -> None:
    await make_order(pool, effects, shop.own, shop.shirt, "RUB")
    bank.set_rate("KZT", "241.00", nominal=10)
    assert await _run(pool, effects, bank) == []
    stored = await _rates(pool)
    assert stored["RUB"] == (Decimal("152.34"), "cbu") and stored["KZT"] == (Decimal("24.1"), "cbu")
    assert set(stored) == set(bank.listed), "one row per listed currency, the so'm itself needs none"
    bank.set_rate("RUB", "153.00")  # republished: the bank's own row is corrected
    await _run(pool, effects, bank)
    assert (await _rates(pool))["RUB"] == (Decimal(153), "cbu")
    assert await pool.fetchval("SELECT count(*) FROM notifications WHERE kind = 'rate_missing'") == 0


async def test_an_admin_s_rate_is_never_overwritten(
    pool: asyncpg.Pool, effects: Effects, shop: Shop, bank: CbuSandbox
) -> None:
    today = rates.local_today()
    await make_order(pool, effects, shop.own, shop.shirt, "RUB")
    await make_order(pool, effects, shop.own, shop.phone, "KZT")
    async with pool.acquire() as conn, effects.transaction(conn) as unit:
        await rates.set_rate(unit, "RUB", today, Decimal(140), source="admin", actor_id=None, from_day_on=False)
        await rates.set_rate(
            unit, "KZT", today - timedelta(days=3), Decimal(23), source="admin", actor_id=None, from_day_on=True
        )
    await _run(pool, effects, bank)
    stored = await _rates(pool)
    assert stored["RUB"] == (Decimal(140), "admin")
    assert "KZT" not in stored and "USD" in stored, "KZT's admin rate holds from its day on"
    async with pool.acquire() as conn:
        assert await rates.rate_on(conn, "KZT", today) == Decimal(23)


async def test_another_base_currency_gets_the_rates_crossed_through_the_so_m(
    pool: asyncpg.Pool, effects: Effects, shop: Shop, bank: CbuSandbox
) -> None:
    await pool.execute("INSERT INTO shop_settings (key, value) VALUES ('base_currency', 'RUB')")
    await make_order(pool, effects, shop.own, shop.shirt, "KZT")
    await make_order(pool, effects, shop.own, shop.phone, "UZS")
    await make_order(pool, effects, shop.own, shop.telefon, None)  # in roubles: needs no rate
    bank.set_rate("RUB", "150.00")
    bank.set_rate("KZT", "30.00")
    await _run(pool, effects, bank)
    stored = await _rates(pool)
    assert stored["KZT"] == (Decimal("0.2"), "cbu") and stored["UZS"] == (Decimal("0.00666667"), "cbu")
    assert stored["USD"] == (Decimal("80.33333333"), "cbu") and "RUB" not in stored


async def test_a_missing_rate_is_told_once_a_day_not_once_a_run(
    pool: asyncpg.Pool, effects: Effects, shop: Shop, bank: CbuSandbox
) -> None:
    await make_order(pool, effects, shop.own, shop.shirt, "RUB")
    await make_order(pool, effects, shop.own, shop.phone, "GEL")  # the bank's list here has no lari
    bank.down = True
    assert await _run(pool, effects, bank) == ["GEL", "RUB"]
    bank.down = False
    assert await _run(pool, effects, bank) == ["GEL"]
    assert await _run(pool, effects, bank) == ["GEL"]
    told = await pool.fetch("SELECT payload FROM notifications WHERE kind = 'rate_missing'")
    assert [row["payload"] for row in told] == [{"currencies": ["GEL", "RUB"]}]
    await pool.execute("UPDATE notifications SET created_at = created_at - interval '1 day'")
    await _run(pool, effects, bank)
    told = await pool.fetchval("SELECT count(*) FROM notifications WHERE kind = 'rate_missing'")
    assert told == 2, "told again the next day"
