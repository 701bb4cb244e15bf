"""/rate over the bot: an admin sees the rates of the currencies in use and sets one — for today at once, for a
day only or from a day on with a button — in Uzbek or Russian; what is not a rate is refused politely and writes
nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import asyncpg
import pytest

from bot.callbacks import SetRate
from core import rates
from core.unit_of_work import Effects
from tests.bot.harness import Chat
from tests.builders import make_order, make_shop


async def _rows(pool: asyncpg.Pool) -> list[tuple[str, date, Decimal, str, bool]]:
    rows = await pool.fetch("SELECT currency, day, rate, source, holds FROM exchange_rates ORDER BY currency, day")
    return [(row["currency"], row["day"], row["rate"], row["source"], row["holds"]) for row in rows]


async def test_an_admin_sees_the_currencies_in_use_and_sets_today_s_rate(
    admin: Chat, pool: asyncpg.Pool, effects: Effects
) -> None:
    shop = await make_shop(pool, effects)
    await make_order(pool, effects, shop.own, shop.shirt, "KZT")
    await admin.send("/rate")
    assert "UZS ga nisbatan valyuta kurslari" in admin.text
    assert "KZT: kurs yo'q" in admin.text
    await admin.send("RUB 142,5")
    today = rates.local_today()
    assert "✅ Saqlandi" in admin.messages()[-1]["text"] and "1 RUB = 142.50" in admin.text
    assert f"RUB: 142.50 UZS (admin {today:%d.%m.%Y} uchun kiritgan)" in admin.text
    assert await _rows(pool) == [("RUB", today, Decimal("142.5"), "admin", False)]
    audited = await pool.fetchrow("SELECT actor_id, new_values FROM audit_log WHERE action = 'rate.set'")
    assert audited["actor_id"] is not None and audited["new_values"]["rate"] == "142.5"


async def test_a_rate_for_a_day_asks_whether_it_holds_from_that_day_on_in_russian(
    second_admin: Chat, pool: asyncpg.Pool
) -> None:
    day = rates.local_today() - timedelta(days=6)
    await second_admin.send(f"/rate kzt 24.10 {day:%d.%m.%Y}")
    assert "только на этот день или начиная с него" in second_admin.text
    assert await _rows(pool) == [], "nothing is written before the choice"
    await second_admin.tap_button(SetRate, holds=True)
    assert f"Сохранено: 1 KZT = 24.10 с {day:%d.%m.%Y}" in second_admin.text
    assert f"KZT: 24.10 UZS (задан админом, с {day:%d.%m.%Y})" in second_admin.text
    assert await _rows(pool) == [("KZT", day, Decimal("24.10"), "admin", True)]


@pytest.mark.parametrize(
    ("typed", "reply", "with_a_day"),
    [
        ("salom", "Valyuta va uning kursini yuboring", False),
        ("RUB -5", "Valyuta va uning kursini yuboring", False),
        ("RUB 0", "Kurs musbat son bo'lishi kerak", False),
        ("RUB 1.123456789", "Kurs musbat son bo'lishi kerak", False),
        ("RUB 150 31.02.2026", "Bunday kun yo'q", False),
        ("UZS 1", "UZS — do'konning o'z valyutasi", False),
        (f"RUB 150 {date.today() + timedelta(days=3):%d.%m.%Y}", "hali kelmagan kun uchun emas", True),
    ],
)
async def test_what_is_not_a_rate_is_refused_politely_and_nothing_is_written(
    admin: Chat, pool: asyncpg.Pool, typed: str, reply: str, with_a_day: bool
) -> None:
    await admin.send("/rate")
    await admin.send(typed)
    if with_a_day:  # the day's rate is refused when the admin chooses how it holds
        await admin.tap_button(SetRate, holds=False)
    assert reply in admin.text
    assert await _rows(pool) == []
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = 'rate.set'") == 0
