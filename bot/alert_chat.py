"""/alerts_here: an admin sends it in a group, and that group receives the admins' alerts from then on (stored in
the database; ADMIN_CHAT_ID, when set, still wins), in the language an admin picks there with its buttons (or
`/alerts_here ru`)."""

from __future__ import annotations

import contextlib

import asyncpg
from aiogram import F
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.callbacks import SetAlertLanguage
from bot.language import NAMES
from core import notifications, shop, users
from core.settings import Settings
from core.users import User

router = admin_router(__name__)

GROUPS = {ChatType.GROUP, ChatType.SUPERGROUP}


def _languages() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=name, callback_data=SetAlertLanguage(code=code).pack())
                for code, name in NAMES.items()
            ]
        ]
    )


@router.message(Command("alerts_here"), F.chat.type.in_(GROUPS))
async def alerts_here(
    message: Message, command: CommandObject, pool: asyncpg.Pool, settings: Settings, admin: User, i18n: I18n
) -> None:
    wanted = (command.args or "").strip().lower()
    async with pool.acquire() as conn, conn.transaction():
        await shop.set_alert_chat(conn, message.chat.id, admin.id)
        if wanted in users.LANGUAGES:
            await shop.set_alert_language(conn, wanted, admin.id)
        language = await notifications.admin_language(conn, message.chat.id)
    with i18n.use_locale(language):  # the chat's language, which the alerts will speak
        text = _("✅ The shop's alerts will come to this chat: low stock, new orders, sync problems.")
        if settings.admin_chat_id is not None and settings.admin_chat_id != message.chat.id:
            text += "\n\n" + _("The ADMIN_CHAT_ID setting names another chat and wins while it is set: remove it.")
        text += "\n\n" + _("Alerts here are in {language}. Another language:").format(language=NAMES[language])
        await message.answer(text, reply_markup=_languages())


@router.callback_query(SetAlertLanguage.filter())
async def set_language(
    callback: CallbackQuery, callback_data: SetAlertLanguage, pool: asyncpg.Pool, admin: User, i18n: I18n
) -> None:
    if callback_data.code not in users.LANGUAGES:
        with contextlib.suppress(TelegramBadRequest):
            await callback.answer()
        return
    async with pool.acquire() as conn, conn.transaction():
        await shop.set_alert_language(conn, callback_data.code, admin.id)
    with i18n.use_locale(callback_data.code):
        text = _("✅ Alerts in this chat will be in {language}.").format(language=NAMES[callback_data.code])
        if isinstance(callback.message, Message):
            with contextlib.suppress(TelegramBadRequest):
                await callback.message.edit_text(text)
        with contextlib.suppress(TelegramBadRequest):
            await callback.answer()


@router.message(Command("alerts_here"))
async def not_a_group(message: Message) -> None:
    await message.answer(_("Send /alerts_here in the group that should receive the alerts, with this bot added to it."))
