"""/orders for admins: the order list, filtered by status, channel and today, a page at a time."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import asyncpg
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.callbacks import OpenOrder, OrderList
from bot.forms import show
from bot.menu_buttons import menu_button
from bot.texts import money_in, status_label
from core import admin_orders, analytics
from core.admin_orders import Channel, ListedOrder
from core.order_status import Status

PER_PAGE = 8

router = admin_router(__name__)


def _filter(wanted: OrderList) -> admin_orders.OrderFilter:
    since = until = None
    if wanted.today:
        since, until = analytics.local_day_bounds(datetime.now(ZoneInfo(analytics.DEFAULT_TIMEZONE)).date())
    return admin_orders.OrderFilter(wanted.status, wanted.channel_id, since, until, wanted.page, PER_PAGE)


def _choice(text: str, chosen: bool, target: OrderList) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=f"• {text}" if chosen else text, callback_data=target.pack())


def _markup(wanted: OrderList, rows: list[ListedOrder], total: int, channels: list[Channel]) -> InlineKeyboardMarkup:
    def target(**changes: object) -> OrderList:
        return wanted.model_copy(update={"page": 0, **changes})

    orders = [
        [
            InlineKeyboardButton(
                text=f"{row.order_number} · {status_label(row.status)} · {money_in(row.total, row.currency)}",
                callback_data=OpenOrder(order_id=row.id).pack(),
            )
        ]
        for row in rows
    ]
    statuses = [_choice(_("all"), wanted.status is None, target(status=None))] + [
        _choice(status_label(status), wanted.status == status, target(status=status)) for status in Status
    ]
    places = [_choice(_("all channels"), wanted.channel_id is None, target(channel_id=None))] + [
        _choice(row.name, wanted.channel_id == row.id, target(channel_id=row.id)) for row in channels
    ]
    today = _choice(_("📅 today only"), wanted.today, target(today=not wanted.today))
    pages = []
    if wanted.page > 0:
        pages.append(
            InlineKeyboardButton(text="◀️", callback_data=wanted.model_copy(update={"page": wanted.page - 1}).pack())
        )
    if (wanted.page + 1) * PER_PAGE < total:
        pages.append(
            InlineKeyboardButton(text="▶️", callback_data=wanted.model_copy(update={"page": wanted.page + 1}).pack())
        )
    return InlineKeyboardMarkup(
        inline_keyboard=[
            *orders,
            pages,
            statuses[:4],
            statuses[4:],
            *[places[index : index + 3] for index in range(0, len(places), 3)],
            [today, menu_button()],
        ]
    )


async def show_list(event: Message | CallbackQuery, pool: asyncpg.Pool, wanted: OrderList) -> None:
    async with pool.acquire() as conn:
        rows, total = await admin_orders.list_orders(conn, _filter(wanted))
        channels = await admin_orders.channels(conn)
    text = _("🧾 Orders: {total} found.").format(total=total) if total else _("🧾 No orders match.")
    markup = _markup(wanted, rows, total, channels)
    markup.inline_keyboard = [row for row in markup.inline_keyboard if row]
    await show(event, text, markup)


@router.message(Command("orders"))
async def command(message: Message, pool: asyncpg.Pool) -> None:
    await show_list(message, pool, OrderList())


@router.callback_query(OrderList.filter())
async def filtered(callback: CallbackQuery, callback_data: OrderList, pool: asyncpg.Pool) -> None:
    await show_list(callback, pool, callback_data)
