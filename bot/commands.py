"""The chat's command menu (the "/" list Telegram shows), from ONE list: every command, who sees it and what it
says. Customers get theirs in uz or ru through the default scope and Telegram's language_code; each admin gets
the admin menu in their private chat (BotCommandScopeChat), in that admin's own language. Published at start
and again when an admin is added or removed or changes language."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

import asyncpg
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, MenuButtonWebApp, WebAppInfo
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from babel.support import LazyProxy

from bot.i18n import DEFAULT_LOCALE, create_i18n
from core import users
from core.settings import Settings

log = logging.getLogger(__name__)


class Role(StrEnum):
    CUSTOMER = "customer"
    ADMIN = "admin"
    EVERYONE = "everyone"


@dataclass(frozen=True)
class MenuCommand:
    command: str
    role: Role
    description: LazyProxy  # a msgid, rendered in the reader's language when the menu is published


# The order is the menu's order. /orders means "my orders" to a customer and "the shop's orders" to an admin.
COMMANDS = (
    MenuCommand("start", Role.CUSTOMER, __("open the store")),
    MenuCommand("orders", Role.CUSTOMER, __("your latest orders")),
    MenuCommand("admin", Role.ADMIN, __("the seller's menu")),
    MenuCommand("orders", Role.ADMIN, __("the shop's orders")),
    MenuCommand("order", Role.ADMIN, __("type in an order")),
    MenuCommand("products", Role.ADMIN, __("find a product")),
    MenuCommand("newproduct", Role.ADMIN, __("add a product")),
    MenuCommand("report", Role.ADMIN, __("sales and profit")),
    MenuCommand("picklist", Role.ADMIN, __("what to pick for marketplace orders")),
    MenuCommand("handover", Role.ADMIN, __("hand marketplace orders to the courier")),
    MenuCommand("sync", Role.ADMIN, __("marketplace sync")),
    MenuCommand("catalog", Role.ADMIN, __("the catalog as a spreadsheet")),
    MenuCommand("channels", Role.ADMIN, __("sales channels")),
    MenuCommand("shop", Role.ADMIN, __("the shop's profile")),
    MenuCommand("money", Role.ADMIN, __("packaging, fees and VAT")),
    MenuCommand("rate", Role.ADMIN, __("exchange rates")),
    MenuCommand("delivery", Role.ADMIN, __("delivery zones: fee, free from a sum, time")),
    MenuCommand("post", Role.ADMIN, __("post a product in the shop's channel")),
    MenuCommand("synonyms", Role.ADMIN, __("words that mean the same to search")),
    MenuCommand("admins", Role.ADMIN, __("who runs the shop")),
    MenuCommand("lang", Role.EVERYONE, __("change the language")),
    MenuCommand("help", Role.EVERYONE, __("help and the seller's contacts")),
)


def menu(role: Role, language: str) -> list[BotCommand]:
    """The menu one reader sees, in their language."""
    with create_i18n().context(), create_i18n().use_locale(language):
        return [
            BotCommand(command=entry.command, description=str(entry.description))
            for entry in COMMANDS
            if entry.role in (role, Role.EVERYONE)
        ]


async def publish(bot: Bot, pool: asyncpg.Pool, settings: Settings) -> None:
    """Every menu: the customers' (per language, and uz for a language the store does not speak), each admin's,
    and the chat menu button that opens the Mini App, so /help's "menu button" is there in every chat."""
    await bot.set_my_commands(menu(Role.CUSTOMER, DEFAULT_LOCALE), scope=BotCommandScopeDefault())
    for language in users.LANGUAGES:
        await bot.set_my_commands(menu(Role.CUSTOMER, language), scope=BotCommandScopeDefault(), language_code=language)
    async with pool.acquire() as conn:
        admins = await users.admin_languages(conn, settings.admin_ids)
    for telegram_id, language in admins.items():
        await publish_for_admin(bot, telegram_id, language)
    if settings.mini_app_url is not None:
        with create_i18n().context(), create_i18n().use_locale(DEFAULT_LOCALE):
            button = MenuButtonWebApp(text=_("Store"), web_app=WebAppInfo(url=settings.mini_app_url))
        await bot.set_chat_menu_button(menu_button=button)


async def publish_for_admin(bot: Bot, telegram_id: int, language: str) -> None:
    """An admin's own menu. A chat Telegram does not know yet (the admin never wrote to the bot) refuses it:
    that admin gets the menu from their first /lang or the next start."""
    try:
        await bot.set_my_commands(menu(Role.ADMIN, language), scope=BotCommandScopeChat(chat_id=telegram_id))
    except TelegramAPIError as error:
        log.warning("the admin menu for %s was not set: %s", telegram_id, error.message)


async def withdraw_from(bot: Bot, telegram_id: int) -> None:
    """A former admin's chat falls back to the customers' menu."""
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=telegram_id))
    except TelegramAPIError as error:
        log.warning("the admin menu of %s was not removed: %s", telegram_id, error.message)


async def refresh_for(bot: Bot, pool: asyncpg.Pool, settings: Settings, telegram_id: int) -> None:
    """After a change of rights or language: the menu this person should have now."""
    async with pool.acquire() as conn:
        admins = await users.admin_languages(conn, [telegram_id] if telegram_id in settings.admin_ids else [])
    if telegram_id in admins:
        await publish_for_admin(bot, telegram_id, admins[telegram_id])
    else:
        await withdraw_from(bot, telegram_id)
