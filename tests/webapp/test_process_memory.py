"""What each process keeps in memory to answer fast (catalog pages, favorites, verified callers, request
budgets) never shows a customer something stale for long, nor lets anyone past a limit or a revoked right."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from amazing_store.app import create_app
from core import users
from core.embedded import ServiceUrls
from core.settings import Settings
from tests.builders import Shop
from tests.support import ADMIN, CUSTOMER, changed, login, well_inside_a_budget_window

PUB_SUB_PATIENCE_SECONDS = 3.0


@pytest.fixture
async def replica(
    aiohttp_client: Callable[..., Any], settings: Settings, service_urls: ServiceUrls, client: TestClient
) -> TestClient:
    """A second process on the same database and Redis (its own memory, its own demo signing token)."""
    return await aiohttp_client(create_app(changed(settings, bot_token=None, admin_ids=[ADMIN["id"]]), service_urls))


async def _eventually(check: Callable[[], Awaitable[bool]]) -> bool:
    deadline = asyncio.get_running_loop().time() + PUB_SUB_PATIENCE_SECONDS
    while asyncio.get_running_loop().time() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.05)
    return False


async def _listing(client: TestClient) -> dict[int, dict[str, Any]]:
    response = await client.get("/api/products?sort=new", headers=login(client))
    assert response.status == 200
    return {item["id"]: item for item in (await response.json())["items"]}


async def test_an_edit_on_one_replica_reaches_the_others_memory(
    client: TestClient, replica: TestClient, shop: Shop
) -> None:
    assert (await _listing(client))[shop.phone]["price"] != "777000.00"
    edited = await replica.put(
        f"/api/products/{shop.phone}", json={"price": "777000.00", "sale_price": None}, headers=login(replica, ADMIN)
    )
    assert edited.status == 200
    assert (await _listing(replica))[shop.phone]["price"] == "777000.00", "the editing replica sees it at once"

    async def fresh() -> bool:
        return (await _listing(client))[shop.phone]["price"] == "777000.00"

    assert await _eventually(fresh), "the other replica kept serving the old price from memory"


async def test_a_heart_set_on_one_replica_shows_on_the_other(
    client: TestClient, replica: TestClient, shop: Shop
) -> None:
    assert not (await _listing(client))[shop.shirt]["is_favorite"]
    assert (await replica.post(f"/api/users/favorites/{shop.shirt}", headers=login(replica))).status == 200

    async def hearted() -> bool:
        return (await _listing(client))[shop.shirt]["is_favorite"]

    assert await _eventually(hearted)
    assert (await client.delete(f"/api/users/favorites/{shop.shirt}", headers=login(client))).status == 200
    assert not (await _listing(client))[shop.shirt]["is_favorite"], "the replica that changed it sees it at once"


async def test_a_revoked_admin_is_refused_at_once_while_browsing_goes_on(
    client: TestClient, shop: Shop, pool: asyncpg.Pool
) -> None:
    headers = login(client, CUSTOMER)
    assert (await client.post("/api/users/validate", headers=headers)).status == 200
    async with pool.acquire() as conn:
        await users.set_admin(conn, CUSTOMER["id"], True)
    change = {"price": "999.00"}
    assert (await client.put(f"/api/products/{shop.phone}", json=change, headers=headers)).status == 200
    assert (await client.get("/api/products", headers=headers)).status == 200
    async with pool.acquire() as conn:
        await users.set_admin(conn, CUSTOMER["id"], False)
    assert (await client.put(f"/api/products/{shop.phone}", json=change, headers=headers)).status == 403
    assert (await client.get("/api/products", headers=headers)).status == 200


LIMIT = 20


@pytest.fixture
async def limited(
    aiohttp_client: Callable[..., Any], settings: Settings, service_urls: ServiceUrls, pool: Any, redis: Any
) -> tuple[TestClient, TestClient]:
    """Two replicas, started after the database was emptied: their jobs must not race the fixture's TRUNCATE."""

    def app() -> Any:
        return create_app(changed(settings, bot_token=None, api_rate_limit=LIMIT), service_urls)

    return await aiohttp_client(app()), await aiohttp_client(app())


async def test_the_request_budget_is_per_customer_and_shared_by_replicas(
    limited: tuple[TestClient, TestClient], shop: Shop
) -> None:
    first, second = limited
    await well_inside_a_budget_window()
    answers = [(await first.get("/api/cart", headers=login(first))).status for _ in range(LIMIT + 1)]
    assert answers == [200] * LIMIT + [429]
    refused = await first.get("/api/cart", headers=login(first))
    assert int(refused.headers["Retry-After"]) in range(1, 62), "at most the rest of the minute"
    assert (await refused.json())["error"]["code"] == "rate_limited"
    other_customer = login(first, {**CUSTOMER, "id": CUSTOMER["id"] + 1})
    assert (await first.get("/api/cart", headers=other_customer)).status == 200, "budgets are per customer"

    # The second replica learns the total from Redis within a share or two (0.5 s each) and then refuses,
    # well before it has counted a whole budget of its own.
    granted = 0
    while (await second.get("/api/cart", headers=login(second))).status == 200:
        granted += 1
        await asyncio.sleep(0.1)
    assert granted < LIMIT, "the second replica never heard what the first had counted"
