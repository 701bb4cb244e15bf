"""Cart, checkout and orders: what a customer does, and what stops them from buying what is not there."""

import asyncpg
from aiohttp.test_utils import TestClient

from core import inventory
from tests.builders import Shop
from tests.support import ADMIN, login
from webapp.keys import EFFECTS

BUYER = {"customer_name": "Aziza Karimova", "customer_phone": "90 123 45 67", "customer_address": "Toshkent"}
OTHER = {"id": 5002, "first_name": "Bobur", "language_code": "uz"}


async def _cart(client: TestClient, user: dict | None = None) -> dict:
    return await (await client.get("/api/cart", headers=login(client, *([user] if user else [])))).json()


async def test_cart_lines_totals_and_steppers(client: TestClient, shop: Shop) -> None:
    added = await client.post("/api/cart", json={"product_id": shop.phone, "quantity": 2}, headers=login(client))
    assert added.status == 200
    await client.post("/api/cart", json={"product_id": shop.shirt}, headers=login(client))
    cart = await _cart(client)
    assert [(i["product_id"], i["quantity"]) for i in cart["items"]] == [(shop.phone, 2), (shop.shirt, 1)]
    assert (cart["total_quantity"], cart["subtotal"], cart["has_changes"]) == (3, "6150000.00", False)
    line = cart["items"][1]["id"]
    stepped = await (await client.patch(f"/api/cart/{line}", json={"quantity": 4}, headers=login(client))).json()
    assert stepped["items"][1]["line_total"] == "600000.00"
    emptied_line = await (await client.delete(f"/api/cart/{line}", headers=login(client))).json()
    assert [i["product_id"] for i in emptied_line["items"]] == [shop.phone]
    assert (await (await client.delete("/api/cart", headers=login(client))).json())["items"] == []


async def test_quantity_above_available_is_409_with_the_available_count(client: TestClient, shop: Shop) -> None:
    response = await client.post("/api/cart", json={"product_id": shop.telefon, "quantity": 4}, headers=login(client))
    assert response.status == 409
    error = (await response.json())["error"]
    assert error["code"] == "out_of_stock" and error["details"]["available"] == 3
    zero = await client.post("/api/cart", json={"product_id": shop.telefon, "quantity": 0}, headers=login(client))
    assert zero.status == 422
    missing = await client.post("/api/cart", json={"product_id": 424242, "quantity": 1}, headers=login(client))
    assert missing.status == 404


async def test_checkout_places_the_order_empties_the_cart_and_takes_the_stock(
    client: TestClient, shop: Shop, pool: asyncpg.Pool
) -> None:
    await client.post("/api/cart", json={"product_id": shop.phone, "quantity": 2}, headers=login(client))
    await client.post("/api/cart", json={"product_id": shop.shirt, "quantity": 1}, headers=login(client))
    response = await client.post("/api/orders", json={**BUYER, "note": "after 18:00"}, headers=login(client))
    assert response.status == 201, await response.text()
    placed = await response.json()
    order = placed["order"]
    assert placed["invoice_url"] is None
    assert order["order_number"].startswith("AS-") and order["status"] == "pending"
    assert order["customer_phone"] == "+998901234567" and order["total"] == "6150000.00"
    assert [(i["product_id"], i["quantity"], i["price"]) for i in order["items"]] == [
        (shop.phone, 2, "3000000.00"),
        (shop.shirt, 1, "150000.00"),
    ]
    assert (await _cart(client))["items"] == []
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT quantity FROM inventory WHERE product_id = $1", shop.phone) == 3
        alert = await conn.fetchrow("SELECT payload FROM notifications WHERE kind = 'order_placed'")
        assert alert["payload"]["order_number"] == order["order_number"]
    history = await (await client.get("/api/orders", headers=login(client))).json()
    assert [o["id"] for o in history["items"]] == [order["id"]]


async def test_checkout_refuses_a_price_that_changed_then_accepts_it(client: TestClient, shop: Shop) -> None:
    await client.post("/api/cart", json={"product_id": shop.shirt, "quantity": 2}, headers=login(client))
    await client.put(f"/api/products/{shop.shirt}", json={"price": "180000"}, headers=login(client, ADMIN))
    assert (await _cart(client))["has_changes"] is True
    refused = await client.post("/api/orders", json=BUYER, headers=login(client))
    assert refused.status == 409
    [problem] = (await refused.json())["error"]["details"]["items"]
    assert (problem["problem"], problem["old_price"], problem["new_price"]) == (
        "price_changed",
        "150000.00",
        "180000.00",
    )
    # The customer has now seen the new price: placing again charges it.
    accepted = await client.post("/api/orders", json=BUYER, headers=login(client))
    assert accepted.status == 201
    assert (await accepted.json())["order"]["total"] == "360000.00"


