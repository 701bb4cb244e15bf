"""Products for admins over the bot: the card, stock and price edits (audited), the read-only marketplace
price, the own-store switch and a new product by form."""

from __future__ import annotations

from decimal import Decimal

import asyncpg

from bot.callbacks import (
    AdjustStock,
    CountStock,
    EditPrice,
    ExplainMarketplacePrice,
    FormAction,
    OpenProduct,
    PriceField,
    SetOnSale,
)
from core import media, photos
from tests.bot.harness import Chat
from tests.builders import Shop, make_channel, map_product, stock_of
from tests.core.test_photos import picture


async def _open_card(admin: Chat, product_id: int) -> None:
    await admin.send("/products samsung")
    await admin.press(OpenProduct(product_id=product_id).pack())


async def test_card_shows_stock_prices_and_each_channels_listing(admin: Chat, pool: asyncpg.Pool, shop: Shop) -> None:
    async with pool.acquire() as conn:
        uzum = await make_channel(conn, "uzum", "api")
        await map_product(conn, shop.phone, uzum, "UZ-777", price="3200000")

    await _open_card(admin, shop.phone)

    card = admin.text
    assert "PH-1" in card and "3 000 000" in card and "1 800 000" in card  # price and cost
    assert "5" in card and "UZ-777" in card and "3 200 000" in card and "sinxronlanishi kutilmoqda" in card
    assert "pending" not in card  # the listing's sync state in the reader's words


async def test_stock_adjustment_and_count_are_ledgered_and_audited(admin: Chat, pool: asyncpg.Pool, shop: Shop) -> None:
    await _open_card(admin, shop.phone)
    await admin.press(AdjustStock(product_id=shop.phone).pack())
    await admin.send("+3")
    await admin.send("supplier delivery")
    await admin.press(AdjustStock(product_id=shop.phone).pack())
    await admin.send("-1")
    await admin.tap_form(FormAction.PICK_REASON, 1)  # damaged
    await admin.press(CountStock(product_id=shop.phone).pack())
    await admin.send("6")

    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (6, 0)
    movements = await pool.fetch(
        "SELECT movement_type, quantity_change, notes FROM inventory_movements WHERE product_id = $1 ORDER BY id",
        shop.phone,
    )
    assert [tuple(m) for m in movements][1:] == [
        ("adjustment", 3, "supplier delivery"),
        ("adjustment", -1, movements[2]["notes"]),
        ("stock_take", -1, "stock take"),
    ]
    audit = await pool.fetch("SELECT action, old_values, new_values FROM audit_log ORDER BY id")
    assert [(a["action"], a["old_values"]["quantity"], a["new_values"]["quantity"]) for a in audit] == [
        ("stock.adjust", 5, 8),
        ("stock.adjust", 8, 7),
        ("stock.count", 7, 6),
    ]


async def test_a_bad_adjustment_is_refused_politely(admin: Chat, pool: asyncpg.Pool, shop: Shop) -> None:
    await _open_card(admin, shop.telefon)
    await admin.press(AdjustStock(product_id=shop.telefon).pack())
    await admin.send("-9")
    await admin.send("lost")

    assert "⚠️" in admin.text
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.telefon) == (3, 0)


