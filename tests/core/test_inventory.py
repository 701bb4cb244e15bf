"""The stock ledger: every change recorded, never below zero, visibility and alerts in step."""

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from core import catalog, holds, inventory, orders
from core.errors import OutOfStock, ValidationError
from core.inventory import Source
from core.unit_of_work import Effects
from tests.builders import make_channel, make_product, map_product, stock_of

ADMIN = Source("adjustment", notes="counted after delivery")


async def test_receive_records_movement_and_marks_every_mapping_for_push(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        product = await make_product(uow, "P-1", stock=0)
        for slug in ("uzum", "wildberries"):
            await map_product(conn, product, await make_channel(conn, slug, "api"), f"{slug}-1")
        await conn.execute("UPDATE marketplace_products SET pushed_version = stock_version")
        for _ in range(5):
            await inventory.receive(uow, product, 2, ADMIN)
        movements = await conn.fetch(
            "SELECT movement_type, quantity_change, quantity_before, quantity_after FROM inventory_movements"
            " WHERE product_id = $1 ORDER BY id",
            product,
        )
        due = await conn.fetch("SELECT stock_version - pushed_version AS behind FROM marketplace_products")
    assert [tuple(m) for m in movements] == [("receive", 2, 2 * i, 2 * i + 2) for i in range(5)]
    # Level-triggered: five changes leave each mapping due once, whatever the count of changes.
    assert [row["behind"] for row in due] == [5, 5]


async def test_adjustment_needs_a_reason_and_cannot_take_more_than_available(
    pool: asyncpg.Pool, effects: Effects
) -> None:
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        product = await make_product(uow, "P-1", stock=3)
        with pytest.raises(ValidationError, match="why"):
            await inventory.adjust(uow, product, -1, Source(notes="  "))
        with pytest.raises(OutOfStock) as error:
            await inventory.adjust(uow, product, -4, ADMIN)
        assert (error.value.requested, error.value.available) == (4, 3)
        assert await stock_of(conn, product) == (3, 0)
        assert await conn.fetchval("SELECT count(*) FROM inventory_movements WHERE movement_type = 'adjustment'") == 0
        level = await inventory.adjust(uow, product, -2, ADMIN)
    assert level.available == 1


async def test_stock_take_writes_the_difference_and_respects_reservations(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        product = await make_product(uow, "P-1", stock=10)
        await inventory.reserve(uow, product, 4, datetime.now(UTC) + timedelta(minutes=5), Source())
        with pytest.raises(ValidationError, match="4 units are reserved"):
            await inventory.set_count(uow, product, 3, ADMIN)
        level = await inventory.set_count(uow, product, 7, ADMIN)
        change = await conn.fetchval(
            "SELECT quantity_change FROM inventory_movements WHERE movement_type = 'stock_take'"
        )
    assert (level.quantity, level.reserved, level.available, change) == (7, 4, 3, -3)


async def test_product_hides_at_zero_and_returns_with_stock(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        product = await make_product(uow, "P-1", stock=2)
        active = "SELECT is_active, inactive_reason FROM products WHERE id = $1"
        assert tuple(await conn.fetchrow(active, product)) == (True, None)
        await inventory.sell(uow, product, 2, Source())
        assert tuple(await conn.fetchrow(active, product)) == (False, "out_of_stock")
        await inventory.receive(uow, product, 1, ADMIN)
        assert tuple(await conn.fetchrow(active, product)) == (True, None)


async def test_product_switched_off_by_admin_stays_off_when_stock_returns(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        product = await make_product(uow, "P-1", stock=1)
        assert await catalog.set_active(uow, product, False) is False
        await inventory.sell(uow, product, 1, Source())
        await inventory.receive(uow, product, 5, ADMIN)
        assert tuple(await conn.fetchrow("SELECT is_active, inactive_reason FROM products WHERE id = $1", product)) == (
            False,
            "admin",
        )
        # Switched back on, it shows at once since stock is there.
        assert await catalog.set_active(uow, product, True) is True


async def test_product_switched_on_without_stock_waits_hidden_until_stock_arrives(
    pool: asyncpg.Pool, effects: Effects
) -> None:
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        product = await make_product(uow, "P-1", stock=0)
        await catalog.set_active(uow, product, False)
        assert await catalog.set_active(uow, product, True) is False
        await inventory.receive(uow, product, 3, ADMIN)
        assert await conn.fetchval("SELECT is_active FROM products WHERE id = $1", product) is True


async def test_low_stock_alerts_once_per_crossing(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        product = await make_product(uow, "P-1", stock=10, threshold=5)
        for change in (-4, -1, -2, -3, +2, +2, +6, -5, -1):  # 6 5 3 0 2 4 10 5 4
            await inventory.adjust(uow, product, change, ADMIN)
        alerts = await conn.fetch("SELECT kind, payload FROM notifications ORDER BY id")
    assert [(a["kind"], a["payload"]["available"]) for a in alerts] == [
        ("stock_low", 5),
        ("stock_out", 0),
        ("stock_back", 2),
        ("stock_low", 5),
    ]
    assert alerts[0]["payload"]["sku"] == "P-1" and alerts[0]["payload"]["threshold"] == 5


async def test_reserved_units_are_not_available_until_released(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        product = await make_product(uow, "P-1", stock=3)
        hold, level = await inventory.reserve(uow, product, 3, datetime.now(UTC) + timedelta(minutes=15), Source())
        assert level.available == 0
        assert await conn.fetchval("SELECT is_active FROM products WHERE id = $1", product) is False
        with pytest.raises(OutOfStock):
            await inventory.sell(uow, product, 1, Source())
        released = await inventory.release(uow, hold, Source())
        assert released is not None and released.available == 3
        assert await inventory.release(uow, hold, Source()) is None, "releasing twice changes nothing"
        assert await stock_of(conn, product) == (3, 0)


async def test_commit_turns_a_hold_into_a_sale(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        product = await make_product(uow, "P-1", stock=5)
        hold, _ = await inventory.reserve(uow, product, 2, datetime.now(UTC) + timedelta(minutes=15), Source())
        level = await inventory.commit(uow, hold, Source())
        assert (level.quantity, level.reserved) == (3, 0)
        with pytest.raises(ValidationError, match="no longer held"):
            await inventory.commit(uow, hold, Source())
        rows = await conn.fetch("SELECT movement_type FROM inventory_movements ORDER BY id")
    kinds = [row["movement_type"] for row in rows]
    assert kinds == ["receive", "reserve", "sale"]


async def test_sweeper_releases_expired_holds_and_cancels_their_unpaid_orders(
    pool: asyncpg.Pool, effects: Effects
) -> None:
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as uow:
            shop = await make_channel(conn, "amazing-store", "own", prefix="AS")
            product = await make_product(uow, "P-1", stock=10)
            loose, _ = await inventory.reserve(uow, product, 1, datetime.now(UTC) - timedelta(seconds=1), Source())
            fresh, _ = await inventory.reserve(uow, product, 2, datetime.now(UTC) + timedelta(minutes=10), Source())
        async with effects.transaction(conn) as uow:
            unpaid = await orders.place(
                uow,
                orders.NewOrder(
                    shop,
                    (orders.Line(product, 3),),
                    orders.Customer("Ali", "+998901234567"),
                    hold_for_payment=True,
                ),
                reservation_ttl=timedelta(seconds=-1),
            )
        assert await stock_of(conn, product) == (10, 6)
        assert await holds.sweep_expired_holds(conn, effects) == 2, "the unpaid order and the loose hold"
        assert await stock_of(conn, product) == (10, 2)
        statuses = dict(await conn.fetch("SELECT id, status FROM stock_reservations"))
        assert statuses[loose] == "released" and statuses[fresh] == "held"
        assert await conn.fetchval("SELECT status FROM orders WHERE id = $1", unpaid.id) == "cancelled"
        assert await holds.sweep_expired_holds(conn, effects) == 0
