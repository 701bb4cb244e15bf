"""Who gets what: admins by ADMIN_IDS or users.is_admin, everyone else a polite refusal in their language;
/lang, /help and the admin menu."""

from __future__ import annotations

import asyncpg
from aiogram import Dispatcher
from aiogram.filters import Command
from aiohttp.test_utils import TestClient

from amazing_store.app import create_app
from bot.callbacks import OpenScreen, PauseSync, Screen, SetOnSale, ShowReport
from core.embedded import ServiceUrls
from core.settings import Settings
from tests.bot.harness import BotUnderTest, Chat
from tests.builders import Shop, make_channel
from tests.fake_telegram import FakeTelegram

REFUSAL_UZ = "faqat do'kon adminlari"
REFUSAL_RU = "только для админов"


async def test_a_customer_is_refused_admin_commands_and_buttons_and_nothing_happens(
    customer: Chat, pool: asyncpg.Pool, shop: Shop
) -> None:
    await customer.send("/start")
    for command in ("/admin", "/order", "/products", "/newproduct", "/grant 5001"):
        await customer.send(command)
        assert REFUSAL_UZ in customer.text, command
    await customer.press(SetOnSale(product_id=shop.phone, on_sale=False).pack())

    assert REFUSAL_UZ in customer.toasts()[-1]
    assert await pool.fetchval("SELECT is_active FROM products WHERE id = $1", shop.phone)
    assert not await pool.fetchval("SELECT is_admin FROM users")
    assert await pool.fetchval("SELECT count(*) FROM audit_log") == 0


# Commands a customer's own routers answer; /cancel closes an admin's form and a customer, who has none, gets no
# answer to it.
NOT_REFUSED = {"start", "help", "lang", "orders", "cancel"}


def _commands(dispatcher: Dispatcher) -> set[str]:
    """Every command some handler of the bot takes, read off the routers themselves."""
    return {
        str(command)
        for router in dispatcher.chain_tail
        for handler in router.message.handlers
        for check in handler.filters or ()
        if isinstance(check.callback, Command)
        for command in check.callback.commands
    }


async def test_every_admin_command_is_refused_to_a_customer(process: BotUnderTest) -> None:
    admin_commands = sorted(_commands(process.dispatcher) - NOT_REFUSED)
    assert {"admin", "order", "sync"} <= set(admin_commands)

    # One customer each: one person sending them all at machine speed would meet the flood limit (bot/flood.py).
    for index, command in enumerate(admin_commands):
        customer = Chat(process, 7000 + index)
        await customer.send(f"/{command}")
        assert len(customer.messages()) == 1 and REFUSAL_UZ in customer.text, command


async def test_a_customer_is_refused_reports_and_sync(customer: Chat, pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        uzum = await make_channel(conn, "uzum", "api")
        await conn.execute("UPDATE marketplaces SET auto_sync_enabled = TRUE")
    await customer.send("/start")
    for command in ("/report today", "/sync"):
        await customer.send(command)
        assert REFUSAL_UZ in customer.text, command
    await customer.press(PauseSync(marketplace_id=uzum, paused=True).pack())
    await customer.press(ShowReport(period="today").pack())

    assert all(REFUSAL_UZ in toast for toast in customer.toasts()[-2:])
    assert await pool.fetchval("SELECT auto_sync_enabled FROM marketplaces WHERE id = $1", uzum)
    assert await pool.fetchval("SELECT count(*) FROM audit_log") == 0


async def test_refusal_over_real_polling_in_russian(
    aiohttp_client,
    bot_settings: Settings,
    service_urls: ServiceUrls,
    fake_telegram: FakeTelegram,
    pool: asyncpg.Pool,
) -> None:
    client: TestClient = await aiohttp_client(create_app(bot_settings, service_urls))
    fake_telegram.queue_update(fake_telegram.message_update("/order", user_id=4242, language_code="ru"))

    [reply] = await fake_telegram.wait_for_call("sendMessage", timeout=10)

    assert REFUSAL_RU in reply.params["text"]
    await client.close()


async def test_admins_by_flag_or_setting_get_the_menu(admin: Chat, second_admin: Chat) -> None:
    await admin.send("/admin")
    await second_admin.send("/admin")

    assert "Sotuvchi menyusi" in admin.text
    assert "Меню продавца" in second_admin.text
    assert OpenScreen(screen=Screen.MANUAL_ORDER).pack() in [data for _text, data in admin.buttons()]


async def test_grant_makes_an_admin_and_is_audited(admin: Chat, customer: Chat, pool: asyncpg.Pool) -> None:
    await customer.send("/start")
    await admin.send(f"/grant {customer.user_id}")
    await customer.send("/admin")

    assert "Sotuvchi menyusi" in customer.text
    row = await pool.fetchrow("SELECT action, actor_id, new_values FROM audit_log")
    assert row["action"] == "admin.grant" and row["new_values"]["telegram_id"] == customer.user_id
    assert row["actor_id"] == await pool.fetchval("SELECT id FROM users WHERE telegram_id = $1", admin.user_id)


async def test_lang_switches_and_is_remembered(customer: Chat, pool: asyncpg.Pool) -> None:
    await customer.send("/start")
    await customer.send("/lang")
    await customer.tap("Русский")
    await customer.send("/help")

    assert await pool.fetchval("SELECT language FROM users") == "ru"
    assert "/orders" in customer.text and "сменить язык" in customer.text
