"""The bot's link to Telegram: its start is retried in the background with backoff while the Bot API cannot be
reached (the store and the sync never wait for it), and every call's outcome says whether Telegram answers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramConflictError,
    TelegramNetworkError,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import Response, TelegramMethod

from core.bot_state import BotState

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 1.0
# The longest wait between two tries: Telegram back from an outage is found within this.
MAX_RETRY_SECONDS = 30.0
# In webhook mode nothing calls Telegram while nobody writes: a light call this often notices it going away.
PROBE_SECONDS = 30.0

# Telegram out of reach, failing, refusing our token, or another process polling: the bot does not work.
# Any other refusal (a bad request, a blocked chat) is an answer: Telegram is there.
_NOT_WORKING = (TelegramNetworkError, TelegramServerError, TelegramUnauthorizedError, TelegramConflictError)


class ReachabilityRecorder(BaseRequestMiddleware):
    """Records, on every Bot API call, whether Telegram answered (polling's getUpdates makes one at least every
    long poll, so a Telegram that goes away is noticed within one)."""

    def __init__(self, state: BotState) -> None:
        self._state = state

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Response[Any]:
        try:
            response = await make_request(bot, method)
        except _NOT_WORKING:
            self._state.unreachable()
            raise
        except TelegramAPIError:
            self._state.answered()
            raise
        self._state.answered()
        return response


async def connect_with_backoff(connect: Callable[[], Awaitable[None]], stop: asyncio.Event) -> bool:
    """Run `connect` until it succeeds (True) or `stop` is set (False), waiting 1 s, then twice as long each time
    up to 30 s, with a log line per failure."""
    delay = FIRST_RETRY_SECONDS
    while not stop.is_set():
        try:
            await connect()
            return True
        except TelegramAPIError as error:
            reason = error.message
        except Exception as error:  # nothing the bot's start raises may end the process
            reason = f"{type(error).__name__}: {error}"
        log.warning(
            "bot: Telegram cannot be reached (%s); the store and the sync go on, the bot tries again in %.0f s",
            reason,
            delay,
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(delay * 2, MAX_RETRY_SECONDS)
    return False


async def probe(bot: Bot, stop: asyncio.Event) -> None:
    """Ask Telegram for the webhook's state every PROBE_SECONDS until `stop`; the recorder notes the outcome."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PROBE_SECONDS)
            return
        with contextlib.suppress(TelegramAPIError):
            await bot.get_webhook_info()
