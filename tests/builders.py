"""Builders for test data, going through core like the product does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg

from core import catalog, categories, orders
from core.unit_of_work import Effects, UnitOfWork


async def make_channel(
    conn: asyncpg.Connection, slug: str, kind: str, *, commission: str | None = None, prefix: str | None = None
) -> int:
    return await conn.fetchval(
        "INSERT INTO marketplaces (name, slug, integration_type, default_commission_rate, order_prefix)"
        " VALUES ($1, $1, $2, $3, $4) RETURNING id",
        slug,
        kind,
        Decimal(commission) if commission else None,
        prefix,
    )


async def make_product(
    uow: UnitOfWork,
    sku: str,
    *,
    stock: int = 10,
    price: str = "100000",
    cost: str | None = "60000",
    sale_price: str | None = None,
    threshold: int = 5,
) -> int:
    return await catalog.create_product(
        uow,
        catalog.NewProduct(
            sku=sku,
            name_uz=f"Mahsulot {sku}",
            price=Decimal(price),
            cost_price=Decimal(cost) if cost else None,
            sale_price=Decimal(sale_price) if sale_price else None,
            initial_stock=stock,
        ),
        low_stock_threshold=threshold,
    )


async def map_product(
    conn: asyncpg.Connection,
    product_id: int,
    channel_id: int,
    listing: str,
    *,
    commission: str | None = None,
    price: str | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO marketplace_products (product_id, marketplace_id, marketplace_product_id, commission_rate,"
        " marketplace_price) VALUES ($1, $2, $3, $4, $5)",
        product_id,
        channel_id,
        listing,
        Decimal(commission) if commission else None,
        Decimal(price) if price else None,
    )


async def stock_of(conn: asyncpg.Connection, product_id: int) -> tuple[int, int]:
    row = await conn.fetchrow("SELECT quantity, reserved_quantity FROM inventory WHERE product_id = $1", product_id)
    return row["quantity"], row["reserved_quantity"]


@dataclass
class Shop:
    own: int
    phones: int
    electronics: int
    clothes: int
    phone: int
    telefon: int
    shirt: int


async def make_shop(pool: asyncpg.Pool, effects: Effects) -> Shop:
    """Two categories (Elektronika > Telefonlar, Kiyim), three products with stock, the own-store channel."""
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        own = await make_channel(conn, "amazing-store", "own", prefix="AS")
        electronics = await categories.create(
            uow, categories.CategoryFields(name_uz="Elektronika", name_ru="Электроника", sort_order=1)
        )
        phones = await categories.create(
            uow, categories.CategoryFields(name_uz="Telefonlar", name_ru="Телефоны", parent_id=electronics)
        )
        clothes = await categories.create(
            uow, categories.CategoryFields(name_uz="Kiyim", name_ru="Одежда", sort_order=2)
        )

        async def product(sku: str, name_uz: str, name_ru: str, category: int, price: str, stock: int) -> int:
            return await catalog.create_product(
                uow,
                catalog.NewProduct(
                    sku=sku,
                    name_uz=name_uz,
                    name_ru=name_ru,
                    category_id=category,
                    price=Decimal(price),
                    cost_price=Decimal(price) * Decimal("0.6"),
                    initial_stock=stock,
                ),
                low_stock_threshold=2,
            )

        phone = await product("PH-1", "Samsung Galaxy smartfoni", "Смартфон Samsung Galaxy", phones, "3000000", 5)
        telefon = await product("PH-2", "Oddiy tugmali qurilma", "Телефон кнопочный", phones, "250000", 3)
        shirt = await product("CL-1", "Ko'ylak ruchka bilan", "Рубашка", clothes, "150000", 10)
    return Shop(own, phones, electronics, clothes, phone, telefon, shirt)


async def make_order(
    pool: asyncpg.Pool, effects: Effects, channel_id: int, product_id: int, currency: str | None, days_ago: int = 0
) -> int:
    """One unit of a product sold on a channel `days_ago`, priced in `currency` (None: the base currency)."""
    order = orders.NewOrder(
        channel_id,
        (orders.Line(product_id, 1),),
        orders.Customer("Ali", "+998901234567"),
        placed_at=datetime.now(UTC) - timedelta(days=days_ago),
        currency=currency,
    )
    async with pool.acquire() as conn, effects.transaction(conn) as unit:
        return (await orders.place(unit, order)).id
