"""The chat's command menus: customers' in uz and ru, each admin's own in the admin's language, kept true when an
admin is added, removed or changes language; /help promises the menu button only when there is one."""

from __future__ import annotations

import asyncpg
from aiogram.types import BotCommandScopeChat, BotCommandScopeDefault
from aiohttp.test_utils import TestClient

from amazing_store.app import create_app
from bot import commands
from core.embedded import ServiceUrls
from core.settings import Settings
from tests.bot.harness import BotUnderTest, Chat
from tests.fake_telegram import FakeTelegram
from tests.support import changed


async def _menu(process: BotUnderTest, chat_id: int | None = None, language: str | None = None) -> dict[str, str]:
    scope = BotCommandScopeDefault() if chat_id is None else BotCommandScopeChat(chat_id=chat_id)
    return {c.command: c.description for c in await process.bot.get_my_commands(scope=scope, language_code=language)}


async def test_the_app_publishes_the_customers_menus_in_both_languages_and_each_admins_own(
    aiohttp_client,
    bot_settings: Settings,
    service_urls: ServiceUrls,
    fake_telegram: FakeTelegram,
    process: BotUnderTest,
    second_admin: Chat,
) -> None:
    client: TestClient = await aiohttp_client(create_app(bot_settings, service_urls))
    await fake_telegram.wait_for_call("setMyCommands", count=5, timeout=10)

    russian = await _menu(process, language="ru")
    uzbek = await _menu(process, language="uz")
    assert list(russian) == ["start", "orders", "lang", "help"]
    assert russian["orders"] == "ваши последние заказы" and uzbek["orders"] == "oxirgi buyurtmalaringiz"
    assert await _menu(process) == uzbek  # a customer whose Telegram speaks another language
    admin_menu = await _menu(process, chat_id=9001)
    assert {"admin", "orders", "products", "report", "help"} <= set(admin_menu)
    assert "start" not in admin_menu and admin_menu["orders"] == "do'kon buyurtmalari"
    assert (await _menu(process, chat_id=second_admin.user_id))["orders"] == "заказы магазина"
    await client.close()


async def test_an_admin_who_switches_language_gets_the_menu_in_it(admin: Chat, process: BotUnderTest) -> None:
    await admin.send("/lang ru")

    assert (await _menu(process, chat_id=admin.user_id))["admin"] == "меню продавца"


async def test_a_granted_admin_gets_the_admin_menu_and_loses_it_when_revoked(
    admin: Chat, customer: Chat, process: BotUnderTest
) -> None:
    await customer.send("/start")
    await admin.send(f"/grant {customer.user_id}")
    assert "products" in await _menu(process, chat_id=customer.user_id)

    await admin.send(f"/revoke {customer.user_id}")
    assert await _menu(process, chat_id=customer.user_id) == {}  # Telegram shows the customers' menu again


def test_every_menu_entry_is_a_valid_command_with_a_text_in_both_languages() -> None:
    for role in (commands.Role.CUSTOMER, commands.Role.ADMIN):
        uzbek, russian = commands.menu(role, "uz"), commands.menu(role, "ru")
        assert [c.command for c in uzbek] == [c.command for c in russian]
        assert len({c.command for c in uzbek}) == len(uzbek)  # one /orders per menu
        assert all(a.description != b.description for a, b in zip(uzbek, russian, strict=True))


async def test_help_promises_the_menu_button_only_when_the_mini_app_sets_one(
    process: BotUnderTest, customer: Chat, pool: asyncpg.Pool, bot_settings: Settings
) -> None:
    await commands.publish(process.bot, pool, bot_settings)
    await customer.send("/help")
    assert "menyu tugmasini bosing" in customer.text
    button = await process.bot.get_chat_menu_button(chat_id=customer.user_id)
    assert button.type == "web_app" and button.web_app.url == f"{bot_settings.public_url}/app"

    process.dispatcher["settings"] = changed(bot_settings, public_url=None)  # no https address: no Mini App
    await customer.send("/help")
    assert "menyu" not in customer.text and "Do'kon hozircha ishga tushirilmagan" in customer.text
