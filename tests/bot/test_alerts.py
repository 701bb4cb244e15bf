"""The alert sender against the fake Bot API: digests, one-tap actions, 429, blocked customers, network loss."""

from __future__ import annotations

import asyncio
import re
import time

import asyncpg
from aiogram import Bot

from bot.alerts import send_due_alerts
from bot.callbacks import AdjustStock, FormAction, OpenProduct, RunSyncNow
from core import inventory, order_status, orders
from core.inventory import Source
from core.order_status import Status
from core.settings import Settings
from core.unit_of_work import Effects
from tests.bot.conftest import ADMIN_CHAT_ID, CUSTOMER_ID
from tests.bot.harness import BotUnderTest, Chat
from tests.builders import Shop
from tests.fake_telegram import FakeTelegram, make_bot


async def _sell(pool: asyncpg.Pool, effects: Effects, product_id: int, quantity: int) -> None:
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        await inventory.adjust(uow, product_id, -quantity, Source("adjustment", notes="test"))


async def _customer_order(pool: asyncpg.Pool, effects: Effects, shop: Shop) -> int:
    """An own-store order of the customer (registered as on /start)."""
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        user_id = await conn.fetchval(
            "INSERT INTO users (telegram_id, first_name, language, last_login_at) VALUES ($1, 'Aziza', 'ru', NOW())"
            " RETURNING id",
            CUSTOMER_ID,
        )
        placed = await orders.place(
            uow,
            orders.NewOrder(
                shop.own, (orders.Line(shop.shirt, 2),), orders.Customer("Aziza", "+998901234567"), user_id=user_id
            ),
        )
        await conn.execute("UPDATE notifications SET sent_at = NOW()")  # the new-order alert is not this test's
    return placed.id


async def _move(pool: asyncpg.Pool, effects: Effects, order_id: int, status: Status) -> None:
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        await order_status.change_status(uow, order_id, status)


async def test_a_burst_of_alerts_is_one_digest_with_one_tap_actions(
    pool: asyncpg.Pool,
    effects: Effects,
    process: BotUnderTest,
    bot_settings: Settings,
    shop: Shop,
    fake_telegram: FakeTelegram,
) -> None:
    await _sell(pool, effects, shop.phone, 4)  # 5 -> 1: low (threshold 2)
    await _sell(pool, effects, shop.telefon, 3)  # 3 -> 0: out
    await _sell(pool, effects, shop.shirt, 9)  # 10 -> 1: low

    assert await send_due_alerts(pool, process.bot, bot_settings) == 3
    assert await send_due_alerts(pool, process.bot, bot_settings) == 0, "nothing is sent twice"

    [digest] = fake_telegram.calls_to("sendMessage")
    assert digest.params["chat_id"] == str(ADMIN_CHAT_ID)
    text = digest.params["text"]
    assert "PH-1" in text and "PH-2" in text and "CL-1" in text and text.count("\n") == 3
    buttons = [b["callback_data"] for row in digest.params["reply_markup"]["inline_keyboard"] for b in row]
    assert OpenProduct(product_id=shop.phone).pack() in buttons
    assert AdjustStock(product_id=shop.telefon).pack() in buttons
    assert await pool.fetchval("SELECT count(*) FROM notifications WHERE sent_at IS NULL") == 0


async def test_alert_button_in_the_group_opens_the_adjust_form_in_private(
    pool: asyncpg.Pool,
    effects: Effects,
    process: BotUnderTest,
    admin: Chat,
    bot_settings: Settings,
    shop: Shop,
    fake_telegram: FakeTelegram,
) -> None:
    await _sell(pool, effects, shop.telefon, 3)
    await send_due_alerts(pool, process.bot, bot_settings)
    [alert] = fake_telegram.calls_to("sendMessage")
    adjust = AdjustStock(product_id=shop.telefon).pack()
    assert adjust in [b["callback_data"] for row in alert.params["reply_markup"]["inline_keyboard"] for b in row]

    await process.feed(
        fake_telegram.callback_update(adjust, user_id=admin.user_id, chat_id=ADMIN_CHAT_ID, message_id=1000)
    )
    assert "+5" in admin.text, "the form opened in the admin's private chat"
    await admin.send("+4")
    await admin.tap_form(FormAction.PICK_REASON, 0)

    assert await pool.fetchval("SELECT quantity FROM inventory WHERE product_id = $1", shop.telefon) == 4


