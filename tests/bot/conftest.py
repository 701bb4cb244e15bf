"""Fixtures of the bot's tests: a bot process on the fake Bot API, admins, and manual channels."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from redis.asyncio import Redis

from core.settings import Settings
from tests.bot.harness import BotUnderTest, Chat
from tests.builders import make_channel
from tests.fake_telegram import FakeTelegram
from tests.support import changed

ADMIN_ID = 9001
SECOND_ADMIN_ID = 9002
CUSTOMER_ID = 5001
ADMIN_CHAT_ID = -100777


@pytest.fixture
def bot_settings(settings: Settings, fake_telegram: FakeTelegram) -> Settings:
    """ADMIN_ID is an admin by ADMIN_IDS; the second admin is one by users.is_admin (see `second_admin`)."""
    return changed(settings, telegram_api_url=fake_telegram.base_url, admin_ids=[ADMIN_ID], admin_chat_id=ADMIN_CHAT_ID)


@pytest.fixture
async def process(
    fake_telegram: FakeTelegram, redis: Redis, pool: asyncpg.Pool, bot_settings: Settings
) -> AsyncIterator[BotUnderTest]:
    running = BotUnderTest(fake_telegram, redis, pool, bot_settings)
    yield running
    await running.close()


@pytest.fixture
def admin(process: BotUnderTest) -> Chat:
    return Chat(process, ADMIN_ID, first_name="Boss")


@pytest.fixture
async def second_admin(process: BotUnderTest, pool: asyncpg.Pool) -> Chat:
    await pool.execute(
        "INSERT INTO users (telegram_id, first_name, is_admin, language) VALUES ($1, 'Lola', TRUE, 'ru')",
        SECOND_ADMIN_ID,
    )
    return Chat(process, SECOND_ADMIN_ID, first_name="Lola", language_code="ru")


@pytest.fixture
def customer(process: BotUnderTest) -> Chat:
    return Chat(process, CUSTOMER_ID, first_name="Aziza")


@pytest.fixture
async def olx(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        await make_channel(conn, "bir-bir", "manual", prefix="BB")
        return await make_channel(conn, "olx", "manual", prefix="OLX")
