"""Connecting an API marketplace in the chat, against the Wildberries sandbox: the key message is deleted at once,
the key is checked before it replaces the stored one, the warehouse is picked with a button; then the catalogue is
imported or only mapped onto our products, the chat saying it works meanwhile and the audit log keeping the counts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from redis.asyncio import Redis

from bot import marketplace_connect
from bot.callbacks import ConnectMarketplace, MarketplaceCatalog, OpenChannel, PickMarketplacePlace
from core import audit, catalog_requests
from core.catalog_requests import Action
from core.listings import PLATFORMS
from core.settings import Settings
from core.unit_of_work import Effects
from core.vault import vault_for
from demo.sandboxes.wildberries import WildberriesSandbox
from sync.automap import CatalogImporter
from sync.key_check import KeyChecker
from tests.bot.conftest import ADMIN_ID
from tests.bot.harness import Chat
from tests.builders import make_product
from tests.fake_telegram import FakeTelegram
from tests.sync.world import OZON_CLIENT, OZON_KEY, SLUGS, UZUM_TOKEN, WB_TOKEN, YANDEX_KEY, sandboxes
from tests.tiny_platform import TINY


@pytest.fixture
async def wildberries_row(pool: asyncpg.Pool) -> AsyncIterator[tuple[WildberriesSandbox, int]]:
    """The sandbox and a Wildberries row pointing at it with no key yet."""
    sandbox = WildberriesSandbox(token=WB_TOKEN)
    await sandbox.start()
    marketplace_id = await pool.fetchval(
        "INSERT INTO marketplaces (name, slug, integration_type, api_type, base_url)"
        " VALUES ('Wildberries', 'wildberries', 'api', 'wildberries', $1) RETURNING id",
        sandbox.base_url,
    )
    yield sandbox, marketplace_id
    await sandbox.stop()


@pytest.fixture
async def wildberries(
    wildberries_row: tuple[WildberriesSandbox, int],
    pool: asyncpg.Pool,
    redis: Redis,
    effects: Effects,
    bot_settings: Settings,
) -> AsyncIterator[tuple[WildberriesSandbox, int]]:
    """The row, and a process answering key checks and catalogue requests as the sync does."""
    stop = asyncio.Event()
    vault = vault_for(bot_settings)
    checking = asyncio.create_task(KeyChecker(pool, redis, vault).run(stop))
    importing = asyncio.create_task(CatalogImporter(pool, redis, effects, vault, low_stock_threshold=1).run(stop))
    yield wildberries_row
    stop.set()
    await checking
    await importing


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
    assert "ulandi" in admin.text and "amazing-store" not in admin.text
    assert [button.action for _data, button in admin.buttons_of(MarketplaceCatalog)] == list(Action)


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
    admin: Chat, wildberries: tuple[WildberriesSandbox, int], pool: asyncpg.Pool, fake_telegram: FakeTelegram
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

    await admin.tap_button(MarketplaceCatalog, action=Action.IMPORT_WITH_STOCK)

    assert "1 ta yangi mahsulot, 0 tasi bizniki bilan bog'landi, 0 tasi o'tkazib yuborildi" in admin.text
    edits = [call.params["text"] for call in fake_telegram.calls_to("editMessageText")]
    assert edits[-2:] == ["⏳ Wildberries katalogi o'qilmoqda…", admin.text], "the result replaces the waiting note"
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

    await admin.tap_data(MarketplaceCatalog(marketplace_id=marketplace_id, action=Action.IMPORT_WITH_STOCK))
    assert "0 ta yangi mahsulot, 0 tasi bizniki bilan bog'landi, 1 tasi o'tkazib yuborildi" in admin.text
    audited = await pool.fetch(
        "SELECT actor_id, new_values FROM audit_log WHERE action = $1 AND entity_type = 'marketplace'"
        " AND entity_id = $2 ORDER BY id",
        audit.MARKETPLACE_IMPORT,
        marketplace_id,
    )
    actor = await pool.fetchval("SELECT id FROM users WHERE telegram_id = $1", ADMIN_ID)
    assert [(row["actor_id"], row["new_values"]) for row in audited] == [
        (actor, {"created": 1, "mapped": 0, "skipped": 0, "with_stock": True}),
        (actor, {"created": 0, "mapped": 0, "skipped": 1, "with_stock": True}),
    ]


async def test_map_only_maps_the_cards_whose_sku_is_ours_makes_no_product_and_is_audited(
    admin: Chat, wildberries: tuple[WildberriesSandbox, int], pool: asyncpg.Pool, effects: Effects
) -> None:
    sandbox, marketplace_id = wildberries
    sandbox.load_catalog(
        [
            {"nmID": 801, "chrtId": 8010, "barcode": "2000000008010", "vendorCode": "kettle-1", "title": "Чайник"},
            {"nmID": 802, "chrtId": 8020, "barcode": "2000000008020", "vendorCode": "NOT-OURS", "title": "Утюг"},
        ]
    )
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        kettle = await make_product(uow, "KETTLE-1")
    await _send_key(admin, marketplace_id, WB_TOKEN)
    await admin.tap_button(PickMarketplacePlace, place_id=sandbox.default_warehouse)

    await admin.tap_button(MarketplaceCatalog, action=Action.AUTOMAP)

    assert "yangi bog'langan: 1" in admin.text and "avval ham bog'langan: 0" in admin.text
    assert "bizning hech bir mahsulotda yo'q: 1" in admin.text and "ziddiyatlar (" in admin.text
    mapped = await pool.fetch(
        "SELECT mp.product_id, k.value FROM marketplace_products mp JOIN listing_keys k ON k.mapping_id = mp.id"
        " WHERE mp.marketplace_id = $1 AND k.name = 'chrt_id'",
        marketplace_id,
    )
    assert [(row["product_id"], row["value"]) for row in mapped] == [(kettle, "8010")]
    assert await pool.fetchval("SELECT count(*) FROM products") == 1, "map-only makes no product"
    assert [data for data, _button in admin.buttons_of(MarketplaceCatalog)], "the unmatched can still be imported"

    await admin.tap_data(MarketplaceCatalog(marketplace_id=marketplace_id, action=Action.AUTOMAP))
    assert "yangi bog'langan: 0" in admin.text and "avval ham bog'langan: 1" in admin.text
    audited = await pool.fetch(
        "SELECT actor_id, new_values FROM audit_log WHERE action = $1 AND entity_id = $2 ORDER BY id",
        audit.CATALOG_AUTOMAP,
        marketplace_id,
    )
    actor = await pool.fetchval("SELECT id FROM users WHERE telegram_id = $1", ADMIN_ID)
    assert [(row["actor_id"], row["new_values"]) for row in audited] == [
        (actor, {"mapped": 1, "already": 0, "unmatched": 1, "conflicts": 0}),
        (actor, {"mapped": 0, "already": 1, "unmatched": 1, "conflicts": 0}),
    ]


async def test_while_waiting_the_chat_says_it_works_and_then_truthfully_why_no_counts_came(
    admin: Chat,
    wildberries_row: tuple[WildberriesSandbox, int],
    redis: Redis,
    fake_telegram: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No sync process runs here: the test takes the second request itself, as a sync busy for longer would."""
    _sandbox, marketplace_id = wildberries_row
    monkeypatch.setattr(marketplace_connect, "TAKE_SECONDS", 1.0)
    monkeypatch.setattr(marketplace_connect, "CATALOG_WAIT_SECONDS", 2.0)
    await admin.send("/channels")
    automap = MarketplaceCatalog(marketplace_id=marketplace_id, action=Action.AUTOMAP)

    waiting = asyncio.create_task(admin.tap_data(automap))
    await fake_telegram.wait_for_call("editMessageText")
    assert admin.text == "⏳ Wildberries katalogi o'qilmoqda…" and not waiting.done()
    await waiting
    assert "hech narsa boshlanmadi" in admin.text
    assert await redis.llen(catalog_requests.REQUESTS) == 0, "a request no one took is withdrawn, never run later"  # type: ignore[misc]

    waiting = asyncio.create_task(admin.tap_data(automap))
    taken = await catalog_requests.next_request(redis)
    assert taken is not None and taken.action is Action.AUTOMAP
    await waiting
    assert "kutishni to'xtatdim, lekin sinxronlash uni davom ettiradi" in admin.text


