"""Mapping a product to a marketplace listing from its card, by the platform's keys, and unmapping it; both
audited; a listing that is already another product's is refused politely."""

from __future__ import annotations

import asyncpg

from bot.callbacks import AskToUnmapListing, FormAction, MapListing, OpenListings, OpenProduct, UnmapListing
from core import sync_status
from core.listings import ListingKeys
from tests.bot.harness import Chat
from tests.builders import Shop, make_channel


async def _open_listings(admin: Chat, product_id: int) -> None:
    await admin.send("/products samsung")
    await admin.press(OpenProduct(product_id=product_id).pack())
    await admin.tap_data(OpenListings(product_id=product_id))


async def test_map_and_unmap_a_wildberries_listing_from_the_card(admin: Chat, pool: asyncpg.Pool, shop: Shop) -> None:
    async with pool.acquire() as conn:
        wildberries = await make_channel(conn, "wildberries", "api")
    await _open_listings(admin, shop.phone)
    assert "wildberries: bog'lanmagan" in admin.text

    await admin.tap_data(MapListing(product_id=shop.phone, marketplace_id=wildberries))
    assert "chrtId" in admin.text
    await admin.send("12345")

    mapping = await pool.fetchrow("SELECT * FROM marketplace_products WHERE product_id = $1", shop.phone)
    assert await _keys(pool, mapping["id"]) == {"chrt_id": "12345"}
    assert mapping["marketplace_product_id"] == "12345"
    assert mapping["stock_version"] > mapping["pushed_version"]  # due for a push at once
    assert "kartochka 12345" in admin.text

    await admin.tap_data(AskToUnmapListing(product_id=shop.phone, marketplace_id=wildberries))
    await admin.tap_data(UnmapListing(product_id=shop.phone, marketplace_id=wildberries))

    assert await pool.fetchval("SELECT count(*) FROM marketplace_products") == 0
    audit = await pool.fetch("SELECT action, entity_id, old_values, new_values FROM audit_log ORDER BY id")
    assert [(row["action"], row["entity_id"]) for row in audit] == [
        ("listing.map", shop.phone),
        ("listing.unmap", shop.phone),
    ]
    assert audit[0]["new_values"]["chrt_id"] == "12345" and audit[1]["old_values"]["chrt_id"] == "12345"


async def test_uzum_asks_sku_id_then_barcode_and_rejects_a_non_number(
    admin: Chat, pool: asyncpg.Pool, shop: Shop
) -> None:
    async with pool.acquire() as conn:
        uzum = await make_channel(conn, "uzum", "api")
    await _open_listings(admin, shop.phone)
    await admin.tap_data(MapListing(product_id=shop.phone, marketplace_id=uzum))

    await admin.send("sku-777")
    assert "⚠️" in admin.text and "skuId" in admin.text
    await admin.send("777")
    assert "shtrix-kod" in admin.text
    await admin.send("4780000000017")

    mapping_id = await pool.fetchval("SELECT id FROM marketplace_products")
    assert await _keys(pool, mapping_id) == {"sku_id": "777", "barcode": "4780000000017"}


async def test_the_form_asks_in_russian_and_keeps_a_barcode_leading_zero(
    second_admin: Chat, pool: asyncpg.Pool, shop: Shop
) -> None:
    async with pool.acquire() as conn:
        uzum = await make_channel(conn, "uzum", "api")
    await _open_listings(second_admin, shop.phone)
    await second_admin.tap_data(MapListing(product_id=shop.phone, marketplace_id=uzum))
    assert "uzum: skuId карточки (число из личного кабинета продавца)?" in second_admin.text
    await second_admin.send("777")
    assert "uzum: штрихкод карточки?" in second_admin.text
    await second_admin.send("0478000000017")

    mapping_id = await pool.fetchval("SELECT id FROM marketplace_products")
    assert await _keys(pool, mapping_id) == {"sku_id": "777", "barcode": "0478000000017"}


async def _keys(pool: asyncpg.Pool, mapping_id: int) -> dict[str, str]:
    rows = await pool.fetch("SELECT name, value FROM listing_keys WHERE mapping_id = $1", mapping_id)
    return {row["name"]: row["value"] for row in rows}


async def test_a_listing_of_another_product_is_refused_politely(admin: Chat, pool: asyncpg.Pool, shop: Shop) -> None:
    async with pool.acquire() as conn:
        wildberries = await make_channel(conn, "wildberries", "api")
        await sync_status.map_listing(conn, shop.telefon, wildberries, ListingKeys(chrt_id=555), actor_id=None)
    await _open_listings(admin, shop.phone)
    await admin.tap_data(MapListing(product_id=shop.phone, marketplace_id=wildberries))

    await admin.send("555")

    assert "PH-2" in admin.text and "allaqachon" in admin.text and "chrtId" in admin.text  # asked again
    assert await pool.fetchval("SELECT product_id FROM marketplace_products") == shop.telefon
    await admin.tap_form(FormAction.CANCEL)
    assert "Bekor qilindi" in admin.text
