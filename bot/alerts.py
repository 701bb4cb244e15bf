"""The alert sender: drains the notifications outbox into Telegram. Admin alerts go to ADMIN_CHAT_ID, else to the
chat an admin chose with /alerts_here (a burst becomes one digest; an alert whose buttons act on it, a new
marketplace order or a return, is a message of its own), own-store order news to each customer's chat;
paced to Telegram's limits, honouring retry_after, retrying network failures with backoff, and marking a row
sent only once Telegram took it.

`send_due_alerts` is one pass; `create_job` gives the periodic job (core.periodic.run_periodically)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from itertools import groupby

import asyncpg
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError, TelegramNetworkError, TelegramRetryAfter
from aiogram.types import InlineKeyboardMarkup

from bot import alert_texts
from bot.i18n import create_i18n
from bot.pacing import Pacer
from bot.texts import fit
from core import customer_orders, notifications, shop
from core.db import Conn
from core.notifications import Due
from core.outbox import OrderStatus
from core.settings import Settings

log = logging.getLogger(__name__)

# Rows taken per pass, and alerts per digest message (a message holds 4096 characters).
BATCH = 100
DIGEST_SIZE = 20
# How often the job runs: alerts arriving within one interval share a digest.
INTERVAL_SECONDS = 3.0


@dataclass(frozen=True)
class Parcel:
    """One Telegram message and the outbox rows it delivers."""

    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None
    ids: tuple[int, ...]
    user_id: int | None = None  # the customer, for a customer's chat


async def send_due_alerts(pool: asyncpg.Pool, bot: Bot, settings: Settings, pacer: Pacer | None = None) -> int:
    """One pass over the due rows; returns how many rows were delivered."""
    async with pool.acquire() as conn:
        return await deliver(conn, bot, settings, pacer or Pacer())


def create_job(bot: Bot, settings: Settings) -> Callable[[Conn], Awaitable[int]]:
    """The periodic job; one pacer for its lifetime, so limits hold across passes."""
    pacer = Pacer()

    async def job(conn: Conn) -> int:
        return await deliver(conn, bot, settings, pacer)

    return job


async def deliver(conn: Conn, bot: Bot, settings: Settings, pacer: Pacer) -> int:
    admin_chat = settings.admin_chat_id or await shop.alert_chat(conn)
    dues = await notifications.claim_due(conn, BATCH, admin_kinds=admin_chat is not None)
    if not dues:
        return 0
    parcels = [*await _admin_parcels(conn, dues, admin_chat), *await _customer_parcels(conn, dues)]
    delivered = 0
    for index, parcel in enumerate(parcels):
        await pacer.wait(parcel.chat_id)
        try:
            await bot.send_message(parcel.chat_id, parcel.text, reply_markup=parcel.markup)
        except TelegramRetryAfter as error:  # flood control is per bot: the whole pass waits
            wait = timedelta(seconds=error.retry_after)
            await notifications.retry_later(conn, parcel.ids, f"429: {error.message}", wait)
            await notifications.release(conn, _rest(parcels, index), wait)
            return delivered
        except TelegramForbiddenError as error:
            await _undeliverable(conn, parcel, str(error.message))
        except TelegramNetworkError as error:  # Telegram unreachable: the others would fail the same way
            await notifications.retry_later(conn, parcel.ids, f"network: {error.message}")
            await notifications.release(conn, _rest(parcels, index))
            return delivered
        except TelegramAPIError as error:
            log.warning("alert to %s refused (%s); it is tried again later", parcel.chat_id, error.message)
            await notifications.retry_later(conn, parcel.ids, str(error.message))
        else:
            await notifications.mark_sent(conn, parcel.ids)
            delivered += len(parcel.ids)
    return delivered


def _rest(parcels: list[Parcel], index: int) -> list[int]:
    return [row_id for parcel in parcels[index + 1 :] for row_id in parcel.ids]


async def _undeliverable(conn: Conn, parcel: Parcel, error: str) -> None:
    if parcel.user_id is None:  # the bot was removed from the admin chat: keep trying, someone will fix it
        log.error("the admin chat %s refuses the bot's alerts: %s", parcel.chat_id, error)
        await notifications.retry_later(conn, parcel.ids, f"403: {error}")
        return
    async with conn.transaction():
        await notifications.mark_blocked(conn, parcel.user_id, error)
        await notifications.close_undeliverable(conn, parcel.ids, f"the customer blocked the bot: {error}")


async def _admin_parcels(conn: Conn, dues: list[Due], admin_chat: int | None) -> list[Parcel]:
    admin_dues = [due for due in dues if not due.for_customer]
    if not admin_dues or admin_chat is None:
        return []
    solo = [[due] for due in admin_dues if alert_texts.is_solo(due)]
    rest = [due for due in admin_dues if not alert_texts.is_solo(due)]
    chunks = [*solo, *(rest[start : start + DIGEST_SIZE] for start in range(0, len(rest), DIGEST_SIZE))]
    i18n = create_i18n()
    parcels = []
    with i18n.context(), i18n.use_locale(await notifications.admin_language(conn, admin_chat)):
        for chunk in sorted(chunks, key=lambda chunk: chunk[0].id):
            text, markup = alert_texts.admin_message(chunk)
            parcels.append(Parcel(admin_chat, text, markup, tuple(due.id for due in chunk)))
    return parcels


async def _customer_parcels(conn: Conn, dues: list[Due]) -> list[Parcel]:
    """A customer's news of one pass in one message, in the customer's language."""
    unreadable = tuple(due.id for due in dues if due.for_customer and not isinstance(due.alert, OrderStatus))
    if unreadable:
        await notifications.close_undeliverable(conn, unreadable, "no such customer")
    mine = sorted(
        ((due.id, due.alert) for due in dues if isinstance(due.alert, OrderStatus)),
        key=lambda pair: (pair[1].user_id, pair[0]),
    )
    i18n = create_i18n()
    parcels = []
    for user_id, group in groupby(mine, key=lambda pair: pair[1].user_id):
        batch = list(group)
        ids = tuple(row_id for row_id, _news in batch)
        recipient = await notifications.recipient(conn, user_id)
        if recipient is None:
            await notifications.close_undeliverable(conn, ids, "no such customer")
            continue
        if recipient.blocked:
            await notifications.close_undeliverable(conn, ids, "the customer blocked the bot")
            continue
        with i18n.context(), i18n.use_locale(recipient.language):
            texts = []
            for _row_id, news in batch:
                found = await customer_orders.read(conn, user_id, recipient.language, news.order_id)
                texts.append(alert_texts.customer_message(news, found[0] if found else None))
        parcels.append(Parcel(recipient.telegram_id, fit("\n\n".join(texts)), None, ids, user_id))
    return parcels
