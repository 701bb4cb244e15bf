"""/shop over the bot: an admin edits the shop's profile; /help and /start tell customers what was written, and
no made-up contact is ever shown."""

from __future__ import annotations

import asyncpg

from bot.callbacks import ClearShopProfile, EditShopProfile
from core.shop import ProfileField
from tests.bot.harness import Chat
from tests.builders import make_channel


async def _own_store(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        return await make_channel(conn, "amazing-store", "own")


async def test_an_admin_fills_the_profile_and_customers_read_it_in_help(
    admin: Chat, customer: Chat, pool: asyncpg.Pool
) -> None:
    own = await _own_store(pool)
    await admin.send("/admin")
    await admin.tap("Do'kon profili")
    for field, typed in (
        (ProfileField.NAME, "Zebo Butik"),
        (ProfileField.PHONE, "90 123 45 67"),
        (ProfileField.HOURS, "Du–Sha 9:00–20:00"),
        (ProfileField.ABOUT_UZ, "Ayollar kiyimi, Toshkent bo'ylab yetkazib beramiz."),
    ):
        await admin.tap_button(EditShopProfile, field=field)
        await admin.send(typed)
        assert "✅" in admin.text
    assert "Telefon: +998901234567" in admin.text
    assert await pool.fetchval("SELECT name FROM marketplaces WHERE id = $1", own) == "Zebo Butik"

    await customer.send("/help")
    assert customer.text.startswith("Zebo Butik:")
    assert "Ayollar kiyimi" in customer.text
    assert "📞 Telefon: +998901234567" in customer.text and "🕘 Ish vaqti: Du–Sha 9:00–20:00" in customer.text
    await customer.send("/start")
    assert "Zebo Butik do'koniga xush kelibsiz" in customer.messages()[-1]["text"]


async def test_a_bad_phone_is_refused_politely_and_nothing_is_saved(admin: Chat, pool: asyncpg.Pool) -> None:
    await admin.send("/shop")
    await admin.tap_button(EditShopProfile, field=ProfileField.PHONE)
    await admin.send("ertaga qo'ng'iroq qiling")
    assert "telefon raqamiga o'xshamaydi" in admin.text
    assert await pool.fetchval("SELECT count(*) FROM shop_settings") == 0


async def test_a_field_is_cleared_and_help_shows_no_contact_at_all(
    admin: Chat, customer: Chat, pool: asyncpg.Pool
) -> None:
    await admin.send("/shop")
    await admin.tap_button(EditShopProfile, field=ProfileField.PHONE)
    await admin.send("+998 71 200 00 00")
    await admin.tap_button(EditShopProfile, field=ProfileField.PHONE)
    await admin.tap_button(ClearShopProfile, field=ProfileField.PHONE)
    assert "Telefon: —" in admin.text

    await customer.send("/help")
    assert "📞" not in customer.text and "Sotuvchi bilan bog'lanish" not in customer.text
    assert "+998" not in customer.text


async def test_the_russian_reader_gets_the_russian_about_text(second_admin: Chat, pool: asyncpg.Pool) -> None:
    await second_admin.send("/shop")
    await second_admin.tap_button(EditShopProfile, field=ProfileField.ABOUT_RU)
    await second_admin.send("Женская одежда с доставкой по Ташкенту.")
    await second_admin.tap_button(EditShopProfile, field=ProfileField.ABOUT_UZ)
    await second_admin.send("Ayollar kiyimi.")
    await second_admin.send("/help")
    assert "Женская одежда" in second_admin.text and "Ayollar kiyimi" not in second_admin.text
