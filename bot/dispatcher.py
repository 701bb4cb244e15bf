"""Builds the bot and its dispatcher: FSM state in Redis, the language middleware, every router of the bot."""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import ExceptionTypeFilter
from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot import (
    admin_menu,
    admins,
    errors,
    helpdesk,
    language,
    manual_order,
    my_orders,
    order_desk,
    payments,
    products,
    refusal,
    reports,
    start,
    sync_desk,
)
from bot.i18n import UserLocaleMiddleware, create_i18n

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
    UserLocaleMiddleware(create_i18n()).setup(dispatcher)
    dispatcher.errors.register(errors.storage_unavailable, ExceptionTypeFilter(RedisError))
    # Order matters: admin routers only take admins' updates; what they leave falls through to the
    # customers' routers, and admin-only commands and buttons end at the refusal.
    dispatcher.include_routers(
        start.create_router(),
        payments.create_router(),
        language.create_router(),
        helpdesk.create_router(),
        admin_menu.create_router(),
        manual_order.create_router(),
        products.create_router(),
        order_desk.create_router(),
        admins.create_router(),
        reports.create_router(),
        sync_desk.create_router(),
        manual_order.create_stale_router(),
        my_orders.create_router(),
        refusal.create_router(),
    )
    return dispatcher
