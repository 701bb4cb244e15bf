"""/start: register the customer, open the Mini App, and make the chat's menu button open it too."""

from __future__ import annotations

import contextlib
import logging

import asyncpg
from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import CommandStart
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, MenuButtonWebApp, Message, WebAppInfo
from aiogram.utils.i18n import gettext as _

from bot.i18n import profile_of
from core import shop, users
from core.settings import Settings

log = logging.getLogger(__name__)
router = Router(name=__name__)


@router.message(CommandStart())
async def start(message: Message, bot: Bot, pool: asyncpg.Pool, settings: Settings) -> None:
    sender = message.from_user
    if sender is None:
        return
    async with pool.acquire() as conn:
        user = await users.register(conn, profile_of(sender))
        name = (await shop.profile(conn)).name
    if name:
        greeting = _("Hello, {name}! Welcome to {shop}.").format(name=user.first_name, shop=name)
    else:
        greeting = _("Hello, {name}!").format(name=user.first_name)
    if settings.mini_app_url is None:
        await message.answer(greeting + "\n" + _("The store is not open yet. We will be back soon!"))
        return
    app = WebAppInfo(url=settings.mini_app_url)
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=_("🛍 Open the store"), web_app=app)]])
    await message.answer(greeting + "\n" + _("Tap the button below to open the store."), reply_markup=keyboard)
    # A nicety: the store still opens from the greeting's button if this fails.
    with contextlib.suppress(TelegramAPIError):
        menu = MenuButtonWebApp(text=_("Store"), web_app=app)
        await bot.set_chat_menu_button(chat_id=message.chat.id, menu_button=menu)
