"""The alert sender: drains the notifications outbox into Telegram. Admin alerts go to ADMIN_CHAT_ID, else to the
chat an admin chose with /alerts_here (a burst becomes one digest; an alert whose buttons act on it, a new
marketplace order or a return, is a message of its own; a customer's message to the shop is copied there as it is,
bot.support_relay), own-store order news and "back in stock" news to each customer's chat; paced to Telegram's
limits, honouring retry_after, retrying network failures with backoff, and marking a row sent only once Telegram
took it.

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

from bot import alert_texts, support_relay
from bot.i18n import create_i18n
from bot.pacing import Pacer
from bot.texts import fit
from core import back_in_stock, customer_orders, notifications, product_links, shop, storefront
from core.db import Conn
from core.notifications import Due
from core.outbox import BackInStock, OrderStatus, SupportMessage
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
    support: SupportMessage | None = None  # a customer's message to copy into the admin chat, instead of `text`


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
    parcels = [
        *await _admin_parcels(conn, dues, admin_chat),
        *await _customer_parcels(conn, dues),
        *await _back_in_stock_parcels(conn, dues, settings),
    ]
    delivered = 0
    for index, parcel in enumerate(parcels):
        try:
            await _send(conn, bot, pacer, parcel)
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


async def _send(conn: Conn, bot: Bot, pacer: Pacer, parcel: Parcel) -> None:
    if parcel.support is not None:
        await support_relay.forward(conn, bot, pacer, parcel.chat_id, parcel.support)
        return
    await pacer.wait(parcel.chat_id)
    await bot.send_message(parcel.chat_id, parcel.text, reply_markup=parcel.markup)


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
    solo = [[due] for due in admin_dues if _alone(due)]
    rest = [due for due in admin_dues if not _alone(due)]
    chunks = [*solo, *(rest[start : start + DIGEST_SIZE] for start in range(0, len(rest), DIGEST_SIZE))]
    i18n = create_i18n()
    parcels = []
    with i18n.context(), i18n.use_locale(await notifications.admin_language(conn, admin_chat)):
        for chunk in sorted(chunks, key=lambda chunk: chunk[0].id):
            if isinstance(chunk[0].alert, SupportMessage):
                parcels.append(Parcel(admin_chat, "", None, (chunk[0].id,), support=chunk[0].alert))
                continue
            text, markup = alert_texts.admin_message(chunk)
            parcels.append(Parcel(admin_chat, text, markup, tuple(due.id for due in chunk)))
    return parcels


def _alone(due: Due) -> bool:
    """Sent as a message of its own, never in a digest."""
    return alert_texts.is_solo(due) or isinstance(due.alert, SupportMessage)


async def _customer_parcels(conn: Conn, dues: list[Due]) -> list[Parcel]:
    """A customer's news of one pass in one message, in the customer's language."""
    unreadable = tuple(
        due.id for due in dues if due.for_customer and not isinstance(due.alert, OrderStatus | BackInStock)
    )
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


async def _back_in_stock_parcels(conn: Conn, dues: list[Due], settings: Settings) -> list[Parcel]:
    """One message per product that is back, each with its own button to the product in the Mini App. A product
    sold out again before the news went out is not announced: the customer's wish waits for the next return."""
    parcels = []
    i18n = create_i18n()
    for due in dues:
        if not isinstance(news := due.alert, BackInStock):
            continue
        recipient = await notifications.recipient(conn, news.user_id)
        if recipient is None or recipient.blocked:
            await notifications.close_undeliverable(conn, (due.id,), "no such customer or the bot is blocked")
            continue
        language: storefront.Language = "ru" if recipient.language == "ru" else "uz"
        product = await storefront.product_page(conn, news.product_id, language)
        if product is None:
            await notifications.close_undeliverable(conn, (due.id,), "the product is no longer on sale")
            continue
        if not product["in_stock"]:
            async with conn.transaction():
                await back_in_stock.wait_again(conn, news.user_id, news.product_id)
                await notifications.close_undeliverable(conn, (due.id,), "sold out again before the news went out")
            continue
        link = None if settings.mini_app_url is None else product_links.in_chat(settings.mini_app_url, product["id"])
        with i18n.context(), i18n.use_locale(language):
            text, markup = alert_texts.back_in_stock_message(product["name"], product["display_price"], link)
        parcels.append(Parcel(recipient.telegram_id, text, markup, (due.id,), news.user_id))
    return parcels
