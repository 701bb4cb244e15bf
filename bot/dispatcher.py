"""Builds the bot and its dispatcher: FSM state in Redis, every router of the bot attached."""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis

from bot import payments, start

# Abandoned forms expire instead of living in Redis forever.
FORM_TTL_SECONDS = 24 * 3600


def create_bot(token: str, api_url: str) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))


def create_dispatcher(redis: Redis) -> Dispatcher:
    storage = RedisStorage(
        redis,
        key_builder=DefaultKeyBuilder(with_bot_id=True, with_destiny=True),
        state_ttl=FORM_TTL_SECONDS,
        data_ttl=FORM_TTL_SECONDS,
    )
    dispatcher = Dispatcher(storage=storage, events_isolation=storage.create_isolation())
    dispatcher.include_router(start.create_router())
    dispatcher.include_router(payments.create_router())
    return dispatcher
