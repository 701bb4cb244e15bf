"""Who runs the shop: /admins lists the admins; /grant and /revoke <telegram id> change it (audited)."""

from __future__ import annotations

import asyncpg
from aiogram import Bot, F
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import commands
from bot.access import admin_router
from bot.callbacks import OpenScreen, Screen
from bot.forms import show
from bot.menu_buttons import menu_button
from core import admins, users
from core.settings import Settings
from core.users import User

router = admin_router(__name__)


@router.message(Command("admins"))
@router.callback_query(OpenScreen.filter(F.screen == Screen.ADMINS))
async def listing(event: Message | CallbackQuery, pool: asyncpg.Pool, settings: Settings) -> None:
    async with pool.acquire() as conn:
        rows = await users.list_admins(conn)
    lines = [_("👥 Admins:")]
    lines += [
        f"• {row.first_name} (@{row.username}, {row.telegram_id})"
        if row.username
        else f"• {row.first_name} ({row.telegram_id})"
        for row in rows
    ]
    lines += [f"• {telegram_id} (ADMIN_IDS)" for telegram_id in settings.admin_ids]
    lines += ["", _("Make someone an admin: /grant <telegram id>. Take it back: /revoke <telegram id>.")]
    await show(event, "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=[[menu_button()]]))


@router.message(Command("grant", "revoke"))
async def grant(
    message: Message, command: CommandObject, bot: Bot, pool: asyncpg.Pool, settings: Settings, admin: User
) -> None:
    raw = (command.args or "").strip()
    if not raw.isdigit():
        await message.answer(_("Send it with the person's numeric Telegram id, like /grant 123456789."))
        return
    giving = command.command == "grant"
    async with pool.acquire() as conn, conn.transaction():
        changed = await admins.grant(conn, int(raw), giving, admin.id)
    if changed:
        await commands.refresh_for(bot, pool, settings, int(raw))
    if not changed:
        await message.answer(_("Nothing to change: {id} already is so.").format(id=raw))
    elif giving:
        await message.answer(_("✅ {id} is an admin now (from their next message to the bot).").format(id=raw))
    else:
        await message.answer(_("✅ {id} is no longer an admin.").format(id=raw))
