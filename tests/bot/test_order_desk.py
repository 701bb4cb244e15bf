"""Orders for admins: the filtered list, the card, status buttons along the core status machine (cancel gives
stock back), the customer's news of it, and the customer's own /orders."""

from __future__ import annotations

import asyncpg

from bot.alerts import send_due_alerts
from bot.callbacks import AskToCancelOrder, ChangeOrderStatus, OpenOrder, OrderList
from core import orders
from core.order_status import Status
from core.settings import Settings
from core.unit_of_work import Effects
from tests.bot.conftest import CUSTOMER_ID
from tests.bot.harness import BotUnderTest, Chat
from tests.builders import Shop, stock_of
from tests.fake_telegram import FakeTelegram


async def _orders(pool: asyncpg.Pool, effects: Effects, shop: Shop, olx: int) -> tuple[int, int]:
    """An own-store order of the customer and a manual OLX order."""
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        user_id = await conn.fetchval(
            "INSERT INTO users (telegram_id, first_name, language, last_login_at) VALUES ($1, 'Aziza', 'uz', NOW())"
            " RETURNING id",
            CUSTOMER_ID,
        )
        own = await orders.place(
            uow,
            orders.NewOrder(
                shop.own, (orders.Line(shop.shirt, 2),), orders.Customer("Aziza", "+998901234567"), user_id=user_id
            ),
        )
        manual = await orders.place(
            uow, orders.NewOrder(olx, (orders.Line(shop.phone, 1),), orders.Customer("Jasur", "+998907654321"))
        )
        await conn.execute("UPDATE notifications SET sent_at = NOW()")
    return own.id, manual.id


async def test_list_filters_by_status_and_channel(
    admin: Chat, pool: asyncpg.Pool, effects: Effects, shop: Shop, olx: int
) -> None:
    own, manual = await _orders(pool, effects, shop, olx)
    numbers = dict(await pool.fetch("SELECT id, order_number FROM orders"))

    await admin.send("/orders")
    assert numbers[own] in str(admin.buttons()) and numbers[manual] in str(admin.buttons())
    await admin.tap_data(OrderList(channel_id=olx))
    assert numbers[own] not in str(admin.buttons()) and numbers[manual] in str(admin.buttons())
    await admin.tap_data(OrderList(status=Status.DELIVERED, today=True))
    assert numbers[manual] not in str(admin.buttons())
    await admin.tap_data(OrderList(status=Status.PENDING, today=True))
    assert numbers[own] in str(admin.buttons())


async def test_status_buttons_follow_the_machine_and_the_customer_hears(
    admin: Chat,
    process: BotUnderTest,
    pool: asyncpg.Pool,
    effects: Effects,
    shop: Shop,
    olx: int,
    bot_settings: Settings,
    fake_telegram: FakeTelegram,
) -> None:
    own, _manual = await _orders(pool, effects, shop, olx)
    await admin.send("/orders")
    await admin.tap_data(OpenOrder(order_id=own))
    assert [move.to for _data, move in admin.buttons_of(ChangeOrderStatus)] == [Status.CONFIRMED]
    assert admin.buttons_of(AskToCancelOrder), "cancelling is offered, behind a question"

    await admin.press(ChangeOrderStatus(order_id=own, seen=Status.PENDING, to=Status.CONFIRMED).pack())
    await admin.press(ChangeOrderStatus(order_id=own, seen=Status.PENDING, to=Status.CONFIRMED).pack())  # a double tap
    assert await pool.fetchval("SELECT status FROM orders WHERE id = $1", own) == "confirmed"
    assert await pool.fetchval("SELECT count(*) FROM order_status_history WHERE order_id = $1", own) == 2
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = 'order.status'") == 1

    assert await send_due_alerts(pool, process.bot, bot_settings) == 1
    [news] = fake_telegram.sent_texts(CUSTOMER_ID)
    number = await pool.fetchval("SELECT order_number FROM orders WHERE id = $1", own)
    assert number in news and "Ko'ylak ruchka bilan × 2" in news


async def test_cancel_asks_once_more_and_gives_stock_back(
    admin: Chat, pool: asyncpg.Pool, effects: Effects, shop: Shop, olx: int
) -> None:
    _own, manual = await _orders(pool, effects, shop, olx)
    await admin.send("/orders")
    await admin.tap_data(OpenOrder(order_id=manual))
    await admin.press(AskToCancelOrder(order_id=manual, seen=Status.PENDING).pack())
    assert await pool.fetchval("SELECT status FROM orders WHERE id = $1", manual) == "pending"
    await admin.tap_data(ChangeOrderStatus(order_id=manual, seen=Status.PENDING, to=Status.CANCELLED))

    assert await pool.fetchval("SELECT status FROM orders WHERE id = $1", manual) == "cancelled"
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (5, 0)
    assert not admin.buttons_of(ChangeOrderStatus) + admin.buttons_of(AskToCancelOrder), "a cancelled order is final"


async def test_a_customer_sees_their_own_orders(
    customer: Chat, pool: asyncpg.Pool, effects: Effects, shop: Shop, olx: int
) -> None:
    own, _manual = await _orders(pool, effects, shop, olx)

    await customer.send("/orders")

    number = await pool.fetchval("SELECT order_number FROM orders WHERE id = $1", own)
    assert number in customer.text and "Ko'ylak ruchka bilan × 2" in customer.text
    others = await pool.fetchval("SELECT order_number FROM orders WHERE id <> $1", own)
    assert others not in customer.text
