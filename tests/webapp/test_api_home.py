"""The home screen's rows and badges, and "Notify me": best sellers from real recent sales, the sale's "−N %",
and a customer's wish to hear when a sold-out product is back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
from aiohttp.test_utils import TestClient

from core import catalog, inventory, order_status, orders
from core.inventory import Source
from core.order_status import Status
from tests.builders import Shop, make_channel
from tests.support import login
from webapp.keys import EFFECTS


async def _best_sellers(client: TestClient) -> list[str]:
    response = await client.get("/api/products/best-sellers?lang=uz", headers=login(client))
    assert response.status == 200, await response.text()
    return [item["name"] for item in (await response.json())["items"]]


async def _sell(
    client: TestClient, pool: asyncpg.Pool, channel: int, product_id: int, quantity: int, days_ago: int = 0
) -> int:
    order = orders.NewOrder(
        channel,
        (orders.Line(product_id, quantity),),
        orders.Customer("Ali", "+998901234567"),
        placed_at=datetime.now(UTC) - timedelta(days=days_ago),
    )
    async with pool.acquire() as conn, client.app[EFFECTS].transaction(conn) as uow:
        return (await orders.place(uow, order)).id


async def _stock(client: TestClient, pool: asyncpg.Pool, product_id: int, change: int) -> None:
    async with pool.acquire() as conn, client.app[EFFECTS].transaction(conn) as uow:
        await inventory.adjust(uow, product_id, change, Source("adjustment", notes="test"))


async def test_best_sellers_rank_the_last_30_days_of_every_channel(
    client: TestClient, pool: asyncpg.Pool, shop: Shop
) -> None:
    assert await _best_sellers(client) == [], "a shop without sales has no row"
    async with pool.acquire() as conn:
        uzum = await make_channel(conn, "uzum", "manual", prefix="UZ")
    await _sell(client, pool, shop.own, shop.shirt, 2)
    await _sell(client, pool, uzum, shop.phone, 3)  # a marketplace's sale counts as much as our own
    await _stock(client, pool, shop.telefon, +5)
    await _sell(client, pool, shop.own, shop.telefon, 1)
    await _sell(client, pool, shop.own, shop.telefon, 3, days_ago=40)  # too long ago
    cancelled = await _sell(client, pool, shop.own, shop.telefon, 3)
    async with pool.acquire() as conn, client.app[EFFECTS].transaction(conn) as uow:
        await order_status.change_status(uow, cancelled, Status.CANCELLED)

    assert await _best_sellers(client) == ["Samsung Galaxy smartfoni", "Ko'ylak ruchka bilan", "Oddiy tugmali qurilma"]

    await _stock(client, pool, shop.phone, -2)  # sold out: nothing to buy, so not offered
    assert await _best_sellers(client) == ["Ko'ylak ruchka bilan", "Oddiy tugmali qurilma"]


async def test_a_sale_price_shows_its_discount_on_cards_and_the_product_page(
    client: TestClient, pool: asyncpg.Pool, shop: Shop
) -> None:
    async with pool.acquire() as conn, client.app[EFFECTS].transaction(conn) as uow:
        await catalog.update_product(uow, shop.phone, {"sale_price": Decimal("2550000")})

    listing = await (await client.get("/api/products?sort=price_desc", headers=login(client))).json()
    assert [(item["sku"], item["discount_percent"]) for item in listing["items"]] == [
        ("PH-1", 15),
        ("PH-2", None),
        ("CL-1", None),
    ]
    page = await (await client.get(f"/api/products/{shop.phone}?lang=ru", headers=login(client))).json()
    assert (page["price"], page["display_price"], page["discount_percent"]) == ("3000000.00", "2550000.00", 15)


async def test_notify_me_is_for_sold_out_products_and_remembered_per_customer(
    client: TestClient, pool: asyncpg.Pool, shop: Shop
) -> None:
    url = f"/api/products/{shop.telefon}/notify-me"
    in_stock = await client.post(url, headers=login(client))
    assert in_stock.status == 409 and (await in_stock.json())["error"]["code"] == "product_in_stock"

    await _stock(client, pool, shop.telefon, -3)
    page = await (await client.get(f"/api/products/{shop.telefon}", headers=login(client))).json()
    assert page["in_stock"] is False and page["back_in_stock_requested"] is False

    asked = await client.post(url, headers=login(client))
    assert asked.status == 200 and await asked.json() == {"requested": True}
    assert (await client.post(url, headers=login(client))).status == 200, "asking twice is asking once"
    page = await (await client.get(f"/api/products/{shop.telefon}", headers=login(client))).json()
    assert page["back_in_stock_requested"] is True
    assert await pool.fetchval("SELECT count(*) FROM back_in_stock_requests") == 1

    withdrawn = await client.delete(url, headers=login(client))
    assert await withdrawn.json() == {"requested": False}
    assert await pool.fetchval("SELECT count(*) FROM back_in_stock_requests") == 0

    unknown = await client.post("/api/products/999999/notify-me", headers=login(client))
    assert unknown.status == 404
