"""A marketplace's catalogue brought in: its unmapped cards become our products (or are mapped to ours), once."""

from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from amazing_store.app import create_app
from core.embedded import ServiceUrls
from core.settings import Settings
from core.unit_of_work import Effects
from sync.automap import import_catalog
from tests.builders import Shop
from tests.support import changed, login
from tests.sync.world import SLUGS, World, list_everywhere, process_world

# One card per marketplace that is not ours yet: four units in our FBS warehouse there.
NEW_CARDS: dict[str, dict[str, Any]] = {
    "uzum": {
        "skuId": 90_001,
        "barcode": "4780000090001",
        "productId": 91_000,
        "productTitle": "Choynak",
        "skuTitle": "Qizil",
        "sellerSkuCode": "TEA-1",
        "price": 250_000,
        "amount": 4,
        "category": "Kiyim",
        "image": "https://uzum-photos.invalid/tea/main.jpg",
        "previewImage": "https://uzum-photos.invalid/tea/red.jpg",
    },
    "wildberries": {
        "nmID": 90_001,
        "chrtId": 90_002,
        "barcode": "2000000090001",
        "vendorCode": "TEA-1",
        "title": "Чайник",
        "subjectName": "Одежда",
        "photos": ["https://wb-photos.invalid/tea/1.webp", "https://wb-photos.invalid/tea/2.webp"],
        "price": 1000,
        "stock": 4,
    },
    "ozon": {
        "offer_id": "TEA-1",
        "product_id": 90_001,
        "sku": 90_002,
        "name": "Чайник",
        "images": ["https://ozon-photos.invalid/tea/1.jpg", "https://ozon-photos.invalid/tea/2.jpg"],
        "price": 1500.0,
        "stocks": 4,
    },
    # The sandbox's offers carry no category or pictures: imported uncategorised, without photos.
    "yandex": {
        "offer_id": "TEA-1",
        "market_sku": 90_002,
        "name": "Чайник",
        "barcodes": ["4600000090001"],
        "price": 1500,
        "stock": 4,
    },
}
PHOTOS = {
    "uzum": ["https://uzum-photos.invalid/tea/main.jpg", "https://uzum-photos.invalid/tea/red.jpg"],
    "wildberries": NEW_CARDS["wildberries"]["photos"],
    "ozon": NEW_CARDS["ozon"]["images"],
    "yandex": [],
}
PRICES = {"uzum": Decimal(250_000), "wildberries": Decimal(1000), "ozon": Decimal(1500), "yandex": Decimal(1500)}


@pytest.fixture
async def world(pool: asyncpg.Pool, redis: Redis, settings: Settings, shop: Shop) -> AsyncIterator[World]:
    """The shop's products listed and mapped on the sandboxes, their keys sealed as the running store reads them."""
    async with process_world(pool, redis, settings) as world:
        async with pool.acquire() as conn:
            await list_everywhere(
                conn,
                world.connections,
                world.uzum,
                world.wb,
                world.ozon,
                world.yandex,
                [shop.phone, shop.telefon, shop.shirt],
            )
        yield world


@pytest.fixture
async def store(
    aiohttp_client: Callable[..., Any], settings: Settings, service_urls: ServiceUrls, pool: asyncpg.Pool
) -> TestClient:
    return await aiohttp_client(create_app(changed(settings, bot_token=None), service_urls))


async def _unmapped_shirt(conn: asyncpg.Connection, world: World, shop: Shop, slug: str) -> None:
    """The seller's shirt is on the marketplace under our SKU, but nobody mapped it."""
    await conn.execute(
        "DELETE FROM marketplace_products WHERE product_id = $1 AND marketplace_id = $2",
        shop.shirt,
        world.connections[slug].marketplace_id,
    )
    if slug == "uzum":  # the world's Uzum SKUs carry no seller code
        world.uzum.skus[10_000 + shop.shirt].seller_sku_code = "CL-1"


def _sandbox(world: World, slug: str) -> Any:
    return {"uzum": world.uzum, "wildberries": world.wb, "ozon": world.ozon, "yandex": world.yandex}[slug]