@pytest.mark.parametrize("api_type", [*PLATFORMS, TINY.api_type])
async def test_the_key_is_asked_in_two_parts_exactly_where_the_platform_declares_a_client_id_and_an_api_key(
    admin: Chat, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch, api_type: str
) -> None:
    monkeypatch.setitem(PLATFORMS, TINY.api_type, TINY)  # made up, declared in the registry and nowhere else
    platform = PLATFORMS[api_type]
    marketplace_id = await pool.fetchval(
        "INSERT INTO marketplaces (name, slug, integration_type, api_type) VALUES ($1, $2, 'api', $2) RETURNING id",
        platform.name,
        api_type,
    )
    await admin.send("/channels")
    await admin.tap_button(OpenChannel, channel_id=marketplace_id)
    await admin.tap_button(ConnectMarketplace, marketplace_id=marketplace_id)

    two_part = (
        f"{platform.name} sotuvchi kabinetidagi Client-Id va Api-Key ni bo'sh joy bilan ajratib yuboring" in admin.text
    )
    assert two_part == (platform.credentials == "client_id_and_api_key")
    assert ("API tokenni yuboring" in admin.text) == (not two_part)


# One teapot in each platform's catalogue, as its sandbox takes it, with 5 units the platform holds for us.
TEAPOT = {
    "uzum": {
        "skuId": 7770,
        "barcode": "4780000007770",
        "productId": 777,
        "skuTitle": "Чайник",
        "sellerSkuCode": "TEA-1",
        "price": 90_000,
        "amount": 5,
    },
    "wildberries": {
        "nmID": 777,
        "chrtId": 7770,
        "barcode": "2000000007770",
        "vendorCode": "TEA-1",
        "title": "Чайник",
        "price": 90_000,
        "stock": 5,
    },
    "ozon": {"offer_id": "TEA-1", "product_id": 777, "sku": 7770, "name": "Чайник", "price": 900.0, "stocks": 5},
    "yandex": {
        "offer_id": "TEA-1",
        "market_sku": 7770,
        "name": "Чайник",
        "barcodes": ["4600000007770"],
        "price": 900,
        "stock": 5,
    },
}