async def test_retry_after_is_honoured(
    pool: asyncpg.Pool,
    effects: Effects,
    process: BotUnderTest,
    bot_settings: Settings,
    shop: Shop,
    fake_telegram: FakeTelegram,
) -> None:
    await _sell(pool, effects, shop.telefon, 3)
    fake_telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)

    assert await send_due_alerts(pool, process.bot, bot_settings) == 0
    row = await pool.fetchrow("SELECT attempts, last_error, next_attempt_at > NOW() AS later FROM notifications")
    assert row["attempts"] == 1 and "429" in row["last_error"] and row["later"]
    assert await send_due_alerts(pool, process.bot, bot_settings) == 0, "not before retry_after has passed"
    assert len(fake_telegram.calls_to("sendMessage")) == 1

    await asyncio.sleep(1.1)
    assert await send_due_alerts(pool, process.bot, bot_settings) == 1
    assert len(fake_telegram.sent_texts(ADMIN_CHAT_ID)) == 1


async def test_the_customer_hears_of_status_changes_of_their_order(
    pool: asyncpg.Pool,
    effects: Effects,
    process: BotUnderTest,
    bot_settings: Settings,
    shop: Shop,
    fake_telegram: FakeTelegram,
) -> None:
    order_id = await _customer_order(pool, effects, shop)
    await _move(pool, effects, order_id, Status.CONFIRMED)

    assert await send_due_alerts(pool, process.bot, bot_settings) == 1

    [text] = fake_telegram.sent_texts(CUSTOMER_ID)
    number = await pool.fetchval("SELECT order_number FROM orders")
    assert number in text and "Рубашка × 2" in text, "in the customer's language, with the items"


async def test_a_customer_who_blocked_the_bot_is_marked_not_retried(
    pool: asyncpg.Pool,
    effects: Effects,
    process: BotUnderTest,
    bot_settings: Settings,
    shop: Shop,
    fake_telegram: FakeTelegram,
    customer: Chat,
) -> None:
    order_id = await _customer_order(pool, effects, shop)
    await _move(pool, effects, order_id, Status.CONFIRMED)
    fake_telegram.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")

    assert await send_due_alerts(pool, process.bot, bot_settings) == 0
    closed = await pool.fetchrow(
        "SELECT sent_at, last_error, next_attempt_at = 'infinity' AS never"
        " FROM notifications WHERE kind = 'order_status' AND payload->>'status' = 'confirmed'"
    )
    assert closed["sent_at"] is None and closed["never"] and "blocked" in closed["last_error"]
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = 'user.bot_blocked'") == 1
    assert await pool.fetchval("SELECT is_active FROM users WHERE telegram_id = $1", CUSTOMER_ID), (
        "blocking the bot is not a ban from the store"
    )

    await _move(pool, effects, order_id, Status.PROCESSING)
    assert await send_due_alerts(pool, process.bot, bot_settings) == 0
    assert len(fake_telegram.calls_to("sendMessage")) == 1, "a blocked customer is not tried again"

    await asyncio.sleep(0.01)
    await customer.send("/start")  # Telegram's "Restart" unblocks the bot
    await _move(pool, effects, order_id, Status.SHIPPED)
    assert await send_due_alerts(pool, process.bot, bot_settings) == 1
    assert len(fake_telegram.sent_texts(CUSTOMER_ID)) == 2  # the greeting and the shipping news


async def test_network_failure_backs_off_and_loses_nothing(
    pool: asyncpg.Pool,
    effects: Effects,
    process: BotUnderTest,
    bot_settings: Settings,
    shop: Shop,
    fake_telegram: FakeTelegram,
) -> None:
    await _sell(pool, effects, shop.telefon, 3)
    unreachable = FakeTelegram()
    await unreachable.start()
    offline: Bot = make_bot(unreachable)
    await unreachable.stop()
    try:
        assert await send_due_alerts(pool, offline, bot_settings) == 0
    finally:
        await offline.session.close()
    row = await pool.fetchrow(
        "SELECT attempts, last_error, sent_at, next_attempt_at - NOW() AS wait FROM notifications"
    )
    assert row["attempts"] == 1 and row["sent_at"] is None and "network" in row["last_error"]
    assert row["wait"].total_seconds() > 3

    await pool.execute("UPDATE notifications SET next_attempt_at = NOW()")  # the backoff has passed
    assert await send_due_alerts(pool, process.bot, bot_settings) == 1


