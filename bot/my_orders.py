"""A customer's /orders: their latest own-store orders with status and items."""

from __future__ import annotations

import asyncpg
from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.alert_texts import item_lines
from bot.texts import fit, language, money, status_label
from core import customer_orders
from core.users import User

SHOWN = 5

router = Router(name=__name__)


@router.message(Command("orders"))
async def my_orders(message: Message, pool: asyncpg.Pool, user: User | None = None) -> None:
    if user is None:
        await message.answer(_("You have no orders yet. Open the store with /start."))
        return
    async with pool.acquire() as conn:
        mine = (await customer_orders.read(conn, user.id, language()))[:SHOWN]
    if not mine:
        await message.answer(_("You have no orders yet. Open the store with /start."))
        return
    blocks = [_("Your latest orders:")]
    for order in mine:
        items = "\n".join(item_lines(order, "  • "))
        blocks.append(f"{order.order_number} — {status_label(order.status)}\n{items}\n  {money(order.total)}")
    await message.answer(fit("\n\n".join(blocks)))
