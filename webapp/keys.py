"""Typed application keys: how handlers reach the process-wide resources the composition root made."""

from __future__ import annotations

import asyncpg
from aiogram import Bot
from aiohttp import web
from redis.asyncio import Redis

from core.bot_state import BotState
from core.media import MediaStore
from core.settings import Settings
from core.subscriber import Subscriber
from core.unit_of_work import Effects
from core.vault import Vault
from core.webhook_inbox import Inbox
from core.webhooks import Receivers
from webapp.live import LiveStock
from webapp.near_cache import NearCache

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
REDIS = web.AppKey("redis", Redis)
# The process's one Redis subscription, which the components that hear pub/sub channels listen on.
SUBSCRIBER = web.AppKey("subscriber", Subscriber)
# The process's one publisher: runs the effects of committed units of work.
EFFECTS = web.AppKey("effects", Effects)
# The bot token Mini App init data is signed with (a process-local one in demo mode, without BOT_TOKEN).
INIT_DATA_TOKEN = web.AppKey("init_data_token", str)
# The bot, when BOT_TOKEN is set: the API uses it to create payment invoices.
BOT = web.AppKey("bot", Bot)
# Whether that bot is up (Telegram answers), for /readyz; absent when the bot is off.
BOT_STATE = web.AppKey("bot_state", BotState)
LIVE_STOCK = web.AppKey("live_stock", LiveStock)
NEAR_CACHE = web.AppKey("near_cache", NearCache)
# Webhook receivers' credentials kept in memory, and the group commit their events are stored through.
RECEIVERS = web.AppKey("receivers", Receivers)
INBOX = web.AppKey("inbox", Inbox)
# Opens the marketplace keys sealed with SECRET_KEY: for the sync jobs, and for the webhook receivers, which refuse
# the pushes of a marketplace whose keys do not open.
VAULT = web.AppKey("vault", Vault)
# Where product photos are kept (a directory or a bucket): /media serves them, the bot and the photo job store.
MEDIA = web.AppKey("media", MediaStore)
