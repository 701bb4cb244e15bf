"""The demo's delivery zones keep its free-delivery banner true, never join a seller's own zones, and go with
the demo unless an order of the seller's went to one."""

from __future__ import annotations

from decimal import Decimal

import asyncpg

from core import checkout, delivery, orders
from core.unit_of_work import Effects
from demo.seeding import remove_demo, seed_demo
from tests.builders import make_product

ALI = orders.Customer("Ali Valiyev", "+998901112233", "Chilonzor 5")


async def test_the_demo_zones_make_delivery_in_tashkent_free_from_a_sum_and_are_seeded_once(
    pool: asyncpg.Pool, effects: Effects
) -> None:
    async with pool.acquire() as conn:
        await seed_demo(conn, effects)
        await seed_demo(conn, effects)
        zones = await delivery.zones(conn)

    assert [(z.name_uz, z.fee, z.free_from) for z in zones] == [
        ("Toshkent shahri", Decimal("20000.00"), Decimal("300000.00")),
        ("Toshkent viloyati", Decimal("35000.00"), Decimal("600000.00")),
        ("Boshqa viloyatlar", Decimal("50000.00"), None),
    ]
    assert zones[0].fee_for(Decimal("300000.00")) == 0, "the banner's free delivery, truthfully"


async def test_a_shop_with_its_own_zones_gets_none_of_the_demos(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as uow:
            await delivery.add(uow, "Samarqand", "Самарканд", Decimal(15000), None)
        await seed_demo(conn, effects)
        assert [z.name_uz for z in await delivery.zones(conn)] == ["Samarqand"]


async def test_removing_the_demo_takes_its_zones_but_one_a_sellers_order_went_to(
    pool: asyncpg.Pool, effects: Effects
) -> None:
    async with pool.acquire() as conn:
        await seed_demo(conn, effects)
        city = await conn.fetchval("SELECT id FROM delivery_zones WHERE name_uz = 'Toshkent shahri'")
        own = await checkout.own_store_channel(conn)
        async with effects.transaction(conn) as uow:
            mine = await make_product(uow, "MY-1", stock=5, price="50000")
            await orders.place(
                uow,
                orders.NewOrder(own, (orders.Line(mine, 1),), ALI, delivery_zone_id=city, delivery_fee=Decimal(20000)),
            )

        await remove_demo(conn, effects)

        assert [z.id for z in await delivery.zones(conn, active_only=False)] == [city]