async def test_own_prices_are_edited_and_marketplace_prices_are_read_only(
    admin: Chat, pool: asyncpg.Pool, shop: Shop
) -> None:
    async with pool.acquire() as conn:
        uzum = await make_channel(conn, "uzum", "api")
        await map_product(conn, shop.phone, uzum, "UZ-777", price="3200000")
    await _open_card(admin, shop.phone)

    await admin.press(ExplainMarketplacePrice(product_id=shop.phone, marketplace_id=uzum).pack())
    assert "uzum" in admin.toasts()[-1] and "3 200 000" in admin.toasts()[-1]

    await admin.press(EditPrice(product_id=shop.phone, field=PriceField.PRICE).pack())
    await admin.send("2 900 000")
    await admin.press(EditPrice(product_id=shop.phone, field=PriceField.SALE_PRICE).pack())
    await admin.send("3 100 000")  # a sale price above the price: refused, the form stays
    assert "⚠️" in admin.text
    await admin.send("2 750 000")

    product = await pool.fetchrow("SELECT price, sale_price FROM products WHERE id = $1", shop.phone)
    assert tuple(product) == (Decimal("2900000"), Decimal("2750000"))
    assert await pool.fetchval("SELECT marketplace_price FROM marketplace_products") == Decimal("3200000")
    audit = await pool.fetch("SELECT old_values, new_values FROM audit_log WHERE action = 'product.update' ORDER BY id")
    assert [(dict(a["old_values"]), dict(a["new_values"])) for a in audit] == [
        ({"price": "3000000.00"}, {"price": "2900000.00"}),
        ({"sale_price": None}, {"sale_price": "2750000.00"}),
    ]


async def test_switching_a_product_off_and_on(admin: Chat, pool: asyncpg.Pool, shop: Shop) -> None:
    await _open_card(admin, shop.phone)
    await admin.press(SetOnSale(product_id=shop.phone, on_sale=False).pack())
    assert await pool.fetchval("SELECT inactive_reason FROM products WHERE id = $1", shop.phone) == "admin"
    await admin.press(SetOnSale(product_id=shop.phone, on_sale=True).pack())
    assert await pool.fetchval("SELECT is_active FROM products WHERE id = $1", shop.phone)
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = 'product.activate'") == 2


async def test_new_product_by_form(admin: Chat, pool: asyncpg.Pool, shop: Shop, fake_telegram) -> None:
    await admin.send("/newproduct")
    await admin.send("PH-1")  # taken: refused at the end, asked again
    await admin.tap_form(FormAction.SKIP)
    await admin.send("Quloqchin")
    await admin.send("Наушники")
    await admin.tap_form(FormAction.PICK_CATEGORY, shop.electronics)
    await admin.send("199 000")
    await admin.send("120000")
    await admin.send("7")
    for color in ("red", "blue"):  # an album: the first is the main photo
        await admin.process.feed(fake_telegram.photo_update(fake_telegram.add_file(picture(color)), admin.user_id))
    assert "2" in admin.text
    await admin.tap_form(FormAction.PHOTOS_DONE)
    await admin.tap_form(FormAction.CREATE_PRODUCT)
    assert "⚠️" in admin.text
    await admin.send("HP-1")  # the other answers stand: straight back to the confirmation
    await admin.tap_form(FormAction.CREATE_PRODUCT)

    product = await pool.fetchrow("SELECT * FROM products WHERE sku = 'HP-1'")
    assert product["name_ru"] == "Наушники" and product["price"] == Decimal("199000")
    assert product["low_stock_threshold"] == 5
    keys = await photos.keys_of(pool, product["id"])
    assert keys == [media.media_key(picture("red")), media.media_key(picture("blue"))]
    assert product["image_url"] == photos.urls(keys[0])["card"]
    assert "🖼" in admin.text and "2" in admin.text
    async with pool.acquire() as conn:
        assert await stock_of(conn, product["id"]) == (7, 0)
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = 'product.create'") == 1


async def test_an_exact_sku_or_barcode_opens_the_card_instead_of_a_list(
    admin: Chat, pool: asyncpg.Pool, shop: Shop
) -> None:
    await pool.execute("UPDATE products SET barcode = '4780000000017' WHERE id = $1", shop.telefon)

    await admin.send("/products ph-1")
    assert admin.text.startswith("📦 Samsung Galaxy smartfoni") and "PH-1" in admin.text
    assert ("🔍 Search again", "") not in admin.buttons() and admin.button_data(SetOnSale, product_id=shop.phone)

    await admin.send("/products 4780000000017")
    assert admin.text.startswith("📦 Oddiy tugmali qurilma")

    await admin.send("/products PH")  # a part of a SKU is a search: the list of matches
    assert admin.text == "Topildi:" and len(admin.buttons_of(OpenProduct)) == 2
