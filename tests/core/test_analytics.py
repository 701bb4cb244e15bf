"""Reports a seller reads: money per channel and product, stock health, waiting orders, customer value."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import asyncpg

from core import analytics, inventory, order_status, orders
from core.inventory import Source
from core.order_status import Status
from core.orders import Customer, Line, NewOrder
from core.unit_of_work import Effects
from tests.builders import make_channel, make_product, map_product

ALI = Customer("Ali", "+998901234567")


async def _place(conn: asyncpg.Connection, effects: Effects, order: NewOrder) -> orders.PlacedOrder:
    async with effects.transaction(conn) as uow:
        return await orders.place(uow, order)


def _today() -> tuple[date, date]:
    today = datetime.now(ZoneInfo(analytics.DEFAULT_TIMEZONE)).date()
    return today, today


async def test_sales_by_channel_counts_orders_and_stock_diff_sales_but_not_cancellations(
    pool: asyncpg.Pool, effects: Effects
) -> None:
    async with pool.acquire() as conn:
        shop = await make_channel(conn, "amazing-store", "own")
        olx = await make_channel(conn, "olx", "manual")
        uzum = await make_channel(conn, "uzum", "api", commission="10")
        async with effects.transaction(conn) as uow:
            phone = await make_product(uow, "PHONE", stock=20, price="1000000", cost="700000")
        await map_product(conn, phone, uzum, "UZ-PHONE", price="1100000")
        await _place(conn, effects, NewOrder(shop, (Line(phone, 2),), ALI))
        await _place(conn, effects, NewOrder(olx, (Line(phone, 1, price=Decimal("900000")),), ALI))
        cancelled = await _place(conn, effects, NewOrder(olx, (Line(phone, 5),), ALI))
        async with effects.transaction(conn) as uow:
            await order_status.change_status(uow, cancelled.id, Status.CANCELLED)
        async with effects.transaction(conn) as uow:  # learnt from Uzum's stock: 3 sold there, 1 came back
            await inventory.marketplace_sale(uow, phone, 3, Source("marketplace", marketplace_id=uzum))
            await inventory.marketplace_return(uow, phone, 1, Source("marketplace", marketplace_id=uzum))

        by_channel = {s.key: s for s in await analytics.sales_by_channel(conn, *_today())}

    assert set(by_channel) == {"amazing-store", "olx", "uzum"}
    own = by_channel["amazing-store"]
    assert (own.orders, own.units, own.revenue, own.cost, own.profit) == (
        1,
        2,
        Decimal("2000000.00"),
        Decimal("1400000.00"),
        Decimal("600000.00"),
    )
    assert own.margin == Decimal("30.00")
    manual = by_channel["olx"]
    assert (manual.orders, manual.units, manual.revenue, manual.profit) == (
        1,
        1,
        Decimal("900000.00"),
        Decimal("200000.00"),
    )
    marketplace = by_channel["uzum"]
    # 3 - 1 = 2 units at Uzum's price 1.1M, 10 % commission: 2.2M revenue, 1.4M cost, 220k commission.
    assert (marketplace.units, marketplace.revenue, marketplace.commission, marketplace.profit) == (
        2,
        Decimal("2200000.00"),
        Decimal("220000.00"),
        Decimal("580000.00"),
    )
    assert analytics.total(list(by_channel.values())).revenue == Decimal("5100000.00")


async def test_top_products_and_daily_metrics(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        olx = await make_channel(conn, "olx", "manual")
        async with effects.transaction(conn) as uow:
            cheap = await make_product(uow, "CHEAP", stock=50, price="1000", cost="500")
            dear = await make_product(uow, "DEAR", stock=5, price="500000", cost="400000")
        await _place(conn, effects, NewOrder(olx, (Line(cheap, 10), Line(dear, 1)), ALI))
        await _place(conn, effects, NewOrder(olx, (Line(cheap, 5),), ALI))
        top = await analytics.top_products(conn, *_today(), limit=5)
        days = await analytics.daily_metrics(conn, *_today())
    assert [(t.key, t.units, t.orders) for t in top] == [("DEAR", 1, 1), ("CHEAP", 15, 2)]
    assert sum(d.orders for d in days) == 2 and sum(d.revenue for d in days) == Decimal("515000.00")


async def test_inventory_status_pending_orders_and_customer_value(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        shop = await make_channel(conn, "amazing-store", "own")
        async with effects.transaction(conn) as uow:
            ok = await make_product(uow, "OK", stock=50)
            low = await make_product(uow, "LOW", stock=3, threshold=5)
            await make_product(uow, "OUT", stock=0)
        customer = await conn.fetchval("INSERT INTO users (telegram_id, first_name) VALUES (1, 'Ali') RETURNING id")
        first = await _place(conn, effects, NewOrder(shop, (Line(ok, 2),), ALI, user_id=customer))
        await _place(conn, effects, NewOrder(shop, (Line(low, 1),), ALI, user_id=customer))
        async with effects.transaction(conn) as uow:
            await order_status.change_status(uow, first.id, Status.CONFIRMED)

        status = {row.sku: row.stock_status for row in await analytics.inventory_status(conn)}
        low_only = [row.sku for row in await analytics.inventory_status(conn, status="low")]
        waiting = await analytics.pending_orders(conn)
        [value] = await analytics.customer_lifetime_value(conn)
    assert status == {"OK": "ok", "LOW": "low", "OUT": "out"} and low_only == ["LOW"]
    assert [w.status for w in waiting] == ["confirmed", "pending"]
    assert (value.orders, value.spent) == (2, Decimal("300000.00"))


async def test_profitability_follows_price_sale_price_and_cost(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as uow:
            product = await make_product(uow, "P", price="150000", cost="100000")
        read = "SELECT profitability_percentage FROM products WHERE id = $1"
        assert await conn.fetchval(read, product) == Decimal("50.00")
        await conn.execute("UPDATE products SET sale_price = 120000 WHERE id = $1", product)
        assert await conn.fetchval(read, product) == Decimal("20.00")
        await conn.execute("UPDATE products SET cost_price = 80000 WHERE id = $1", product)
        assert await conn.fetchval(read, product) == Decimal("50.00")


def test_a_local_day_is_bounded_in_the_sellers_time_zone() -> None:
    start, end = analytics.local_day_bounds(date(2026, 11, 21))
    assert start.astimezone(UTC) == datetime(2026, 11, 20, 19, 0, tzinfo=UTC)
    assert end - start == timedelta(days=1)