@pytest.mark.parametrize("slug", SLUGS)
async def test_each_marketplace_connects_from_chat_and_brings_its_catalogue_on_a_shop_without_the_demo(
    slug: str,
    admin: Chat,
    pool: asyncpg.Pool,
    redis: Redis,
    effects: Effects,
    fake_telegram: FakeTelegram,
    bot_settings: Settings,
) -> None:
    """As a seller does on the first day: the key (two parts where the platform has two) is checked, the places it
    sees (shops or warehouses) are offered, the one picked is kept, and the catalogue comes in with its stock; the
    platform is the sandbox of its spec."""
    sandbox = dict(zip(SLUGS, sandboxes(), strict=True))[slug]
    sandbox.load_catalog([TEAPOT[slug]])
    key = {"uzum": UZUM_TOKEN, "wildberries": WB_TOKEN, "ozon": f"{OZON_CLIENT} {OZON_KEY}", "yandex": YANDEX_KEY}
    platform = PLATFORMS[slug]
    vault = vault_for(bot_settings)
    async with sandbox:
        marketplace_id = await pool.fetchval(
            "INSERT INTO marketplaces (name, slug, integration_type, api_type, base_url)"
            " VALUES ($1, $2, 'api', $2, $3) RETURNING id",
            platform.name,
            slug,
            sandbox.base_url,
        )
        stop = asyncio.Event()
        sync = [
            asyncio.create_task(KeyChecker(pool, redis, vault).run(stop)),
            asyncio.create_task(CatalogImporter(pool, redis, effects, vault, low_stock_threshold=1).run(stop)),
        ]
        try:
            await admin.send("/channels")
            await admin.tap_button(OpenChannel, channel_id=marketplace_id)
            await admin.tap_button(ConnectMarketplace, marketplace_id=marketplace_id)
            await admin.send(key[slug])
            assert [int(call.params["chat_id"]) for call in fake_telegram.calls_to("deleteMessage")] == [ADMIN_ID]
            assert "kalit ishlayapti" in admin.text, admin.text
            offered = [button.place_id for _data, button in admin.buttons_of(PickMarketplacePlace)]
            assert offered, "the key's shops or warehouses to pick from"
            await admin.tap_button(PickMarketplacePlace, place_id=offered[-1])
            assert "ulandi" in admin.text and "katalogini import qilaylikmi" in admin.text

            await admin.tap_button(MarketplaceCatalog, action=Action.IMPORT_WITH_STOCK)
            assert "1 ta yangi mahsulot" in admin.text, admin.text
        finally:
            stop.set()
            await asyncio.gather(*sync)
    column = "shop_id" if platform.place == "shop" else "warehouse_id"
    row = await pool.fetchrow(
        f"SELECT {column} AS place, auto_sync_enabled FROM marketplaces WHERE id = $1", marketplace_id
    )
    assert (str(row["place"]), row["auto_sync_enabled"]) == (str(offered[-1]), True)
    teapot = await pool.fetchrow(
        "SELECT p.is_active, i.quantity FROM products p JOIN inventory i ON i.product_id = p.id"
        " JOIN marketplace_products mp ON mp.product_id = p.id AND mp.marketplace_id = $1",
        marketplace_id,
    )
    assert teapot is not None and (teapot["is_active"], teapot["quantity"]) == (True, 5)
