"""/post: an admin puts a product in the shop's Telegram channel with its photo, price, discount and a Buy
button that opens the Mini App at the product; a clear refusal when the bot may not post there."""

from __future__ import annotations

from decimal import Decimal

import asyncpg

from core import catalog, media, photos
from core.unit_of_work import Effects
from tests.bot.harness import BotUnderTest, Chat
from tests.builders import Shop
from tests.core.test_photos import picture
from tests.fake_telegram import FakeTelegram


async def _on_sale_with_photo(pool: asyncpg.Pool, effects: Effects, process: BotUnderTest, product_id: int) -> None:
    key = await media.keep(process.dispatcher["media_store"], picture("red"))
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        await photos.replace(uow, product_id, [key])
        await catalog.update_product(uow, product_id, {"sale_price": Decimal("2550000")})  # 3 000 000: −15 %


async def test_a_post_goes_to_the_channel_with_photo_price_discount_and_a_buy_link(
    admin: Chat, process: BotUnderTest, pool: asyncpg.Pool, effects: Effects, shop: Shop, fake_telegram: FakeTelegram
) -> None:
    await _on_sale_with_photo(pool, effects, process, shop.phone)
    fake_telegram.add_channel("@zebo_news")

    await admin.send("/post ph-1 @zebo_news")

    [post] = fake_telegram.calls_to("sendPhoto")
    assert post.params["chat_id"] == "@zebo_news"
    assert post.params["photo"].size > 0, "our kept photo, uploaded"
    caption = post.params["caption"]
    assert "Samsung Galaxy smartfoni" in caption and "2 550 000" in caption and "−15 %" in caption
    [[buy]] = post.params["reply_markup"]["inline_keyboard"]
    assert buy["url"] == f"https://t.me/test_shop_bot?startapp=p{shop.phone}"
    assert "@zebo_news" in admin.text and "✅" in admin.text

    await admin.send("/post CL-1")  # the channel named last time
    posts = [call for call in fake_telegram.calls_to("sendMessage") if call.params["chat_id"] == "@zebo_news"]
    assert [post.params["text"].splitlines()[0] for post in posts] == ["Ko'ylak ruchka bilan"], "no photo: as text"


async def test_a_channel_where_the_bot_is_no_admin_or_an_unknown_product_is_refused_clearly(
    process: BotUnderTest, pool: asyncpg.Pool, shop: Shop, fake_telegram: FakeTelegram
) -> None:
    admin = Chat(process, 9001, first_name="Boss", language_code="ru")
    fake_telegram.add_channel("@zebo_news", bot_status="member")
    fake_telegram.add_channel("@read_only", bot_status="administrator", can_post=False)

    await admin.send("/post PH-1 @zebo_news")
    assert "администратором с правом публиковать" in admin.text
    await admin.send("/post PH-1 @read_only")
    assert "администратором с правом публиковать" in admin.text
    await admin.send("/post PH-1 @nowhere_at_all")
    assert "администратором с правом публиковать" in admin.text
    await admin.send("/post NO-SUCH @zebo_news")
    assert "Нет товара в продаже с артикулом или номером NO-SUCH" in admin.text
    await admin.send("/post PH-1")
    assert "Укажите канал один раз" in admin.text

    assert fake_telegram.calls_to("sendPhoto") == []
    assert [call for call in fake_telegram.calls_to("sendMessage") if call.params["chat_id"] != "9001"] == []
    assert await pool.fetchval("SELECT value FROM shop_settings WHERE key = 'post_channel'") is None
