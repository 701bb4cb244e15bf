"""Builders for test data, going through core like the product does."""

from __future__ import annotations

from decimal import Decimal

import asyncpg

from core import catalog


async def make_channel(
    conn: asyncpg.Connection, slug: str, kind: str, *, commission: str | None = None, prefix: str | None = None
) -> int:
    return await conn.fetchval(
        "INSERT INTO marketplaces (name, slug, integration_type, default_commission_rate, order_prefix)"
        " VALUES ($1, $1, $2, $3, $4) RETURNING id",
        slug, kind, Decimal(commission) if commission else None, prefix,
    )


async def make_product(
    conn: asyncpg.Connection,
    sku: str,
    *,
    stock: int = 10,
    price: str = "100000",
    cost: str | None = "60000",
    sale_price: str | None = None,
    threshold: int = 5,
) -> int:
    product_id, _ = await catalog.create_product(
        conn,
        catalog.NewProduct(
            sku=sku, name_uz=f"Mahsulot {sku}", price=Decimal(price), cost_price=Decimal(cost) if cost else None,
            sale_price=Decimal(sale_price) if sale_price else None, initial_stock=stock,
        ),
        low_stock_threshold=threshold,
    )
    return product_id


async def map_product(
    conn: asyncpg.Connection, product_id: int, channel_id: int, listing: str, *, commission: str | None = None,
    price: str | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO marketplace_products (product_id, marketplace_id, marketplace_product_id, commission_rate,"
        " marketplace_price) VALUES ($1, $2, $3, $4, $5)",
        product_id, channel_id, listing, Decimal(commission) if commission else None,
        Decimal(price) if price else None,
    )


async def stock_of(conn: asyncpg.Connection, product_id: int) -> tuple[int, int]:
    row = await conn.fetchrow("SELECT quantity, reserved_quantity FROM inventory WHERE product_id = $1", product_id)
    return row["quantity"], row["reserved_quantity"]
