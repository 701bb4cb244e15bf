"""remove_demo: the demo goes in one call, and everything the seller added beside it stays."""

from __future__ import annotations

from decimal import Decimal

import asyncpg

from core import catalog, orders
from core.unit_of_work import Effects
from demo.seeding import remove_demo, seed_demo
from tests.builders import make_channel

ALI = orders.Customer("Ali Valiyev", "+998901112233")


async def test_removing_the_demo_keeps_the_sellers_products_orders_and_channels(
    pool: asyncpg.Pool, effects: Effects
) -> None:
    async with pool.acquire() as conn:
        await seed_demo(conn, effects)
        electronics = await conn.fetchval("SELECT id FROM categories WHERE name_uz = 'Elektronika'")
        demo_product = await conn.fetchval("SELECT id FROM products WHERE is_demo ORDER BY id LIMIT 1")
        own = await conn.fetchval("SELECT id FROM marketplaces WHERE integration_type = 'own'")
        async with effects.transaction(conn) as uow:
            instagram = await make_channel(conn, "instagram", "manual")
            # The seller files a product under a demo category: that category is the seller's now too.
            mine = await catalog.create_product(
                uow,
                catalog.NewProduct(
                    sku="MY-1",
                    name_uz="Mening mahsulotim",
                    price=Decimal(50000),
                    category_id=electronics,
                    initial_stock=5,
                ),
                low_stock_threshold=2,
            )
            seller_order = await orders.place(
                uow,
                orders.NewOrder(
                    instagram, (orders.Line(mine, 1, Decimal(50000)), orders.Line(demo_product, 1, Decimal(1))), ALI
                ),
            )
            trial_order = await orders.place(uow, orders.NewOrder(own, (orders.Line(demo_product, 1),), ALI))

        removed = await remove_demo(conn, effects)

        assert removed.orders == 1 and removed.products > 200 and removed.banners > 0
        assert await conn.fetchval("SELECT count(*) FROM products WHERE is_demo") == 0
        assert [r["sku"] for r in await conn.fetch("SELECT sku FROM products")] == ["MY-1"]
        assert await conn.fetchval("SELECT quantity FROM inventory WHERE product_id = $1", mine) == 4
        kept = await conn.fetch(
            "SELECT o.id, i.product_id FROM orders o JOIN order_items i ON i.order_id = o.id ORDER BY i.id"
        )
        # The demo product's line stays on the seller's order, its snapshot without the product.
        assert {(r["id"], r["product_id"]) for r in kept} == {(seller_order.id, mine), (seller_order.id, None)}
        assert trial_order.id not in {r["id"] for r in kept}
        channels = {r["slug"] for r in await conn.fetch("SELECT slug FROM marketplaces")}
        assert channels == {"amazing-store", "instagram", "uzum", "wildberries", "ozon", "yandex"}
        assert [r["name_uz"] for r in await conn.fetch("SELECT name_uz FROM categories")] == ["Elektronika"]
        assert await conn.fetchval("SELECT count(*) FROM banners") == 0

        assert await remove_demo(conn, effects) == type(removed)(0, 0, 0, 0, 0)
