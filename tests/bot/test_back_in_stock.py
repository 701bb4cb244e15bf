""" "Notify me": the customer who asked hears once, in their language, when the sold-out product is back, with a
button that opens it in the Mini App."""

from __future__ import annotations

import asyncpg

from bot.alerts import send_due_alerts
from core import back_in_stock, inventory
from core.inventory import Source
from core.settings import Settings
from core.unit_of_work import Effects
from tests.bot.conftest import CUSTOMER_ID
from tests.bot.harness import BotUnderTest
from tests.builders import Shop
from tests.fake_telegram import FakeTelegram
from tests.support import changed


async def _stock(pool: asyncpg.Pool, effects: Effects, product_id: int, change: int) -> None:
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        await inventory.adjust(uow, product_id, change, Source("adjustment", notes="test"))


async def _waiting_customer(pool: asyncpg.Pool, product_id: int, language: str = "ru") -> int:
    user_id: int = await pool.fetchval(
        "INSERT INTO users (telegram_id, first_name, language, last_login_at) VALUES ($1, 'Aziza', $2, NOW())"
        " RETURNING id",
        CUSTOMER_ID,
        language,
    )
    async with pool.acquire() as conn:
        await back_in_stock.request(conn, user_id, product_id)
    return user_id


async def test_the_customer_is_told_once_in_their_language_with_a_button_to_the_product(
    pool: asyncpg.Pool,
    effects: Effects,
    process: BotUnderTest,
    bot_settings: Settings,
    shop: Shop,
    fake_telegram: FakeTelegram,
) -> None:
    settings = changed(bot_settings, public_url="https://shop.example")
    await _stock(pool, effects, shop.telefon, -3)  # sold out
    await _waiting_customer(pool, shop.telefon)
    bot = process.bot

    await _stock(pool, effects, shop.telefon, +4)
    await send_due_alerts(pool, bot, settings)
    await _stock(pool, effects, shop.telefon, -4)  # sold out again, and back again: the wish was told already
    await _stock(pool, effects, shop.telefon, +2)
    await send_due_alerts(pool, bot, settings)
    await send_due_alerts(pool, bot, settings)

    told = [call for call in fake_telegram.calls_to("sendMessage") if call.params["chat_id"] == str(CUSTOMER_ID)]
    assert len(told) == 1, "told once, not on every return"
    assert "Телефон кнопочный" in told[0].params["text"] and "снова в продаже" in told[0].params["text"]
    [[button]] = told[0].params["reply_markup"]["inline_keyboard"]
    assert button["web_app"]["url"] == f"https://shop.example/app?tgWebAppStartParam=p{shop.telefon}"


async def test_a_product_sold_out_again_before_the_news_went_out_keeps_the_wish(
    pool: asyncpg.Pool,
    effects: Effects,
    process: BotUnderTest,
    bot_settings: Settings,
    shop: Shop,
    fake_telegram: FakeTelegram,
) -> None:
    await _stock(pool, effects, shop.telefon, -3)
    user_id = await _waiting_customer(pool, shop.telefon, language="uz")
    await _stock(pool, effects, shop.telefon, +1)
    await _stock(pool, effects, shop.telefon, -1)  # gone before the sender's pass

    await send_due_alerts(pool, process.bot, bot_settings)
    assert fake_telegram.sent_texts(CUSTOMER_ID) == []

    await _stock(pool, effects, shop.telefon, +2)
    await send_due_alerts(pool, process.bot, bot_settings)
    [text] = fake_telegram.sent_texts(CUSTOMER_ID)
    assert "Oddiy tugmali qurilma" in text and "yana sotuvda" in text
    async with pool.acquire() as conn:
        assert not await back_in_stock.is_requested(conn, user_id, shop.telefon)
