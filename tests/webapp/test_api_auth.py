"""Mini App login: only init data signed for our bot, and fresh, gets in."""

import time

from aiohttp.test_utils import TestClient

from tests.builders import Shop
from tests.support import ADMIN, CUSTOMER, login
from webapp.initdata import sign_init_data


async def test_validate_registers_the_customer_from_telegram(client: TestClient) -> None:
    response = await client.post("/api/users/validate", headers=login(client, {**CUSTOMER, "language_code": "ru"}))
    assert response.status == 200
    body = await response.json()
    assert body["user"]["telegram_id"] == CUSTOMER["id"] and body["user"]["first_name"] == "Aziza"
    assert body["user"]["language"] == "ru" and body["favorites"] == [] and body["is_admin"] is False


async def test_forged_hash_is_401(client: TestClient) -> None:
    forged = sign_init_data("123:someone-elses-bot", CUSTOMER)
    response = await client.get("/api/cart", headers={"Authorization": f"tma {forged}"})
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthorized"


async def test_tampered_user_is_401(client: TestClient) -> None:
    signed = login(client)["Authorization"]
    tampered = signed.replace("Aziza", "Mallory")
    assert (await client.get("/api/cart", headers={"Authorization": tampered})).status == 401


async def test_stale_and_future_init_data_are_401(client: TestClient) -> None:
    stale = login(client, auth_date=int(time.time()) - 2 * 86400)
    future = login(client, auth_date=int(time.time()) + 3600)
    for headers in (stale, future):
        response = await client.get("/api/cart", headers=headers)
        assert response.status == 401
    assert "expired" in (await (await client.get("/api/cart", headers=stale)).json())["error"]["message"]


async def test_missing_or_wrong_scheme_is_401(client: TestClient) -> None:
    assert (await client.get("/api/cart")).status == 401
    bearer = {"Authorization": login(client)["Authorization"].replace("tma", "Bearer")}
    assert (await client.get("/api/cart", headers=bearer)).status == 401


async def test_health_and_openapi_need_no_login(client: TestClient) -> None:
    assert (await client.get("/healthz")).status == 200
    document = await (await client.get("/api/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    assert {"/api/products", "/api/cart", "/api/orders", "/api/orders/{order_id}/cancel"} <= set(document["paths"])


async def test_customer_on_admin_route_is_403_and_admin_gets_through(client: TestClient, shop: Shop) -> None:
    change = {"price": "999.00"}
    refused = await client.put(f"/api/products/{shop.phone}", json=change, headers=login(client))
    assert refused.status == 403
    assert (await refused.json())["error"]["code"] == "forbidden"
    allowed = await client.put(f"/api/products/{shop.phone}", json=change, headers=login(client, ADMIN))
    assert allowed.status == 200 and (await allowed.json())["price"] == "999.00"