async def test_replicas_draining_at_once_send_each_alert_once(
    pool: asyncpg.Pool, process: BotUnderTest, bot_settings: Settings, shop: Shop, fake_telegram: FakeTelegram
) -> None:
    async with pool.acquire() as conn:
        for index in range(30):
            await conn.execute(
                "INSERT INTO notifications (kind, payload) VALUES ('inventory_note', $1)",
                {"product_id": shop.phone, "sku": "PH-1", "drift": index},
            )
    started = time.monotonic()

    counts = await asyncio.gather(*(send_due_alerts(pool, process.bot, bot_settings) for _ in range(3)))

    assert sum(counts) == 30
    texts = "\n".join(fake_telegram.sent_texts(ADMIN_CHAT_ID))
    assert sorted(int(drift) for drift in re.findall(r"drift: (\d+)", texts)) == list(range(30))
    assert time.monotonic() - started < 10


async def test_without_an_admin_chat_admin_alerts_wait(
    pool: asyncpg.Pool,
    effects: Effects,
    process: BotUnderTest,
    bot_settings: Settings,
    shop: Shop,
    fake_telegram: FakeTelegram,
) -> None:
    await _sell(pool, effects, shop.telefon, 3)
    no_chat = Settings(_env_file=None, **{**bot_settings.model_dump(), "admin_chat_id": None})

    assert await send_due_alerts(pool, process.bot, no_chat) == 0
    assert await pool.fetchval("SELECT attempts FROM notifications") == 0
    assert await send_due_alerts(pool, process.bot, bot_settings) == 1


async def test_sync_alerts_read_as_sentences_and_drift_offers_a_push_now(
    pool: asyncpg.Pool, process: BotUnderTest, bot_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    from core import outbox
    from tests.builders import make_channel

    async with pool.acquire() as conn:
        uzum = await make_channel(conn, "uzum", "api")
        # A drift row as stored before held listings were told: rows already in the outbox still read.
        drift = [{"product_id": 1, "sku": "PH-1", "theirs": 9, "ours": 5}]
        await conn.execute(
            "INSERT INTO notifications (kind, payload) VALUES ('stock_drift', $1)",
            {"marketplace_id": uzum, "marketplace": "Uzum Market", "count": 1, "items": drift},
        )
        await outbox.add(conn, outbox.MarketplaceOrderProblem(uzum, "7001", "unmapped"))
    assert await send_due_alerts(pool, process.bot, bot_settings) == 2
    [digest] = fake_telegram.calls_to("sendMessage")
    text = digest.params["text"]
    assert "Uzum Market" in text and "PH-1 9→5" in text and "7001" in text and "🔔" in text.splitlines()[0]
    buttons = [b["callback_data"] for row in digest.params["reply_markup"]["inline_keyboard"] for b in row]
    assert RunSyncNow(marketplace_id=uzum).pack() in buttons


async def test_a_throttled_marketplace_and_its_recovery_read_in_the_admins_language(
    pool: asyncpg.Pool, process: BotUnderTest, bot_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    from core import outbox
    from tests.builders import make_channel

    async with pool.acquire() as conn:
        uzum = await make_channel(conn, "uzum", "api")
        await outbox.add(conn, outbox.SyncThrottled(uzum, "Uzum Market", pause_seconds=60))
    assert await send_due_alerts(pool, process.bot, bot_settings) == 1
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO users (telegram_id, first_name, is_admin, language) VALUES (9003, 'Lola', TRUE, 'ru')"
        )
        await outbox.add(conn, outbox.SyncRecovered(uzum, "Uzum Market"))
    assert await send_due_alerts(pool, process.bot, bot_settings) == 1

    throttled, recovered = fake_telegram.sent_texts(ADMIN_CHAT_ID)
    assert throttled == (
        "⏸ Uzum Market so'rovlarimizni cheklamoqda (so'rovlar juda ko'p): sinxronlash 60 soniyaga"
        " to'xtatildi va o'zi davom etadi."
    )
    assert recovered == "▶️ Uzum Market снова принимает наши запросы: синхронизация возобновлена."
