"""/help: what the bot can do and how to reach the seller.

The seller's contact is a text of the translations (bot/locales/*/LC_MESSAGES/messages.po, the entry
"To reach the seller ..."): the seller writes their phone or username there in both languages."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.access import is_admin
from core.settings import Settings
from core.users import User

router = Router(name=__name__)


@router.message(Command("help"))
async def show_help(message: Message, settings: Settings, user: User | None = None) -> None:
    lines = [
        _("Amazing Store: tap the menu button to open the store."),
        _("/orders — your latest orders"),
        _("/lang — change the language"),
        "",
        _("To reach the seller, write to @amazing_store_support or call +998 00 000 00 00."),
    ]
    if is_admin(user, settings):
        lines += ["", _("For admins: /admin opens the seller's menu.")]
    await message.answer("\n".join(lines))
