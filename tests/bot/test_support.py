"""Support in chat over the fake Bot API: a customer's message reaches the alert chat under a header that says who
writes, an admin's reply there reaches the customer, and nothing is lost while the alert chat is unreachable."""

from __future__ import annotations

from typing import Any

import asyncpg

from bot.alerts import send_due_alerts
from bot.callbacks import EditShopProfile
from core import orders
from core.settings import Settings
from core.shop import ProfileField
from core.unit_of_work import Effects
from tests.bot.conftest import ADMIN_CHAT_ID, ADMIN_ID, CUSTOMER_ID
from tests.bot.harness import BotUnderTest, Chat
from tests.builders import Shop
from tests.fake_telegram import FakeTelegram
from tests.support import changed

THANKS_UZ = "Xabaringiz sotuvchiga yetkazildi"


async def _customer_with_an_order(pool: asyncpg.Pool, effects: Effects, shop: Shop) -> str:
    """The customer (Russian-speaking, as on /start) with one own-store order; its alert is not these tests'."""
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        user_id = await conn.fetchval(
            "INSERT INTO users (telegram_id, first_name, last_name, language, last_login_at)"
            " VALUES ($1, 'Aziza', 'Karimova', 'ru', NOW()) RETURNING id",
            CUSTOMER_ID,
        )
        placed = await orders.place(
            uow,
            orders.NewOrder(
                shop.own, (orders.Line(shop.shirt, 2),), orders.Customer("Aziza", "+998901234567"), user_id=user_id
            ),
        )
        await conn.execute("UPDATE notifications SET sent_at = NOW()")
    return placed.order_number


def _alert_chat(process: BotUnderTest) -> Chat:
    return Chat(process, ADMIN_ID, first_name="Boss", chat_id=ADMIN_CHAT_ID)


async def _reply_in_alert_chat(process: BotUnderTest, to: int, text: str | None = None, **media: Any) -> None:
    """The admin answers in the alert chat with a Telegram reply to message `to`: text, or one medium."""
    fake = process.fake
    if text is not None:
        update = fake.message_update(text, user_id=ADMIN_ID, chat_id=ADMIN_CHAT_ID, first_name="Boss", reply_to=to)
    else:
        [(content, value)] = media.items()
        update = fake.media_update(content, value, user_id=ADMIN_ID, chat_id=ADMIN_CHAT_ID, reply_to=to)
    await process.feed(update)


async def test_a_customers_text_is_thanked_and_reaches_the_alert_chat_with_who_writes(
    pool: asyncpg.Pool,
    effects: Effects,
    shop: Shop,
    process: BotUnderTest,
    customer: Chat,
    bot_settings: Settings,
) -> None:
    number = await _customer_with_an_order(pool, effects, shop)
    await customer.send("Buyurtmam qachon keladi?")
    assert "передано продавцу" in customer.text, "thanked in the customer's own language"

    assert await send_due_alerts(pool, process.bot, bot_settings) == 1
    header, copy = _alert_chat(process).messages()
    assert "Aziza Karimova" in header["text"] and "Русский" in header["text"]
    assert "+998901234567" in header["text"]
    assert f"• {number} — 🟡 yangi — 300 000 so'm" in header["text"]
    assert copy["text"] == "Buyurtmam qachon keladi?"
    assert copy["reply_to_message_id"] == header["message_id"], "the message hangs under its thread's header"
    trail = await pool.fetchrow("SELECT author, content_type, text, delivered_at FROM support_messages")
    assert (trail["author"], trail["content_type"], trail["text"]) == ("customer", "text", "Buyurtmam qachon keladi?")
    assert trail["delivered_at"] is not None


