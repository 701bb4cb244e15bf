"""seed_demo: a believable, consistent catalog on an empty database, and nothing more on a second call."""

from __future__ import annotations

import time
from pathlib import Path

import asyncpg
from PIL import Image

from core import media, photos
from core.unit_of_work import Effects
from demo.seeding import DemoSummary, catalog_is_empty, seed_demo

STATIC = Path(__file__).resolve().parents[2] / "webapp" / "static"
DEMO_TABLES = (
    "marketplaces",
    "categories",
    "products",
    "inventory",
    "inventory_movements",
    "marketplace_products",
    "banners",
)


def is_ean13(code: str) -> bool:
    if len(code) != 13 or not code.isdigit():
        return False
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(code[:12]))
    return (10 - total % 10) % 10 == int(code[12])


async def snapshot(conn: asyncpg.Connection) -> dict[str, list[tuple[object, ...]]]:
    return {t: [tuple(r) for r in await conn.fetch(f"SELECT * FROM {t} ORDER BY id")] for t in DEMO_TABLES}


async def test_catalog_is_empty_until_seeded(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        assert await catalog_is_empty(conn)
        await seed_demo(conn, effects)
        assert not await catalog_is_empty(conn)


async def test_seed_creates_the_catalog_and_reports_it(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        summary = await seed_demo(conn, effects)
        top_level = await conn.fetchval("SELECT count(*) FROM categories WHERE parent_id IS NULL")
        parents_with_children = await conn.fetchval(
            "SELECT count(DISTINCT parent_id) FROM categories WHERE parent_id IS NOT NULL"
        )
        counts = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM categories) AS categories,"
            " (SELECT count(*) FROM products) AS products,"
            " (SELECT count(*) FROM banners) AS banners,"
            " (SELECT count(*) FROM marketplaces) AS marketplaces"
        )
        products_in_parent_categories = await conn.fetchval(
            "SELECT count(*) FROM products p"
            " WHERE EXISTS (SELECT 1 FROM categories c WHERE c.parent_id = p.category_id)"
        )
    assert summary == DemoSummary(**dict(counts))
    assert top_level >= 10
    assert parents_with_children >= 2
    assert summary.products >= 200
    assert summary.banners == 4
    assert summary.marketplaces == 7
    assert products_in_parent_categories == 0


