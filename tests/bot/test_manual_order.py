"""The manual order form, end to end: a real dispatcher and Bot over HTTP, FSM in Redis, orders in PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import asyncpg

from bot.callbacks import ChangeOrderPart, FormAction, OrderPart
from bot.dispatcher import FORM_TTL_SECONDS
from bot.i18n import create_i18n
from tests.bot.conftest import ADMIN_ID
from tests.bot.harness import Chat
from tests.builders import Shop, stock_of


async def _order_until_summary(admin: Chat, olx: int) -> None:
    await admin.send("/order")
    await admin.tap_form(FormAction.CHOOSE_CHANNEL, olx)
    await admin.send("samsung")
    await admin.tap("Samsung")
    await admin.send("2")
    await admin.tap_form(FormAction.KEEP_PRICE)
    await admin.tap_form(FormAction.TO_CUSTOMER)
    await admin.send("Jasur Bek")
    await admin.send("90 123 45 67")
    await admin.tap_form(FormAction.SKIP)
    await admin.send("25 000")


async def test_full_manual_order_takes_stock_at_the_admins_prices(
    admin: Chat, pool: asyncpg.Pool, shop: Shop, olx: int
) -> None:
    await admin.send("/order")
    await admin.tap_form(FormAction.CHOOSE_CHANNEL, olx)
    await admin.send("samsung")
    await admin.tap("Samsung")
    await admin.send("2")
    await admin.tap_form(FormAction.KEEP_PRICE)
    await admin.tap_form(FormAction.ADD_ITEM)
    await admin.send("CL-1")  # by SKU, at a price of our own
    await admin.tap("CL-1")
    await admin.tap_form(FormAction.QUANTITY, 3)
    await admin.send("140 000")
    await admin.tap_form(FormAction.TO_CUSTOMER)
    await admin.send("Jasur Bek")
    await admin.send("90 123 45 67")
    await admin.send("Chilonzor 5")
    await admin.send("25 000")
    summary = admin.text
    assert "6 420 000" in summary and "6 445 000" in summary  # 2 x 3 000 000 + 3 x 140 000, + delivery
    assert "2 550 000" in summary  # profit: 6 420 000 - cost (2 x 1 800 000 + 3 x 90 000), no commission

    await admin.tap_form(FormAction.CONFIRM)

    order = await pool.fetchrow("SELECT * FROM orders")
    assert order["order_number"] in admin.text
    assert order["customer_phone"] == "+998901234567" and order["customer_address"] == "Chilonzor 5"
    assert order["total"] == Decimal("6445000") and order["delivery_fee"] == Decimal("25000")
    assert order["created_by"] == await pool.fetchval("SELECT id FROM users WHERE telegram_id = $1", ADMIN_ID)
    prices = dict(await pool.fetch("SELECT product_sku, price FROM order_items"))
    assert prices == {"PH-1": Decimal("3000000"), "CL-1": Decimal("140000")}
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (3, 0) and await stock_of(conn, shop.shirt) == (7, 0)
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = 'order.place'") == 1


async def test_back_edit_and_a_bad_phone_keep_the_form_on_track(
    admin: Chat, pool: asyncpg.Pool, shop: Shop, olx: int
) -> None:
    await admin.send("/order")
    await admin.tap_form(FormAction.CHOOSE_CHANNEL, olx)
    await admin.send("samsung")
    await admin.tap("Samsung")
    await admin.tap_form(FormAction.BACK)  # quantity -> the search results again
    await admin.tap("Samsung")
    await admin.send("1")
    await admin.send("2 900 000")
    await admin.tap_form(FormAction.TO_CUSTOMER)
    await admin.send("Jasur")
    await admin.send("12345")  # not a phone: asked again
    assert "+998 90 123 45 67" in admin.text
    await admin.tap_form(FormAction.BACK)  # phone -> name
    await admin.send("Jasur Bek")
    await admin.send("+998 (90) 765-43-21")
    await admin.tap_form(FormAction.SKIP)
    await admin.tap_form(FormAction.SKIP)
    assert "+998907654321" in admin.text

    await admin.tap_form(FormAction.EDIT)
    await admin.tap_button(ChangeOrderPart, part=OrderPart.PHONE)
    await admin.send("8 91 111 22 33")  # the old trunk prefix
    assert "+998911112233" in admin.text, "after an edit the form returns to the summary"
    await admin.tap_form(FormAction.EDIT)
    await admin.tap_button(ChangeOrderPart, part=OrderPart.ITEMS)
    await admin.tap_form(FormAction.ADD_ITEM)
    await admin.send("ko'ylak")
    await admin.tap("CL-1")
    await admin.send("1")
    await admin.tap_form(FormAction.KEEP_PRICE)
    await admin.tap_form(FormAction.TO_CUSTOMER)  # editing: straight back to the summary
    assert "3 050 000" in admin.text  # 2 900 000 + 150 000
    await admin.tap_form(FormAction.CONFIRM)

    order = await pool.fetchrow("SELECT customer_name, customer_phone, total FROM orders")
    assert tuple(order) == ("Jasur Bek", "+998911112233", Decimal("3050000"))


async def test_back_walks_the_steps_in_reverse_past_an_empty_item_list(
    admin: Chat, pool: asyncpg.Pool, shop: Shop, olx: int
) -> None:
    i18n = create_i18n()

    def asks(question: str) -> bool:
        return i18n.gettext(question, locale="uz") in admin.text

    await admin.send("/order")
    await admin.tap_form(FormAction.CHOOSE_CHANNEL, olx)
    await admin.tap_form(FormAction.BACK)  # no item yet: past the item list, to the channel
    assert asks("📝 New order. Where did the buyer find us?")
    await admin.tap_form(FormAction.CHOOSE_CHANNEL, olx)
    await admin.send("samsung")
    await admin.tap("Samsung")
    await admin.send("2")
    await admin.tap_form(FormAction.KEEP_PRICE)
    await admin.tap_form(FormAction.ADD_ITEM)
    await admin.tap_form(FormAction.BACK)  # an item now: back to the list
    await admin.tap_form(FormAction.TO_CUSTOMER)
    await admin.send("Jasur")
    await admin.send("901234567")
    await admin.tap_form(FormAction.SKIP)
    await admin.tap_form(FormAction.SKIP)

    for question in (
        "Delivery fee the customer pays? Send the amount, or tap if there is none.",
        "Delivery address? Send it, or tap if there is none.",
        "Customer phone? For example +998 90 123 45 67 or 90 123 45 67.",
        "Customer name?",
    ):
        await admin.tap_form(FormAction.BACK)
        assert asks(question), question
    await admin.tap_form(FormAction.BACK)
    assert admin.form_button(FormAction.TO_CUSTOMER), "the item list"
    await admin.tap_form(FormAction.BACK)
    assert asks("📝 New order. Where did the buyer find us?")
    assert await pool.fetchval("SELECT count(*) FROM orders") == 0


async def test_cancel_leaves_no_order_and_no_form(admin: Chat, pool: asyncpg.Pool, shop: Shop, olx: int) -> None:
    await _order_until_summary(admin, olx)
    summary_id = admin.screen()["message_id"]
    confirm = admin.form_button(FormAction.CONFIRM)
    await admin.tap_form(FormAction.CANCEL)

    await admin.press(confirm, summary_id)  # the old summary's Confirm, tapped after all

    assert await pool.fetchval("SELECT count(*) FROM orders") == 0
    assert admin.toasts()[-1], "a stale button gets a polite note"
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (5, 0)


async def test_double_tapped_confirm_places_one_order(admin: Chat, pool: asyncpg.Pool, shop: Shop, olx: int) -> None:
    await _order_until_summary(admin, olx)
    confirm, summary_id = admin.form_button(FormAction.CONFIRM), admin.screen()["message_id"]

    await admin.press(confirm, summary_id)
    await admin.press(confirm, summary_id)

    assert await pool.fetchval("SELECT count(*) FROM orders") == 1
    assert len(admin.toasts()) == 1


async def test_the_form_survives_a_restart(
    admin: Chat, pool: asyncpg.Pool, shop: Shop, olx: int, fake_telegram, redis, bot_settings
) -> None:
    from tests.bot.harness import BotUnderTest

    await admin.send("/order")
    await admin.tap_form(FormAction.CHOOSE_CHANNEL, olx)
    await admin.send("samsung")
    await admin.tap("Samsung")
    await admin.process.close()

    restarted = BotUnderTest(fake_telegram, redis, pool, bot_settings)  # a new process on the same Redis
    again = Chat(restarted, admin.user_id, first_name="Boss")
    try:
        await again.send("2")
        await again.tap_form(FormAction.KEEP_PRICE)
        await again.tap_form(FormAction.TO_CUSTOMER)
        await again.send("Jasur")
        await again.send("901234567")
        await again.tap_form(FormAction.SKIP)
        await again.tap_form(FormAction.SKIP)
        await again.tap_form(FormAction.CONFIRM)
    finally:
        await restarted.close()

    assert await pool.fetchval("SELECT count(*) FROM order_items WHERE quantity = 2") == 1


async def test_two_admins_typing_at_once_do_not_mix(
    admin: Chat, second_admin: Chat, pool: asyncpg.Pool, shop: Shop, olx: int
) -> None:
    await admin.send("/order")
    await second_admin.send("/order")
    await admin.tap_form(FormAction.CHOOSE_CHANNEL, olx)
    await second_admin.tap_form(FormAction.CHOOSE_CHANNEL, olx)
    await admin.send("samsung")
    await second_admin.send("CL-1")
    await second_admin.tap("CL-1")
    await admin.tap("Samsung")
    await second_admin.send("4")
    await admin.send("1")
    await admin.tap_form(FormAction.KEEP_PRICE)
    await second_admin.tap_form(FormAction.KEEP_PRICE)
    for chat, name, phone in ((admin, "Anvar", "901111111"), (second_admin, "Olga", "902222222")):
        await chat.tap_form(FormAction.TO_CUSTOMER)
        await chat.send(name)
        await chat.send(phone)
        await chat.tap_form(FormAction.SKIP)
        await chat.tap_form(FormAction.SKIP)
    assert "Заказ" in second_admin.text or "Order" in second_admin.text
    await second_admin.tap_form(FormAction.CONFIRM)
    await admin.tap_form(FormAction.CONFIRM)

    placed = {
        row["customer_name"]: row
        for row in await pool.fetch(
            "SELECT o.customer_name, o.customer_phone, i.product_sku, i.quantity, u.telegram_id FROM orders o"
            " JOIN order_items i ON i.order_id = o.id JOIN users u ON u.id = o.created_by"
        )
    }
    assert (placed["Anvar"]["product_sku"], placed["Anvar"]["quantity"], placed["Anvar"]["telegram_id"]) == (
        "PH-1",
        1,
        admin.user_id,
    )
    assert (placed["Olga"]["product_sku"], placed["Olga"]["quantity"], placed["Olga"]["telegram_id"]) == (
        "CL-1",
        4,
        second_admin.user_id,
    )


async def test_stock_gone_before_confirm_is_told_and_the_form_kept(
    admin: Chat, pool: asyncpg.Pool, shop: Shop, olx: int
) -> None:
    await _order_until_summary(admin, olx)  # 2 phones
    await pool.execute("UPDATE inventory SET quantity = 1 WHERE product_id = $1", shop.phone)

    await admin.tap_form(FormAction.CONFIRM)

    assert await pool.fetchval("SELECT count(*) FROM orders") == 0
    assert "⚠️" in admin.text and admin.form_button(FormAction.CONFIRM), "the summary is shown again, with the problem"
    await admin.tap_form(FormAction.EDIT)
    await admin.tap_button(ChangeOrderPart, part=OrderPart.ITEMS)
    await admin.tap_form(FormAction.REMOVE_ITEM, shop.phone)
    await admin.send("ko'ylak")
    await admin.tap("CL-1")
    await admin.send("1")
    await admin.tap_form(FormAction.KEEP_PRICE)
    await admin.tap_form(FormAction.TO_CUSTOMER)
    await admin.tap_form(FormAction.CONFIRM)
    assert await pool.fetchval("SELECT product_sku FROM order_items") == "CL-1"


async def test_an_abandoned_form_expires(admin: Chat, redis, shop: Shop, olx: int) -> None:
    await admin.send("/order")
    await admin.tap_form(FormAction.CHOOSE_CHANNEL, olx)

    keys = [key async for key in redis.scan_iter(match="fsm:*")]
    ttls = [await redis.ttl(key) for key in keys]
    assert ttls and all(0 < ttl <= FORM_TTL_SECONDS for ttl in ttls)
