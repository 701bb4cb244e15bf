"""The schema's own constraints are the last line of defence: each must refuse what it exists to refuse."""

from decimal import Decimal

import asyncpg
import pytest


async def _product(conn: asyncpg.Connection, sku: str = "SKU-1", price: str = "1000") -> int:
    return await conn.fetchval(
        "INSERT INTO products (sku, name_uz, price) VALUES ($1, 'Mahsulot', $2) RETURNING id", sku, Decimal(price)
    )


async def _user(conn: asyncpg.Connection, telegram_id: int = 1001) -> int:
    return await conn.fetchval(
        "INSERT INTO users (telegram_id, first_name) VALUES ($1, 'Ali') RETURNING id", telegram_id
    )


async def _marketplace(conn: asyncpg.Connection, slug: str = "uzum", kind: str = "api") -> int:
    return await conn.fetchval(
        "INSERT INTO marketplaces (name, slug, integration_type) VALUES ($1, $1, $2) RETURNING id", slug, kind
    )


async def test_all_design_tables_exist(pool: asyncpg.Pool) -> None:
    tables = {r["tablename"] for r in await pool.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")}
    assert {
        "users",
        "categories",
        "products",
        "inventory",
        "inventory_movements",
        "marketplaces",
        "marketplace_products",
        "cart_items",
        "favorites",
        "orders",
        "order_items",
        "banners",
        "marketplace_webhooks",
        "sync_logs",
        "order_status_history",
    } <= tables
    assert await pool.fetchval("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'") == 1


async def test_stock_cannot_go_negative(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        product = await _product(conn)
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute("INSERT INTO inventory (product_id, quantity) VALUES ($1, -1)", product)
        await conn.execute("INSERT INTO inventory (product_id, quantity) VALUES ($1, 3)", product)
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute("UPDATE inventory SET reserved_quantity = 4 WHERE product_id = $1", product)
        with pytest.raises(asyncpg.UniqueViolationError):
            await conn.execute("INSERT INTO inventory (product_id, quantity) VALUES ($1, 1)", product)


async def test_duplicate_sku_is_refused(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await _product(conn, "PHONE-1")
        with pytest.raises(asyncpg.UniqueViolationError):
            await _product(conn, "PHONE-1")


async def test_negative_price_is_refused(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        with pytest.raises(asyncpg.CheckViolationError):
            await _product(conn, price="-5")


async def test_duplicate_marketplace_mapping_is_refused(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        product, uzum = await _product(conn), await _marketplace(conn)
        insert = (
            "INSERT INTO marketplace_products (product_id, marketplace_id, marketplace_product_id) VALUES ($1, $2, $3)"
        )
        await conn.execute(insert, product, uzum, "UZ-1")
        with pytest.raises(asyncpg.UniqueViolationError):
            await conn.execute(insert, product, uzum, "UZ-2")


async def test_cart_quantity_zero_and_duplicate_lines_are_refused(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        product, user = await _product(conn), await _user(conn)
        insert = "INSERT INTO cart_items (user_id, product_id, quantity, price_snapshot) VALUES ($1, $2, $3, 1000)"
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute(insert, user, product, 0)
        await conn.execute(insert, user, product, 1)
        with pytest.raises(asyncpg.UniqueViolationError):
            await conn.execute(insert, user, product, 2)


async def test_unknown_channel_kind_and_bad_slug_are_refused(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        with pytest.raises(asyncpg.CheckViolationError):
            await _marketplace(conn, "telegram-ads", "magic")
        with pytest.raises(asyncpg.CheckViolationError):
            await _marketplace(conn, "Bad Slug!", "manual")


async def test_order_needs_known_status_and_positive_item_quantity(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        shop = await _marketplace(conn, "amazing-store", "own")
        insert_order = (
            "INSERT INTO orders (order_number, marketplace_id, customer_name, customer_phone, subtotal, total, status)"
            " VALUES ($1, $2, 'Ali', '+998901234567', 0, 0, $3) RETURNING id"
        )
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.fetchval(insert_order, "AS-1", shop, "lost")
        order = await conn.fetchval(insert_order, "AS-2", shop, "pending")
        with pytest.raises(asyncpg.UniqueViolationError):
            await conn.fetchval(insert_order, "AS-2", shop, "pending")
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute(
                "INSERT INTO order_items (order_id, product_name, product_sku, price, quantity, subtotal)"
                " VALUES ($1, 'x', 'x', 1, 0, 0)",
                order,
            )


async def test_same_marketplace_order_cannot_be_imported_twice(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        uzum = await _marketplace(conn)
        insert = (
            "INSERT INTO orders (order_number, marketplace_id, marketplace_order_id, customer_name, customer_phone,"
            " subtotal, total) VALUES ($1, $2, 'UZ-777', 'Uzum', '-', 0, 0)"
        )
        await conn.execute(insert, "UZ-1", uzum)
        with pytest.raises(asyncpg.UniqueViolationError):
            await conn.execute(insert, "UZ-2", uzum)


async def test_channel_with_orders_cannot_be_deleted_but_products_cascade(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        uzum, product = await _marketplace(conn), await _product(conn)
        await conn.execute(
            "INSERT INTO orders (order_number, marketplace_id, customer_name, customer_phone, subtotal, total)"
            " VALUES ('UZ-1', $1, 'Uzum', '-', 0, 0)",
            uzum,
        )
        # PostgreSQL 15 reports this as a foreign key violation, 18 as a restrict violation.
        with pytest.raises((asyncpg.RestrictViolationError, asyncpg.ForeignKeyViolationError), match="orders"):
            await conn.execute("DELETE FROM marketplaces WHERE id = $1", uzum)
        await conn.execute("INSERT INTO inventory (product_id, quantity) VALUES ($1, 5)", product)
        await conn.execute("DELETE FROM products WHERE id = $1", product)
        assert await conn.fetchval("SELECT count(*) FROM inventory") == 0


async def test_updated_at_moves_on_update_and_timestamps_are_utc_aware(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        product = await _product(conn)
        created = await conn.fetchval("SELECT updated_at FROM products WHERE id = $1", product)
        await conn.execute("UPDATE products SET price = 2000 WHERE id = $1", product)
        updated = await conn.fetchval("SELECT updated_at FROM products WHERE id = $1", product)
    assert updated > created
    assert updated.tzinfo is not None and updated.utcoffset().total_seconds() == 0
