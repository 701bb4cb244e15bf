"""/money over the bot: an admin sets the packaging cost, the Uzum payout fee and the VAT rate as core.fees reads
them, each change audited; what is not a number in its range is refused in the admin's language, writing
nothing; a customer gets the refusal; the next order's own costs are what was set."""

from __future__ import annotations

from decimal import Decimal

import asyncpg

from bot.callbacks import ClearMoneySetting, EditMoneySetting
from core import orders
from core.money_settings import MoneySetting
from core.unit_of_work import Effects
from tests.bot.harness import Chat
from tests.builders import Shop, make_channel


async def _settings(pool: asyncpg.Pool) -> dict[str, str]:
    return dict(await pool.fetch("SELECT key, value FROM shop_settings"))


async def test_an_admin_sets_each_value_from_the_menu_and_clears_vat(admin: Chat, pool: asyncpg.Pool) -> None:
    await admin.send("/admin")
    await admin.tap("Pul sozlamalari")
    for setting, typed in (
        (MoneySetting.PACKAGING_COST, "3 000"),
        (MoneySetting.PAYOUT_FEE_PERCENT, "1,5%"),
        (MoneySetting.VAT_PERCENT, "12"),
    ):
        await admin.tap_button(EditMoneySetting, setting=setting)
        await admin.send(typed)
        assert "✅" in admin.text
    assert await _settings(pool) == {"packaging_cost": "3000", "payout_fee_percent": "1.5", "vat_percent": "12"}
    assert "Bir buyurtma qadoqlash narxi: 3 000 so'm" in admin.text and "Uzum to'lov komissiyasi: 1.50%" in admin.text

    await admin.tap_button(EditMoneySetting, setting=MoneySetting.VAT_PERCENT)
    await admin.tap_button(ClearMoneySetting, setting=MoneySetting.VAT_PERCENT)

    assert "Narxlar ichidagi QQS: yo'q" in admin.text
    assert "vat_percent" not in await _settings(pool)
    changes = await pool.fetch("SELECT old_values, new_values FROM audit_log WHERE action = 'shop.setting' ORDER BY id")
    assert [(row["old_values"], row["new_values"]) for row in changes][-1] == (
        {"vat_percent": "12"},
        {"vat_percent": None},
    )
    assert len(changes) == 4


async def test_bad_values_are_refused_in_uzbek_and_nothing_is_written(admin: Chat, pool: asyncpg.Pool) -> None:
    await admin.send("/money")
    await admin.tap_button(EditMoneySetting, setting=MoneySetting.PACKAGING_COST)
    await admin.send("uch ming")
    assert "Qadoqlash narxi 0 dan 999 999 999 gacha" in admin.text
    await admin.send("1 000 000 000")
    assert "Qadoqlash narxi 0 dan 999 999 999 gacha" in admin.text
    await admin.tap("Pul sozlamalari")
    await admin.tap_button(EditMoneySetting, setting=MoneySetting.VAT_PERCENT)
    await admin.send("100")
    assert "QQS stavkasi 0 dan 100 gacha" in admin.text

    assert await _settings(pool) == {}
    assert await pool.fetchval("SELECT count(*) FROM audit_log") == 0


async def test_bad_values_are_refused_in_russian_and_nothing_is_written(second_admin: Chat, pool: asyncpg.Pool) -> None:
    await second_admin.send("/money")
    await second_admin.tap_button(EditMoneySetting, setting=MoneySetting.PAYOUT_FEE_PERCENT)
    for typed in ("-1", "1.234", "полтора"):
        await second_admin.send(typed)
        assert "Комиссия за выплату — процент от 0 до менее 100" in second_admin.text

    assert await _settings(pool) == {}
    assert await pool.fetchval("SELECT count(*) FROM audit_log") == 0


async def test_a_customer_gets_the_refusal(customer: Chat, pool: asyncpg.Pool) -> None:
    await customer.send("/money")
    assert "faqat do'kon adminlari" in customer.text


async def test_the_values_set_are_the_seller_fees_of_the_next_uzum_order(
    admin: Chat, pool: asyncpg.Pool, effects: Effects, shop: Shop
) -> None:
    await admin.send("/money")
    for setting, typed in (
        (MoneySetting.PACKAGING_COST, "3000"),
        (MoneySetting.PAYOUT_FEE_PERCENT, "1.5"),
        (MoneySetting.VAT_PERCENT, "12"),
    ):
        await admin.tap_button(EditMoneySetting, setting=setting)
        await admin.send(typed)
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        uzum = await make_channel(conn, "uzum", "api", commission="10")
        line = orders.Line(shop.phone, 1, Decimal(1120000))
        await orders.place(
            uow, orders.NewOrder(uzum, (line,), orders.Customer("Ali", "+998901234567"), marketplace_order_id="UZ-1")
        )

    rows = await pool.fetch("SELECT kind, amount, currency, basis FROM order_fees ORDER BY kind")
    assert [tuple(row) for row in rows] == [
        ("commission", Decimal("112000.00"), "UZS", "estimated"),
        ("packaging", Decimal("3000.00"), "UZS", "seller"),
        ("payout_fee", Decimal("16800.00"), "UZS", "seller"),
        ("vat", Decimal("120000.00"), "UZS", "seller"),
    ]
