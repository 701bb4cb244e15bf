"""A long order's card as an admin opens it: its items page by page, the customer's long words cut, every page
within Telegram's 4096 characters (the fake Bot API refuses longer, as Telegram does); the customer's note on
the card and in the new-order alert."""

from __future__ import annotations

from decimal import Decimal

import asyncpg

from bot.alerts import send_due_alerts
from bot.callbacks import OpenOrder, OrderCardPage
from core import catalog, orders, outbox
from core.order_status import Status
from core.settings import Settings
from core.unit_of_work import Effects
from tests.bot.conftest import ADMIN_CHAT_ID
from tests.bot.harness import BotUnderTest, Chat
from tests.builders import Shop
from tests.fake_telegram import FakeTelegram

LONG = "Juda uzun nomli mahsulot " * 10  # 250 characters, as a marketplace import may bring


async def _order(pool: asyncpg.Pool, effects: Effects, shop: Shop, lines: int, note: str | None) -> int:
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        products = [
            await catalog.create_product(
                uow,
                catalog.NewProduct(
                    sku=f"LONG-SKU-{index:03d}-" + "X" * 60,
                    name_uz=f"{index:02d} {LONG}",
                    name_ru=None,
                    category_id=shop.clothes,
                    price=Decimal("123456789.50"),
                    cost_price=Decimal("100"),
                    initial_stock=5,
                ),
                low_stock_threshold=0,
            )
            for index in range(1, lines + 1)
        ]
        placed = await orders.place(
            uow,
            orders.NewOrder(
                shop.own,
                tuple(orders.Line(product, 1) for product in products),
                orders.Customer("Aziza " + "Karimova" * 24, "+998901234567", "Toshkent, " + "Chilonzor ko'chasi " * 60),
                note=note,
            ),
        )
    return placed.id


async def test_a_sixty_line_order_opens_page_by_page_within_telegrams_limit(
    admin: Chat, pool: asyncpg.Pool, effects: Effects, shop: Shop
) -> None:
    order = await _order(pool, effects, shop, 60, note="Kechqurun qo'ng'iroq qiling. " * 100)
    number = await pool.fetchval("SELECT order_number FROM orders WHERE id = $1", order)

    await admin.send("/orders")
    await admin.tap(number)

    seen = [admin.text]
    assert admin.text.startswith(f"🧾 {number}") and "01 Juda uzun" in admin.text and "16 Juda uzun" not in admin.text
    assert "Mijoz izohi: Kechqurun qo'ng'iroq qiling." in admin.text and "…" in admin.text
    while admin.buttons_of(OrderCardPage)[-1][1].page > len(seen) - 1:
        await admin.tap("▶️")
        seen.append(admin.text)
    assert len(seen) == 4 and "60 Juda uzun" in seen[-1] and "(46–60 / 60)" in seen[-1]
    assert all(len(text.encode("utf-16-le")) // 2 <= 4096 for text in seen)
    await admin.tap("◀️")
    assert "31 Juda uzun" in admin.text and "46 Juda uzun" not in admin.text
    assert admin.fake.calls_to("editMessageText")[-1].failed is False


async def test_the_customers_note_reaches_the_card_and_the_new_order_alert(
    admin: Chat,
    process: BotUnderTest,
    pool: asyncpg.Pool,
    effects: Effects,
    shop: Shop,
    bot_settings: Settings,
    fake_telegram: FakeTelegram,
) -> None:
    order = await _order(pool, effects, shop, 1, note="Domofon ishlamaydi, qo'ng'iroq qiling")

    await send_due_alerts(pool, process.bot, bot_settings)
    [alert] = fake_telegram.sent_texts(ADMIN_CHAT_ID)
    assert "💬 «Domofon ishlamaydi, qo'ng'iroq qiling»" in alert
    await admin.send("/orders")
    await admin.tap_data(OpenOrder(order_id=order))
    assert "Mijoz izohi: Domofon ishlamaydi, qo'ng'iroq qiling" in admin.text


async def test_a_customers_news_and_orders_of_a_sixty_line_order_fit_one_message(
    customer: Chat, process: BotUnderTest, pool: asyncpg.Pool, effects: Effects, shop: Shop, bot_settings: Settings
) -> None:
    await customer.send("/start")
    user_id = await pool.fetchval("SELECT id FROM users WHERE telegram_id = $1", customer.user_id)
    order = await _order(pool, effects, shop, 60, note=None)
    await pool.execute("UPDATE orders SET user_id = $1 WHERE id = $2", user_id, order)
    await pool.execute("UPDATE notifications SET sent_at = NOW()")
    async with pool.acquire() as conn:
        await outbox.add(conn, outbox.OrderStatus(order, "AS-1", Status.CONFIRMED.value, user_id))

    await send_due_alerts(pool, process.bot, bot_settings)
    assert "…va yana 50 ta mahsulot" in customer.text
    await customer.send("/orders")
    assert "…va yana 50 ta mahsulot" in customer.text and "10 Juda uzun" in customer.text
