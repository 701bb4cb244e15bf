"""/lang: the user picks Uzbek or Russian; the choice is stored on the user and used from then on."""

from __future__ import annotations

import asyncpg
from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot import commands
from bot.callbacks import ChooseLanguage
from bot.i18n import profile_of
from core import users
from core.settings import Settings

NAMES = {"uz": "🇺🇿 O'zbekcha", "ru": "🇷🇺 Русский"}

router = Router(name=__name__)


@router.message(Command("lang"))
async def ask(
    message: Message, command: CommandObject, bot: Bot, pool: asyncpg.Pool, settings: Settings, i18n: I18n
) -> None:
    wanted = (command.args or "").strip().lower()
    if wanted in users.LANGUAGES and message.from_user is not None:
        await _store(bot, pool, settings, message.from_user, wanted)
        with i18n.use_locale(wanted):
            await message.answer(_("Done: I will speak {language} from now on.").format(language=NAMES[wanted]))
        return
    buttons = [InlineKeyboardButton(text=NAMES[code], callback_data=ChooseLanguage(code=code).pack()) for code in NAMES]
    await message.answer(_("Choose your language:"), reply_markup=InlineKeyboardMarkup(inline_keyboard=[buttons]))


@router.callback_query(ChooseLanguage.filter())
async def chosen(
    callback: CallbackQuery, callback_data: ChooseLanguage, bot: Bot, pool: asyncpg.Pool, settings: Settings, i18n: I18n
) -> None:
    if callback_data.code not in users.LANGUAGES:
        await callback.answer()
        return
    await _store(bot, pool, settings, callback.from_user, callback_data.code)
    with i18n.use_locale(callback_data.code):
        text = _("Done: I will speak {language} from now on.").format(language=NAMES[callback_data.code])
        if isinstance(callback.message, Message):
            await callback.message.edit_text(text)
        await callback.answer()


async def _store(bot: Bot, pool: asyncpg.Pool, settings: Settings, sender: User, language: str) -> None:
    async with pool.acquire() as conn:
        user = await users.by_telegram_id(conn, sender.id) or await users.register(conn, profile_of(sender))
        await users.update_profile(conn, user.id, {"language": language})
    # An admin's command menu speaks the admin's language (a customer's follows Telegram's language_code).
    await commands.refresh_for(bot, pool, settings, sender.id)
