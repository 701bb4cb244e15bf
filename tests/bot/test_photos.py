"""Changing a product's photos from its card: several in order (the first is the main one), clear, cancel, and a
photo Telegram cannot give us."""

from __future__ import annotations

import asyncpg

from bot.callbacks import ChangePhotos, FormAction, OpenProduct
from core import media, photos
from tests.bot.harness import Chat
from tests.builders import Shop
from tests.core.test_photos import picture
from tests.fake_telegram import FakeTelegram


async def _send_photos(admin: Chat, fake: FakeTelegram, *colors: str) -> None:
    for color in colors:
        await admin.process.feed(fake.photo_update(fake.add_file(picture(color)), admin.user_id, media_group_id="1"))


async def _change_photos(admin: Chat, product_id: int) -> None:
    await admin.send("/products samsung")
    await admin.press(OpenProduct(product_id=product_id).pack())
    await admin.tap_button(ChangePhotos, product_id=product_id)


async def test_photos_sent_in_order_become_the_products_with_the_first_as_main(
    admin: Chat, pool: asyncpg.Pool, shop: Shop, fake_telegram: FakeTelegram
) -> None:
    await _change_photos(admin, shop.phone)
    await _send_photos(admin, fake_telegram, "green", "red", "blue")
    assert "3" in admin.text
    await admin.tap_form(FormAction.SAVE_PHOTOS)
    expected = [media.media_key(picture(color)) for color in ("green", "red", "blue")]
    assert await photos.keys_of(pool, shop.phone) == expected
    assert await pool.fetchval("SELECT photo_key FROM products WHERE id = $1", shop.phone) == expected[0]
    assert "✅" in admin.text and "PH-1" in admin.text  # back on the card


async def test_changing_photos_again_replaces_them_and_clear_removes_them(
    admin: Chat, pool: asyncpg.Pool, shop: Shop, fake_telegram: FakeTelegram
) -> None:
    await _change_photos(admin, shop.phone)
    await _send_photos(admin, fake_telegram, "green", "red")
    await admin.tap_form(FormAction.SAVE_PHOTOS)
    await _change_photos(admin, shop.phone)
    await _send_photos(admin, fake_telegram, "blue")
    await admin.tap_form(FormAction.SAVE_PHOTOS)
    assert await photos.keys_of(pool, shop.phone) == [media.media_key(picture("blue"))]
    await _change_photos(admin, shop.phone)
    await admin.tap_form(FormAction.CLEAR_PHOTOS)
    assert await photos.keys_of(pool, shop.phone) == []
    assert await pool.fetchval("SELECT image_url FROM products WHERE id = $1", shop.phone) is None


async def test_cancel_leaves_the_photos_as_they_were(
    admin: Chat, pool: asyncpg.Pool, shop: Shop, fake_telegram: FakeTelegram
) -> None:
    await _change_photos(admin, shop.phone)
    await _send_photos(admin, fake_telegram, "red")
    await admin.tap_form(FormAction.SAVE_PHOTOS)
    await _change_photos(admin, shop.phone)
    await _send_photos(admin, fake_telegram, "blue")
    await admin.tap_form(FormAction.CANCEL)
    assert await photos.keys_of(pool, shop.phone) == [media.media_key(picture("red"))]


async def test_a_photo_telegram_cannot_give_is_named_and_nothing_changes(
    admin: Chat, pool: asyncpg.Pool, shop: Shop, fake_telegram: FakeTelegram
) -> None:
    await _change_photos(admin, shop.phone)
    await _send_photos(admin, fake_telegram, "red")
    await admin.process.feed(fake_telegram.photo_update("AgAD-expired", admin.user_id))
    await admin.tap_form(FormAction.SAVE_PHOTOS)
    assert "⚠️" in admin.text and "2" in admin.text  # the second photo
    assert await photos.keys_of(pool, shop.phone) == []
    await _send_photos(admin, fake_telegram, "blue")  # the form is still open: send again
    await admin.tap_form(FormAction.SAVE_PHOTOS)
    assert await photos.keys_of(pool, shop.phone) == [media.media_key(picture("blue"))]
