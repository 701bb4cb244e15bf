"""Connecting an API marketplace in the chat, against the Wildberries sandbox: the key message is deleted at once,
the key is checked before it replaces the stored one, the warehouse is picked with a button."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from redis.asyncio import Redis

from bot.callbacks import ConnectMarketplace, ImportMarketplaceCatalog, OpenChannel, PickMarketplacePlace
from core.settings import Settings
from core.unit_of_work import Effects
from core.vault import vault_for
from demo.sandboxes.wildberries import WildberriesSandbox
from sync.automap import CatalogImporter
from sync.key_check import KeyChecker
from tests.bot.conftest import ADMIN_ID
from tests.bot.harness import Chat
from tests.fake_telegram import FakeTelegram
from tests.sync.world import WB_TOKEN


@pytest.fixture
async def wildberries(
    pool: asyncpg.Pool, redis: Redis, effects: Effects, bot_settings: Settings
) -> AsyncIterator[tuple[WildberriesSandbox, int]]:
    """The sandbox, a Wildberries row pointing at it with no key yet, and a process answering key checks and
    catalogue imports."""
    sandbox = WildberriesSandbox(token=WB_TOKEN)
    await sandbox.start()
    marketplace_id = await pool.fetchval(
        "INSERT INTO marketplaces (name, slug, integration_type, api_type, base_url)"
        " VALUES ('Wildberries', 'wildberries', 'api', 'wildberries', $1) RETURNING id",
        sandbox.base_url,
    )
    stop = asyncio.Event()
    vault = vault_for(bot_settings)
    checking = asyncio.create_task(KeyChecker(pool, redis, vault).run(stop))
    importing = asyncio.create_task(CatalogImporter(pool, redis, effects, vault, low_stock_threshold=1).run(stop))
    yield sandbox, marketplace_id
    stop.set()
    await checking
    await importing
    await sandbox.stop()


async def _send_key(admin: Chat, marketplace_id: int, key: str) -> None:
    await admin.send("/channels")
    await admin.tap_button(OpenChannel, channel_id=marketplace_id)
    await admin.tap_button(ConnectMarketplace, marketplace_id=marketplace_id)
    assert "API tokenni yuboring" in admin.text
    await admin.send(key)


async def test_a_key_sent_in_chat_is_deleted_checked_sealed_and_the_warehouse_picked(
    admin: Chat,
    wildberries: tuple[WildberriesSandbox, int],
    pool: asyncpg.Pool,
    fake_telegram: FakeTelegram,
    bot_settings: Settings,
) -> None:
    sandbox, marketplace_id = wildberries
    await _send_key(admin, marketplace_id, WB_TOKEN)

    deleted = fake_telegram.calls_to("deleteMessage")
    assert [int(call.params["chat_id"]) for call in deleted] == [ADMIN_ID]
    assert all(WB_TOKEN not in str(message.get("text")) for message in admin.messages())
    assert "kalit ishlayapti" in admin.text and "qaysi omborga" in admin.text
    sealed = await pool.fetchval("SELECT api_key_encrypted FROM marketplaces WHERE id = $1", marketplace_id)
    assert sealed != WB_TOKEN and vault_for(bot_settings).open(sealed) == WB_TOKEN

    await admin.tap_button(PickMarketplacePlace, place_id=sandbox.default_warehouse)

    row = await pool.fetchrow("SELECT warehouse_id, auto_sync_enabled FROM marketplaces WHERE id = $1", marketplace_id)
    assert (row["warehouse_id"], row["auto_sync_enabled"]) == (sandbox.default_warehouse, True)
    assert "ulandi" in admin.text and "marketplace automap wildberries" in admin.text


async def test_a_refused_key_replaces_nothing_and_another_can_be_sent(
    admin: Chat, wildberries: tuple[WildberriesSandbox, int], pool: asyncpg.Pool
) -> None:
    _sandbox, marketplace_id = wildberries
    await _send_key(admin, marketplace_id, "not-the-token")

    assert "Saqlangan kalit o'zgarmadi" in admin.text and "401" in admin.text
    assert await pool.fetchval("SELECT api_key_encrypted FROM marketplaces WHERE id = $1", marketplace_id) is None

    await admin.send(WB_TOKEN)
    assert "kalit ishlayapti" in admin.text


async def test_after_connecting_the_catalogue_is_imported_with_its_stock_and_photos_and_reaches_the_store(
    admin: Chat, wildberries: tuple[WildberriesSandbox, int], pool: asyncpg.Pool
) -> None:
    sandbox, marketplace_id = wildberries
    sandbox.load_catalog(
        [
            {
                "nmID": 777,
                "chrtId": 7770,
                "barcode": "2000000007770",
                "vendorCode": "TEA-1",
                "title": "Чайник",
                "photos": ["https://wb-photos.invalid/tea/1.webp"],
                "price": 90_000,
                "stock": 5,
            }
        ]
    )
    await _send_key(admin, marketplace_id, WB_TOKEN)
    await admin.tap_button(PickMarketplacePlace, place_id=sandbox.default_warehouse)
    assert "katalogini import qilaylikmi" in admin.text

    await admin.tap_button(ImportMarketplaceCatalog, with_stock=True)

    assert "1 ta yangi mahsulot, 0 tasi bizniki bilan bog'landi, 0 tasi o'tkazib yuborildi" in admin.text
    teapot = await pool.fetchrow(
        "SELECT p.id, p.is_active, p.price, i.quantity FROM products p JOIN inventory i ON i.product_id = p.id"
        " WHERE p.sku = 'TEA-1'"
    )
    assert (teapot["is_active"], teapot["price"], teapot["quantity"]) == (True, 90_000, 5)
    assert await pool.fetchval("SELECT source_url FROM product_photos WHERE product_id = $1", teapot["id"]) == (
        "https://wb-photos.invalid/tea/1.webp"
    )
    assert await pool.fetchval(
        "SELECT count(*) FROM marketplace_products WHERE product_id = $1 AND marketplace_id = $2",
        teapot["id"],
        marketplace_id,
    )

    await admin.tap_data(ImportMarketplaceCatalog(marketplace_id=marketplace_id, with_stock=True))
    assert "0 ta yangi mahsulot, 0 tasi bizniki bilan bog'landi, 1 tasi o'tkazib yuborildi" in admin.text
