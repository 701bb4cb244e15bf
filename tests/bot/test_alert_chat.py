"""/alerts_here: an admin makes a group the alert chat from Telegram; the alert sender then writes there, unless
ADMIN_CHAT_ID names another chat."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from redis.asyncio import Redis

from bot.alerts import send_due_alerts
from core import inventory
from core.inventory import Source
from core.settings import Settings
from core.unit_of_work import Effects
from tests.bot.conftest import ADMIN_CHAT_ID, ADMIN_ID, CUSTOMER_ID
from tests.bot.harness import BotUnderTest, Chat
from tests.builders import Shop
from tests.fake_telegram import FakeTelegram
from tests.support import changed

GROUP = -100424242


@pytest.fixture
async def unset(
    fake_telegram: FakeTelegram, redis: Redis, pool: asyncpg.Pool, bot_settings: Settings
) -> AsyncIterator[BotUnderTest]:
    """A bot process without ADMIN_CHAT_ID."""
    running = BotUnderTest(fake_telegram, redis, pool, changed(bot_settings, admin_chat_id=None))
    yield running
    await running.close()


async def _low_stock(pool: asyncpg.Pool, effects: Effects, shop: Shop) -> None:
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        await inventory.adjust(uow, shop.telefon, -3, Source("adjustment", notes="test"))


def _sent_to(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [str(c.params["text"]) for c in fake.calls_to("sendMessage") if int(c.params["chat_id"]) == chat_id]


async def test_an_admin_makes_a_group_the_alert_chat(
    unset: BotUnderTest, fake_telegram: FakeTelegram, pool: asyncpg.Pool, effects: Effects, shop: Shop
) -> None:
    await _low_stock(pool, effects, shop)
    settings = unset.dispatcher["settings"]
    assert await send_due_alerts(pool, unset.bot, settings) == 0  # nowhere to send yet: the alert waits

    await unset.feed(fake_telegram.message_update("/alerts_here", user_id=ADMIN_ID, chat_id=GROUP))

    assert "xabarnomalari endi shu chatga keladi" in _sent_to(fake_telegram, GROUP)[-1]
    assert await send_due_alerts(pool, unset.bot, settings) == 1
    assert "Oddiy tugmali qurilma" in _sent_to(fake_telegram, GROUP)[-1]


async def test_admin_chat_id_stays_the_override(
    process: BotUnderTest, fake_telegram: FakeTelegram, pool: asyncpg.Pool, effects: Effects, shop: Shop
) -> None:
    await process.feed(fake_telegram.message_update("/alerts_here", user_id=ADMIN_ID, chat_id=GROUP))
    assert "ADMIN_CHAT_ID" in _sent_to(fake_telegram, GROUP)[-1]
    await _low_stock(pool, effects, shop)
    assert await send_due_alerts(pool, process.bot, process.dispatcher["settings"]) == 1
    assert _sent_to(fake_telegram, ADMIN_CHAT_ID)


async def test_a_customer_cannot_move_the_alerts(
    unset: BotUnderTest, fake_telegram: FakeTelegram, pool: asyncpg.Pool
) -> None:
    await unset.feed(fake_telegram.message_update("/alerts_here", user_id=CUSTOMER_ID, chat_id=GROUP))
    assert await pool.fetchval("SELECT count(*) FROM shop_settings") == 0
    assert "admin" in _sent_to(fake_telegram, GROUP)[-1].lower()


async def test_in_a_private_chat_it_says_where_to_send_it(unset: BotUnderTest, fake_telegram: FakeTelegram) -> None:
    await unset.feed(fake_telegram.message_update("/alerts_here", user_id=ADMIN_ID))
    assert "guruhda" in _sent_to(fake_telegram, ADMIN_ID)[-1]


async def test_the_alert_group_speaks_the_language_an_admin_picks_there(
    unset: BotUnderTest, fake_telegram: FakeTelegram, pool: asyncpg.Pool, effects: Effects, shop: Shop
) -> None:
    await unset.feed(fake_telegram.message_update("/alerts_here", user_id=ADMIN_ID, chat_id=GROUP))
    reply = fake_telegram.calls_to("sendMessage")[-1].params
    russian = next(b for row in reply["reply_markup"]["inline_keyboard"] for b in row if "Русский" in b["text"])
    group = Chat(unset, ADMIN_ID, chat_id=GROUP)
    await group.press(russian["callback_data"], message_id=int(group.screen()["message_id"]))

    assert "Уведомления в этом чате будут на языке" in group.text
    await _low_stock(pool, effects, shop)
    assert await send_due_alerts(pool, unset.bot, unset.dispatcher["settings"]) == 1
    assert "Закончился" in _sent_to(fake_telegram, GROUP)[-1]
    assert await pool.fetchval("SELECT new_values FROM audit_log ORDER BY id DESC LIMIT 1") == {
        "alert_chat_language": "ru"
    }


async def test_alerts_to_an_admins_private_chat_speak_that_admins_language(
    unset: BotUnderTest, fake_telegram: FakeTelegram, pool: asyncpg.Pool, effects: Effects, shop: Shop
) -> None:
    # Most admins read Russian; the one whose private chat takes the alerts reads Uzbek.
    await pool.execute(
        "INSERT INTO users (telegram_id, first_name, is_admin, language) VALUES ($1, 'Boss', TRUE, 'uz'),"
        " (9002, 'Lola', TRUE, 'ru'), (9003, 'Olga', TRUE, 'ru')",
        ADMIN_ID,
    )
    settings = changed(unset.dispatcher["settings"], admin_chat_id=ADMIN_ID)
    await _low_stock(pool, effects, shop)

    assert await send_due_alerts(pool, unset.bot, settings) == 1
    assert "Tugadi" in _sent_to(fake_telegram, ADMIN_ID)[-1]