@pytest.mark.parametrize("slug", SLUGS)
async def test_import_creates_unmapped_cards_with_their_stock_and_maps_ours_once(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop, store: TestClient, slug: str
) -> None:
    _sandbox(world, slug).load_catalog([NEW_CARDS[slug]])
    marketplace = world.connections[slug].marketplace_id
    async with pool.acquire() as conn:
        await _unmapped_shirt(conn, world, shop, slug)
        first = await import_catalog(
            conn,
            effects,
            world.connections[slug],
            world.limits,
            with_stock=True,
            low_stock_threshold=1,
            adapter=world.adapter(slug),
        )
        teapot = await conn.fetchrow(
            "SELECT p.id, p.price, p.barcode, c.name_uz AS category, i.quantity FROM products p"
            " JOIN inventory i ON i.product_id = p.id JOIN categories c ON c.id = p.category_id"
            " WHERE p.sku = 'TEA-1'"
        )
        queued = [
            row["source_url"]
            for row in await conn.fetch(
                "SELECT source_url FROM product_photos WHERE product_id = $1 ORDER BY position", teapot["id"]
            )
        ]
        mapped = set(
            await conn.fetch("SELECT product_id FROM marketplace_products WHERE marketplace_id = $1", marketplace)
        )
    assert (first.created, first.mapped, first.skipped) == (1, 1, 2)
    assert teapot["price"] == PRICES[slug] and teapot["quantity"] == 4
    # Wildberries names its subject ("Одежда" is our Kiyim), Uzum its category; Ozon's card gives an id only.
    assert teapot["category"] == ("Kategoriyasiz" if slug in ("ozon", "yandex") else "Kiyim")
    assert {row["product_id"] for row in mapped} == {shop.phone, shop.telefon, shop.shirt, teapot["id"]}
    # The photo job fetches them after the commit, in the card's order (Uzum's: the card's, then the SKU's).
    assert queued == PHOTOS[slug]
    listing = await (await store.get("/api/products", headers=login(store))).json()
    assert {item["id"]: item["available"] for item in listing["items"]}[teapot["id"]] == 4

    async with pool.acquire() as conn:
        again = await import_catalog(
            conn,
            effects,
            world.connections[slug],
            world.limits,
            with_stock=True,
            low_stock_threshold=1,
            adapter=world.adapter(slug),
        )
        products = await conn.fetchval("SELECT count(*) FROM products")
        photo_rows = await conn.fetchval("SELECT count(*) FROM product_photos")
        quantity = await conn.fetchval("SELECT quantity FROM inventory WHERE product_id = $1", teapot["id"])
    assert (again.created, again.mapped, again.skipped) == (0, 0, 4)
    assert products == 4 and quantity == 4 and photo_rows == len(queued)


async def test_import_without_stock_leaves_the_new_products_empty_and_hidden(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop, store: TestClient
) -> None:
    world.uzum.load_catalog([NEW_CARDS["uzum"]])
    async with pool.acquire() as conn:
        done = await import_catalog(
            conn,
            effects,
            world.connections["uzum"],
            world.limits,
            with_stock=False,
            low_stock_threshold=1,
            adapter=world.adapter("uzum"),
        )
        teapot = await conn.fetchrow(
            "SELECT p.id, i.quantity FROM products p JOIN inventory i ON i.product_id = p.id WHERE p.sku = 'TEA-1'"
        )
    assert done.created == 1 and teapot["quantity"] == 0
    listing = await (await store.get("/api/products", headers=login(store))).json()
    assert teapot["id"] not in {item["id"] for item in listing["items"]}


async def test_a_second_listing_claiming_a_mapped_product_leaves_the_sellers_mapping_alone(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    world.wb.load_catalog([{"nmID": 90_005, "chrtId": 90_006, "barcode": "2000000090006", "vendorCode": "PH-1"}])
    marketplace = world.connections["wildberries"].marketplace_id
    async with pool.acquire() as conn:
        done = await import_catalog(
            conn,
            effects,
            world.connections["wildberries"],
            world.limits,
            with_stock=False,
            low_stock_threshold=1,
            adapter=world.adapter("wildberries"),
        )
        listing = await conn.fetchval(
            "SELECT marketplace_product_id FROM marketplace_products WHERE product_id = $1 AND marketplace_id = $2",
            shop.phone,
            marketplace,
        )
        products = await conn.fetchval("SELECT count(*) FROM products")
    assert (done.created, done.mapped, done.skipped) == (0, 0, 4)
    assert listing == str(40_000 + shop.phone) and products == 3
