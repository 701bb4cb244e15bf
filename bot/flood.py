"""A per-user flood limit: past a few messages or taps in a few seconds, a user's further updates are dropped, with
one polite "slow down" per flood episode. Admins, who tap through forms quickly, get a higher limit.

The counts live in Redis, not in process memory: in webhook mode several replicas share one bot (see
ARCHITECTURE.md), and a count per process would let each of them answer a flooder in full."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _
from redis.asyncio import Redis

from bot.access import is_admin
from core.settings import Settings
from core.users import User

WINDOW_SECONDS = 5
CUSTOMER_LIMIT = 8
ADMIN_LIMIT = 30
# An episode ends after this long without a dropped update; the next flood gets its own single warning.
QUIET_SECONDS = 30

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class FloodLimit(BaseMiddleware):
    """Registered after the language middleware (it needs `user` and the reader's locale)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        sender = getattr(event, "from_user", None)
        redis: Redis | None = data.get("redis")
        settings: Settings | None = data.get("settings")
        bot: Bot | None = data.get("bot")
        # A payment's receipt is Telegram's, not the user's typing: never dropped.
        if sender is None or redis is None or settings is None or bot is None or _is_payment(event):
            return await handler(event, data)
        user: User | None = data.get("user")
        limit = ADMIN_LIMIT if is_admin(user, settings) else CUSTOMER_LIMIT
        key = f"flood:{bot.id}:{sender.id}"
        async with redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=WINDOW_SECONDS, nx=True)  # a window opens with the first update; INCR keeps it
            pipe.incr(key)
            _opened, count = await pipe.execute()
        if count <= limit:
            return await handler(event, data)
        warned = f"{key}:warned"
        if await redis.set(warned, 1, ex=QUIET_SECONDS, nx=True):
            await _slow_down(event)
        else:
            await redis.expire(warned, QUIET_SECONDS)
        return None


def _is_payment(event: TelegramObject) -> bool:
    return isinstance(event, Message) and event.successful_payment is not None


async def _slow_down(event: TelegramObject) -> None:
    text = _("You are sending messages too fast. Please wait a few seconds, then try again.")
    with contextlib.suppress(TelegramAPIError):
        if isinstance(event, CallbackQuery):
            await event.answer(text, show_alert=True)
        elif isinstance(event, Message):
            await event.answer(text)