async def test_the_next_messages_join_the_thread_and_the_customer_is_thanked_once(
    pool: asyncpg.Pool, process: BotUnderTest, customer: Chat, bot_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    await customer.send("Salom")
    assert await send_due_alerts(pool, process.bot, bot_settings) == 1
    await customer.send("Ko'ylakning o'lchami bormi?")
    voice = {"file_id": "voice-1", "file_unique_id": "u-voice-1", "duration": 4}
    await process.feed(fake_telegram.media_update("voice", voice, user_id=CUSTOMER_ID))
    assert await send_due_alerts(pool, process.bot, bot_settings) == 2

    thanks = [message for message in customer.messages() if THANKS_UZ in message.get("text", "")]
    assert len(thanks) == 1, "one thank-you for the burst, not one per message"
    header, *copies = _alert_chat(process).messages()
    assert "Aziza" in header["text"] and "Hali buyurtma yo'q" in header["text"], "a customer with no order yet"
    assert [copy.get("text") for copy in copies] == ["Salom", "Ko'ylakning o'lchami bormi?", None]
    assert copies[2]["voice"]["file_id"] == "voice-1", "the voice note is copied by its file id"
    assert {copy["reply_to_message_id"] for copy in copies} == {header["message_id"]}
    assert await pool.fetchval("SELECT count(*) FROM support_threads") == 1


async def test_an_admins_reply_reaches_the_customer_as_text_and_as_a_photo(
    pool: asyncpg.Pool, process: BotUnderTest, customer: Chat, bot_settings: Settings
) -> None:
    await customer.send("Rangi qanday?")
    await send_due_alerts(pool, process.bot, bot_settings)
    alert_chat = _alert_chat(process)
    _header, copy = alert_chat.messages()

    await _reply_in_alert_chat(process, copy["message_id"], "Ko'k va qora bor.")
    assert customer.messages()[-1]["text"] == "Ko'k va qora bor."
    assert alert_chat.text == "✅ Azizaga yuborildi.", "the admin sees it went"

    photo = [{"file_id": "photo-7", "file_unique_id": "u-photo-7", "width": 800, "height": 600}]
    await _reply_in_alert_chat(process, copy["message_id"], photo=photo)
    assert customer.messages()[-1]["photo"][0]["file_id"] == "photo-7"

    answers = await pool.fetch(
        "SELECT m.content_type, m.text, m.delivered_at IS NOT NULL AS arrived, u.telegram_id AS admin"
        " FROM support_messages m JOIN users u ON u.id = m.admin_id WHERE m.author = 'admin' ORDER BY m.id"
    )
    assert [tuple(row) for row in answers] == [
        ("text", "Ko'k va qora bor.", True, ADMIN_ID),
        ("photo", None, True, ADMIN_ID),
    ]

    await customer.send("Rahmat!")
    await send_due_alerts(pool, process.bot, bot_settings)
    assert alert_chat.messages()[-1]["text"] == "Rahmat!", "the customer's answer joins the same thread"
    assert len([m for m in customer.messages() if THANKS_UZ in m.get("text", "")]) == 1, "no new thank-you"


async def test_a_reply_to_a_customer_who_blocked_the_bot_is_told_to_the_admin(
    pool: asyncpg.Pool, process: BotUnderTest, customer: Chat, bot_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    await customer.send("Salom")
    await send_due_alerts(pool, process.bot, bot_settings)
    _header, copy = _alert_chat(process).messages()

    fake_telegram.fail_next("copyMessage", 403, "Forbidden: bot was blocked by the user")
    await _reply_in_alert_chat(process, copy["message_id"], "Assalomu alaykum!")
    assert "botni bloklagan" in _alert_chat(process).text
    assert await pool.fetchval("SELECT error FROM support_messages WHERE author = 'admin'") is not None


async def test_nothing_is_lost_while_the_alert_chat_is_unreachable(
    pool: asyncpg.Pool, process: BotUnderTest, customer: Chat, bot_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    await customer.send("Birinchi")
    await customer.send("Ikkinchi")
    fake_telegram.fail_next("sendMessage", 403, "Forbidden: bot was kicked from the supergroup chat", times=2)
    assert await send_due_alerts(pool, process.bot, bot_settings) == 0
    fake_telegram.fail_next("copyMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    await pool.execute("UPDATE notifications SET next_attempt_at = NOW()")  # the retry is due
    assert await send_due_alerts(pool, process.bot, bot_settings) == 0
    assert await pool.fetchval("SELECT count(*) FROM notifications WHERE sent_at IS NULL") == 2

    await pool.execute("UPDATE notifications SET next_attempt_at = NOW()")
    assert await send_due_alerts(pool, process.bot, bot_settings) == 2
    header, *copies = _alert_chat(process).messages()
    assert "Aziza" in header["text"], "one header: the one posted before the 429 is not posted again"
    assert [copy["text"] for copy in copies] == ["Birinchi", "Ikkinchi"]


async def test_without_an_alert_chat_the_messages_wait_for_one(
    pool: asyncpg.Pool,
    fake_telegram: FakeTelegram,
    process: BotUnderTest,
    customer: Chat,
    admin: Chat,
    bot_settings: Settings,
) -> None:
    await customer.send("Salom")
    no_chat = changed(bot_settings, admin_chat_id=None)
    assert await send_due_alerts(pool, process.bot, no_chat) == 0
    await process.feed(fake_telegram.message_update("/alerts_here", user_id=ADMIN_ID, chat_id=-100555))
    assert await send_due_alerts(pool, process.bot, no_chat) == 1
    assert Chat(process, ADMIN_ID, chat_id=-100555).messages()[-1]["text"] == "Salom"


async def test_an_admins_form_input_and_the_alert_chats_own_talk_are_not_support(
    pool: asyncpg.Pool, process: BotUnderTest, admin: Chat, customer: Chat, bot_settings: Settings
) -> None:
    await admin.send("/shop")
    await admin.tap_button(EditShopProfile, field=ProfileField.HOURS)
    await admin.send("Du–Sha 9:00–20:00")
    assert "✅" in admin.text, "the form took the working hours"
    await admin.send("Bugun nechta buyurtma bor?")  # an admin's own free text is not a question to the seller

    await customer.send("Salom")
    await send_due_alerts(pool, process.bot, bot_settings)
    talk = process.fake.message_update("Kim javob beradi?", user_id=ADMIN_ID, chat_id=ADMIN_CHAT_ID)
    await process.feed(talk)  # the admins' own talk in the alert chat
    await _reply_in_alert_chat(process, talk["message"]["message_id"], "Men")  # a reply, but not to a thread

    assert await pool.fetchval("SELECT count(*) FROM support_messages") == 1, "only the customer's message"
    assert [m.get("text") for m in customer.messages()][-1].startswith("✉️"), "nothing else reached the customer"
    assert len(_alert_chat(process).messages()) == 2, "the header and the customer's message, nothing else"
    assert not any("✉️" in m.get("text", "") for m in admin.messages()), "the admin was not thanked as a customer"


async def test_a_message_the_customer_deleted_before_it_was_copied_still_reaches_the_admins_as_written(
    pool: asyncpg.Pool, process: BotUnderTest, customer: Chat, bot_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    await customer.send("Manzilim: Chilonzor 7")
    fake_telegram._state.user_messages.clear()  # deleted in the customer's chat: Telegram can no longer copy it
    assert await send_due_alerts(pool, process.bot, bot_settings) == 1
    assert await send_due_alerts(pool, process.bot, bot_settings) == 0, "not tried again and again"
    header, note = _alert_chat(process).messages()
    assert "o'chirib yubordi" in note["text"] and note["text"].endswith("Manzilim: Chilonzor 7")
    assert note["reply_to_message_id"] == header["message_id"]
