"""/alerts_here: an admin sends it in a group, and that group receives the admins' alerts from then on (stored in
the database; ADMIN_CHAT_ID, when set, still wins)."""

from __future__ import annotations

import asyncpg
from aiogram import F
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from core import shop
from core.settings import Settings
from core.users import User

router = admin_router(__name__)

GROUPS = {ChatType.GROUP, ChatType.SUPERGROUP}


@router.message(Command("alerts_here"), F.chat.type.in_(GROUPS))
async def alerts_here(message: Message, pool: asyncpg.Pool, settings: Settings, admin: User) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await shop.set_alert_chat(conn, message.chat.id, admin.id)
    text = _("✅ The shop's alerts will come to this chat: low stock, new orders, sync problems.")
    if settings.admin_chat_id is not None and settings.admin_chat_id != message.chat.id:
        text += "\n\n" + _("The ADMIN_CHAT_ID setting names another chat and wins while it is set: remove it.")
    await message.answer(text)


@router.message(Command("alerts_here"))
async def not_a_group(message: Message) -> None:
    await message.answer(_("Send /alerts_here in the group that should receive the alerts, with this bot added to it."))
