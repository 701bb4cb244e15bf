"""Delivery zones at checkout: the customer must choose one when the shop has zones, the fee is the server's
(free from the zone's threshold), it is in the order's total and its revenue; a switched-off zone is refused;
a shop without zones checks out as before. Card payment is offered only when it can be taken."""

from decimal import Decimal

import asyncpg
from aiohttp.test_utils import TestClient

from core import delivery, reports
from core.delivery import ZoneField
from core.unit_of_work import Effects
from tests.builders import Shop
from tests.support import login

BUYER = {"customer_name": "Aziza Karimova", "customer_phone": "90 123 45 67", "customer_address": "Chilonzor 5"}


async def _zone(
    pool: asyncpg.Pool, effects: Effects, name_uz: str, name_ru: str, fee: str, free_from: str | None = None
) -> int:
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        zone = await delivery.add(uow, name_uz, name_ru, Decimal(fee), None)
        if free_from is not None:
            await delivery.set_field(uow, zone.id, ZoneField.FREE_FROM, Decimal(free_from), None)
        await delivery.set_field(uow, zone.id, ZoneField.TIME_UZ, "1 kun", None)
        await delivery.set_field(uow, zone.id, ZoneField.TIME_RU, "1 день", None)
    return zone.id


async def _order(client: TestClient, body: dict, lang: str = "uz") -> tuple[int, dict]:
    response = await client.post(f"/api/orders?lang={lang}", json=body, headers=login(client))
    return response.status, await response.json()


async def test_a_shop_without_zones_states_no_terms_and_checks_out_without_a_fee(
    client: TestClient, shop: Shop, pool: asyncpg.Pool
) -> None:
    terms = await (await client.get("/api/delivery", headers=login(client))).json()
    assert terms == {"currency": "UZS", "zones": []}
    await client.post("/api/cart", json={"product_id": shop.shirt}, headers=login(client))
    status, placed = await _order(client, BUYER)
    assert status == 201, placed
    order = placed["order"]
    assert (order["delivery_zone"], order["delivery_fee"], order["total"]) == (None, "0.00", "150000.00")


async def test_delivery_terms_list_the_zones_switched_on_cheapest_first_in_the_customers_language(
    client: TestClient, shop: Shop, pool: asyncpg.Pool, effects: Effects
) -> None:
    region = await _zone(pool, effects, "Toshkent viloyati", "Ташкентская область", "35000")
    city = await _zone(pool, effects, "Toshkent shahri", "город Ташкент", "20000", free_from="300000")
    closed = await _zone(pool, effects, "Samarqand", "Самарканд", "50000")
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        await delivery.switch(uow, closed, False, None)

    terms = await (await client.get("/api/delivery?lang=ru", headers=login(client))).json()

    assert terms["zones"] == [
        {"id": city, "name": "город Ташкент", "fee": "20000.00", "free_from": "300000.00", "delivery_time": "1 день"},
        {"id": region, "name": "Ташкентская область", "fee": "35000.00", "free_from": None, "delivery_time": "1 день"},
    ]


async def test_with_zones_the_customer_must_choose_one_and_nothing_is_written_until_then(
    client: TestClient, shop: Shop, pool: asyncpg.Pool, effects: Effects
) -> None:
    await _zone(pool, effects, "Toshkent shahri", "город Ташкент", "20000")
    await client.post("/api/cart", json={"product_id": shop.shirt}, headers=login(client))

    status, refused = await _order(client, BUYER)

    assert status == 422
    assert refused["error"]["code"] == "validation_error"
    assert refused["error"]["details"] == {"field": "delivery_zone_id"}
    assert await pool.fetchval("SELECT count(*) FROM orders") == 0
    cart = await (await client.get("/api/cart", headers=login(client))).json()
    assert [item["product_id"] for item in cart["items"]] == [shop.shirt]


