"""Builds the bot and its dispatcher: FSM state in Redis, the language middleware, every router of the bot."""

from __future__ import annotations

import copy

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import DefaultKeyBuilder
from redis.asyncio import Redis

from bot import (
    admin_menu,
    admins,
    alert_chat,
    catalog_file,
    channel_posts,
    channels,
    contacts,
    delivery_zones,
    errors,
    fbs,
    helpdesk,
    language,
    manual_order,
    marketplace_connect,
    money_settings,
    my_orders,
    order_desk,
    payments,
    products,
    rates,
    refusal,
    reports,
    shop_profile,
    stale_buttons,
    start,
    support,
    support_desk,
    sync_desk,
    synonyms,
)
from bot.flood import FloodLimit
from bot.form_storage import FormStorage
from bot.i18n import UserLocaleMiddleware, create_i18n

# Abandoned forms expire instead of living in Redis forever.
FORM_TTL_SECONDS = 24 * 3600

# Order matters: admin routers only take admins' updates; what they leave falls through to the
# customers' routers, and admin-only commands and buttons end at the refusal. An admin's button that no admin
# router took (its form was closed, or it was drawn before a deploy changed its data) gets the stale note.
# A customer's message that nothing took is a question to the seller: support is the last router of all.
ROUTERS = (
    errors.router,
    start.router,
    payments.router,
    contacts.router,
    language.router,
    helpdesk.router,
    support_desk.router,
    admin_menu.router,
    manual_order.router,
    products.router,
    catalog_file.router,
    order_desk.router,
    fbs.router,
    admins.router,
    alert_chat.router,
    shop_profile.router,
    rates.router,
    money_settings.router,
    delivery_zones.router,
    synonyms.router,
    channels.router,
    channel_posts.router,
    marketplace_connect.router,
    reports.router,
    sync_desk.router,
    stale_buttons.router,
    my_orders.router,
    refusal.router,
    support.router,
)


def create_bot(token: str, api_url: str) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))


def create_dispatcher(redis: Redis) -> Dispatcher:
    storage = FormStorage(
        redis,
        key_builder=DefaultKeyBuilder(with_bot_id=True, with_destiny=True),
        state_ttl=FORM_TTL_SECONDS,
        data_ttl=FORM_TTL_SECONDS,
    )
    dispatcher = Dispatcher(storage=storage, events_isolation=storage.create_isolation())
    UserLocaleMiddleware(create_i18n()).setup(dispatcher)
    flood_limit = FloodLimit()  # after the language middleware: it reads the user it loads
    dispatcher.message.outer_middleware(flood_limit)
    dispatcher.callback_query.outer_middleware(flood_limit)
    # A router belongs to one parent: each dispatcher gets its own copy of the modules' routers (the tests and
    # a restart in the same process build more than one).
    dispatcher.include_routers(*copy.deepcopy(ROUTERS))
    return dispatcher