async def test_checkout_when_stock_ran_out_meanwhile_is_409_and_keeps_the_cart(
    client: TestClient, shop: Shop, pool: asyncpg.Pool
) -> None:
    await client.post("/api/cart", json={"product_id": shop.telefon, "quantity": 3}, headers=login(client))
    async with pool.acquire() as conn, client.app[EFFECTS].transaction(conn) as uow:
        await inventory.adjust(uow, shop.telefon, -2, inventory.Source(notes="broken in the warehouse"))
    refused = await client.post("/api/orders", json=BUYER, headers=login(client))
    assert refused.status == 409
    [problem] = (await refused.json())["error"]["details"]["items"]
    assert (problem["problem"], problem["requested"], problem["available"]) == ("out_of_stock", 3, 1)
    assert [i["quantity"] for i in (await _cart(client))["items"]] == [3]


async def test_bad_checkout_input_is_refused_without_an_order(
    client: TestClient, shop: Shop, pool: asyncpg.Pool
) -> None:
    empty = await client.post("/api/orders", json=BUYER, headers=login(client))
    assert empty.status == 422 and "empty" in (await empty.json())["error"]["message"]
    await client.post("/api/cart", json={"product_id": shop.shirt}, headers=login(client))
    for body in (
        {**BUYER, "customer_phone": "12"},
        {**BUYER, "customer_phone": "+998 12"},
        {**BUYER, "customer_name": ""},
        {**BUYER, "payment_method": "barter"},
        {"customer_name": "x"},
    ):
        assert (await client.post("/api/orders", json=body, headers=login(client))).status == 422, body
    card = await client.post("/api/orders", json={**BUYER, "payment_method": "card"}, headers=login(client))
    assert card.status == 409 and (await card.json())["error"]["code"] == "card_payment_unavailable"
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM orders") == 0


async def test_another_customers_order_is_404_and_pending_orders_can_be_cancelled(
    client: TestClient, shop: Shop, pool: asyncpg.Pool
) -> None:
    await client.post("/api/cart", json={"product_id": shop.phone, "quantity": 1}, headers=login(client))
    order = (await (await client.post("/api/orders", json=BUYER, headers=login(client))).json())["order"]
    assert (await client.get(f"/api/orders/{order['id']}", headers=login(client, OTHER))).status == 404
    assert (await client.post(f"/api/orders/{order['id']}/cancel", headers=login(client, OTHER))).status == 404
    cancelled = await client.post(f"/api/orders/{order['id']}/cancel", headers=login(client))
    assert (await cancelled.json())["status"] == "cancelled"
    again = await client.post(f"/api/orders/{order['id']}/cancel", headers=login(client))
    assert again.status == 409
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT quantity FROM inventory WHERE product_id = $1", shop.phone) == 5


async def test_profile_phone_is_stored_as_e164(client: TestClient) -> None:
    response = await client.put(
        "/api/users/profile", json={"phone": "8 90 123 45 67", "language": "ru"}, headers=login(client)
    )
    user = (await response.json())["user"]
    assert (user["phone"], user["language"]) == ("+998901234567", "ru")
    bad = await client.put("/api/users/profile", json={"phone": "call me"}, headers=login(client))
    assert bad.status == 422
    assert (await client.put("/api/users/profile", json={"language": "en"}, headers=login(client))).status == 422


async def test_favorites_add_remove_replace_and_show_on_cards(client: TestClient, shop: Shop) -> None:
    assert (await (await client.post(f"/api/users/favorites/{shop.shirt}", headers=login(client))).json()) == {
        "favorites": [shop.shirt]
    }
    await client.post(f"/api/users/favorites/{shop.phone}", headers=login(client))
    listed = await (await client.get("/api/users/favorites", headers=login(client))).json()
    assert listed["favorites"] == [shop.phone, shop.shirt]
    assert all(item["is_favorite"] for item in listed["items"])
    cards = (await (await client.get("/api/products", headers=login(client))).json())["items"]
    assert {c["id"] for c in cards if c["is_favorite"]} == {shop.phone, shop.shirt}
    other_cards = (await (await client.get("/api/products", headers=login(client, OTHER))).json())["items"]
    assert not any(c["is_favorite"] for c in other_cards), "favorites are per customer, even from the cache"
    replaced = await client.put("/api/users/favorites", json={"product_ids": [shop.telefon]}, headers=login(client))
    assert (await replaced.json())["favorites"] == [shop.telefon]
    await client.delete(f"/api/users/favorites/{shop.telefon}", headers=login(client))
    profile = await (await client.get("/api/users/profile", headers=login(client))).json()
    assert profile["favorites"] == []
    unknown = await client.put("/api/users/favorites", json={"product_ids": [999999]}, headers=login(client))
    assert unknown.status == 404