async def test_the_fee_is_the_servers_and_the_total_includes_it(
    client: TestClient, shop: Shop, pool: asyncpg.Pool, effects: Effects
) -> None:
    city = await _zone(pool, effects, "Toshkent shahri", "город Ташкент", "20000", free_from="300000")
    await client.post("/api/cart", json={"product_id": shop.shirt}, headers=login(client))

    # A page that claims free delivery and a smaller total changes nothing: both are computed here.
    status, placed = await _order(
        client, {**BUYER, "delivery_zone_id": city, "delivery_fee": "0", "total": "150000"}, lang="ru"
    )

    assert status == 201, placed
    order = placed["order"]
    assert (order["subtotal"], order["delivery_fee"], order["total"]) == ("150000.00", "20000.00", "170000.00")
    assert order["delivery_zone"] == "город Ташкент"
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT delivery_zone_id, delivery_fee, total FROM orders")
        alert = await conn.fetchval("SELECT payload FROM notifications WHERE kind = 'order_placed'")
    assert tuple(row) == (city, Decimal("20000.00"), Decimal("170000.00"))
    assert (alert["delivery_zone"], alert["delivery_fee"], alert["total"]) == (
        "Toshkent shahri",
        "20000.00",
        "170000.00",
    )
    history = await (await client.get("/api/orders?lang=uz", headers=login(client))).json()
    assert [(o["delivery_zone"], o["total"]) for o in history["items"]] == [("Toshkent shahri", "170000.00")]


async def test_from_the_threshold_on_delivery_is_free(
    client: TestClient, shop: Shop, pool: asyncpg.Pool, effects: Effects
) -> None:
    city = await _zone(pool, effects, "Toshkent shahri", "город Ташкент", "20000", free_from="300000")
    await client.post("/api/cart", json={"product_id": shop.shirt, "quantity": 2}, headers=login(client))

    status, placed = await _order(client, {**BUYER, "delivery_zone_id": city})

    assert status == 201, placed
    assert (placed["order"]["delivery_fee"], placed["order"]["total"]) == ("0.00", "300000.00")


async def test_a_switched_off_zone_is_refused_and_the_cart_stays(
    client: TestClient, shop: Shop, pool: asyncpg.Pool, effects: Effects
) -> None:
    city = await _zone(pool, effects, "Toshkent shahri", "город Ташкент", "20000")
    await _zone(pool, effects, "Toshkent viloyati", "Ташкентская область", "35000")
    await client.post("/api/cart", json={"product_id": shop.shirt}, headers=login(client))
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        await delivery.switch(uow, city, False, None)

    status, refused = await _order(client, {**BUYER, "delivery_zone_id": city})
    unknown, _ = await _order(client, {**BUYER, "delivery_zone_id": 424242})

    assert (status, refused["error"]["code"], unknown) == (409, "delivery_zone_unavailable", 409)
    assert await pool.fetchval("SELECT count(*) FROM orders") == 0
    cart = await (await client.get("/api/cart", headers=login(client))).json()
    assert len(cart["items"]) == 1


async def test_the_fee_is_revenue_of_the_order_in_the_report(
    client: TestClient, shop: Shop, pool: asyncpg.Pool, effects: Effects
) -> None:
    city = await _zone(pool, effects, "Toshkent shahri", "город Ташкент", "20000")
    await client.post("/api/cart", json={"product_id": shop.shirt}, headers=login(client))
    status, _ = await _order(client, {**BUYER, "delivery_zone_id": city})
    assert status == 201

    today = reports.local_today()
    async with pool.acquire() as conn:
        report = await reports.build(conn, reports.between(today, today))

    [own] = report.channels
    # The shirt's 150 000 and the delivery's 20 000; the cost is the shirt's 90 000 alone.
    assert (own.revenue, own.cost, own.profit) == (Decimal("170000.00"), Decimal("90000.00"), Decimal("80000.00"))


async def test_card_payment_is_offered_only_when_it_can_be_taken(client: TestClient, shop: Shop) -> None:
    profile = await (await client.get("/api/shop", headers=login(client))).json()
    assert profile["card_payment"] is False  # no payment provider (and no bot) here

    await client.post("/api/cart", json={"product_id": shop.shirt}, headers=login(client))
    status, refused = await _order(client, {**BUYER, "payment_method": "card"})

    assert (status, refused["error"]["code"]) == (409, "card_payment_unavailable")