async def test_marketplaces_have_the_right_integration_types(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        await seed_demo(conn, effects)
        rows = await conn.fetch("SELECT slug, integration_type, api_type FROM marketplaces")
    assert {r["slug"]: (r["integration_type"], r["api_type"]) for r in rows} == {
        "uzum": ("api", "uzum"),
        "wildberries": ("api", "wildberries"),
        "ozon": ("api", "ozon"),
        "yandex": ("api", "yandex"),
        "olx": ("manual", None),
        "bir-bir": ("manual", None),
        "amazing-store": ("own", None),
    }


async def test_every_product_has_inventory_equal_to_its_ledger(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        await seed_demo(conn, effects)
        without_inventory = await conn.fetchval(
            "SELECT count(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM inventory i WHERE i.product_id = p.id)"
        )
        ledger_mismatches = await conn.fetchval(
            "SELECT count(*) FROM inventory i"
            " LEFT JOIN (SELECT product_id, sum(quantity_change) AS total"
            "            FROM inventory_movements GROUP BY 1) m"
            " USING (product_id)"
            " WHERE i.quantity <> COALESCE(m.total, 0) OR i.reserved_quantity <> 0"
        )
        stock = await conn.fetch(
            "SELECT i.quantity, p.is_active FROM inventory i JOIN products p ON p.id = i.product_id"
        )
    assert without_inventory == 0
    assert ledger_mismatches == 0
    assert any(r["quantity"] == 0 for r in stock), "some products should be sold out"
    assert any(1 <= r["quantity"] <= 4 for r in stock), "some products should be nearly sold out"
    assert all(r["is_active"] == (r["quantity"] > 0) for r in stock)


async def test_prices_and_barcodes_are_consistent(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        await seed_demo(conn, effects)
        products = await conn.fetch("SELECT * FROM products")
        wrong_profitability = await conn.fetchval(
            "SELECT count(*) FROM products WHERE profitability_percentage"
            " IS DISTINCT FROM round((COALESCE(sale_price, price) - cost_price) / cost_price * 100, 2)"
        )
    assert wrong_profitability == 0
    assert len({p["sku"] for p in products}) == len({p["barcode"] for p in products}) == len(products)
    for p in products:
        assert is_ean13(p["barcode"]), p["barcode"]
        assert p["price"] % 1000 == 0
        assert p["price"] * 55 / 100 - 1000 <= p["cost_price"] <= p["price"] * 80 / 100 + 1000
        assert p["name_uz"] and p["name_ru"] and p["description_uz"] and p["description_ru"]
        if p["sale_price"] is not None:
            assert p["cost_price"] < p["sale_price"] < p["price"]
    on_sale = sum(p["sale_price"] is not None for p in products)
    assert 0.1 * len(products) <= on_sale <= 0.3 * len(products)


async def test_channel_listings(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        await seed_demo(conn, effects)
        products = await conn.fetchval("SELECT count(*) FROM products")
        rows = await conn.fetch(
            "SELECT m.slug, count(mp.id) AS listed, bool_and(mp.price_editable) AS editable,"
            " bool_or(mp.price_editable) AS any_editable,"
            " bool_and(mp.marketplace_stock = i.quantity AND mp.previous_stock = i.quantity) AS stock_matches"
            " FROM marketplaces m"
            " JOIN marketplace_products mp ON mp.marketplace_id = m.id"
            " JOIN inventory i ON i.product_id = mp.product_id"
            " GROUP BY m.slug"
        )
    by_slug = {r["slug"]: r for r in rows}
    assert set(by_slug) == {"uzum", "wildberries", "ozon", "yandex", "olx", "bir-bir"}
    for slug in ("uzum", "wildberries", "ozon", "yandex"):
        assert 0.45 * products <= by_slug[slug]["listed"] <= 0.75 * products
        assert not by_slug[slug]["any_editable"]
    for slug in ("olx", "bir-bir"):
        assert by_slug[slug]["listed"] == products
        assert by_slug[slug]["editable"]
    assert all(r["stock_matches"] for r in rows)


async def test_second_seed_creates_and_changes_nothing(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        first = await seed_demo(conn, effects)
        before = await snapshot(conn)
        second = await seed_demo(conn, effects)
        after = await snapshot(conn)
    assert first.products >= 200
    assert second == DemoSummary(categories=0, products=0, banners=0, marketplaces=0)
    assert after == before


async def test_seed_fills_in_only_what_is_missing(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        await seed_demo(conn, effects)
        await conn.execute("DELETE FROM banners WHERE sort_order = 1")
        await conn.execute("DELETE FROM products WHERE sku = 'AS-ELE-0001'")
        await conn.execute("UPDATE products SET price = 1000 WHERE sku = 'AS-ELE-0002'")
        again = await seed_demo(conn, effects)
        edited_price = await conn.fetchval("SELECT price FROM products WHERE sku = 'AS-ELE-0002'")
        recreated_stock = await conn.fetchval(
            "SELECT i.quantity FROM inventory i JOIN products p ON p.id = i.product_id WHERE p.sku = 'AS-ELE-0001'"
        )
    assert again == DemoSummary(categories=0, products=1, banners=1, marketplaces=0)
    assert edited_price == 1000
    assert recreated_stock is not None


async def test_every_demo_image_exists_and_is_small(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        await seed_demo(conn, effects)
        urls = [
            r["image_url"]
            for r in await conn.fetch("SELECT image_url FROM products UNION SELECT image_url FROM banners")
        ]
    assert len(urls) >= 14
    for url in urls:
        assert url.startswith("/app/demo/"), url
        path = STATIC / url.removeprefix("/app/")
        assert path.is_file(), path
        assert path.stat().st_size < 2048, path
        assert path.read_text(encoding="utf-8").startswith("<svg ")


async def test_demo_products_get_drawn_pictures_kept_like_photos(
    pool: asyncpg.Pool, effects: Effects, tmp_path: Path
) -> None:
    store = media.DirectoryStore(tmp_path / "media")
    async with pool.acquire() as conn:
        started = time.perf_counter()
        await seed_demo(conn, effects, store)
        seconds = time.perf_counter() - started
        rows = await conn.fetch("SELECT sku, photo_key, image_url FROM products ORDER BY sku")
        variants = await conn.fetch(
            "SELECT name_uz, photo_key FROM products WHERE name_uz LIKE 'Samsung Galaxy A15 smartfoni%'"
        )
    print(f"demo seeded with pictures in {seconds:.1f} s")
    assert all(row["photo_key"] and row["image_url"] == photos.urls(row["photo_key"])["card"] for row in rows)
    assert len(variants) > 1 and len({row["photo_key"] for row in variants}) == 1, "a model's variants share one"
    assert len({row["photo_key"] for row in rows}) > 100  # one per model
    with Image.open(tmp_path / "media" / media.file_name(rows[0]["photo_key"], "thumb")) as thumb:
        assert thumb.format == "WEBP" and max(thumb.size) == media.SIZES["thumb"]
