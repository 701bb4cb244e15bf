"""Banners, live stock, and the edges: oversized and malformed bodies, rate limits, Redis going away."""

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from amazing_store.app import create_app
from core import counters, inventory
from core.embedded import ServiceUrls, embedded_redis
from core.settings import Settings
from tests.builders import Shop
from tests.support import changed, login
from webapp.keys import EFFECTS, REDIS


async def test_banners_respect_their_window_and_count_views_and_taps(client: TestClient, pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute(
            """
            INSERT INTO banners (title_uz, title_ru, image_url, link_type, link_url, sort_order, starts_at, ends_at)
            VALUES ('Hozir', 'Сейчас', '/app/a.svg', 'url', 'https://shop.uz', 2, NOW() - interval '1 day', NULL),
                   ('Birinchi', 'Первый', '/app/b.svg', NULL, NULL, 1, NULL, NOW() + interval '1 day'),
                   ('Kelajak', 'Будущее', '/app/c.svg', NULL, NULL, 0, NOW() + interval '1 day', NULL),
                   ('O''tgan', 'Прошлое', '/app/d.svg', NULL, NULL, 0, NULL, NOW() - interval '1 hour')
            """
        )
    shown = (await (await client.get("/api/banners?lang=ru", headers=login(client))).json())["items"]
    assert [b["title"] for b in shown] == ["Первый", "Сейчас"]
    await client.get("/api/banners", headers=login(client))
    assert (await client.post(f"/api/banners/{shown[1]['id']}/click", headers=login(client))).status == 204
    assert (await client.post("/api/banners/99999/click", headers=login(client))).status == 404
    async with pool.acquire() as conn:
        await counters.flush_views(conn, client.app[REDIS])
        rows = await conn.fetch("SELECT title_uz, view_count, click_count FROM banners ORDER BY id")
    assert [tuple(r) for r in rows] == [("Hozir", 2, 1), ("Birinchi", 2, 0), ("Kelajak", 0, 0), ("O'tgan", 0, 0)]


async def test_a_banner_speaks_the_readers_language_else_the_one_it_was_written_in(
    client: TestClient, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        await conn.execute(
            """
            INSERT INTO banners (title_uz, title_ru, image_url, sort_order)
            VALUES ('Chegirma', 'Скидки', '/app/a.svg', 0), (NULL, 'Только по-русски', '/app/b.svg', 1),
                   ('Faqat o''zbekcha', '', '/app/c.svg', 2)
            """
        )
    uz = (await (await client.get("/api/banners?lang=uz", headers=login(client))).json())["items"]
    ru = (await (await client.get("/api/banners?lang=ru", headers=login(client))).json())["items"]
    assert [b["title"] for b in uz] == ["Chegirma", "Только по-русски", "Faqat o'zbekcha"]
    assert [b["title"] for b in ru] == ["Скидки", "Только по-русски", "Faqat o'zbekcha"]


async def test_oversized_body_is_413_and_malformed_json_is_400(client: TestClient, shop: Shop) -> None:
    huge = await client.post(
        "/api/cart",
        data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
        headers={**login(client), "Content-Type": "application/json"},
    )
    assert huge.status == 413
    assert (await huge.json())["error"]["code"] == "body_too_large"
    broken = await client.post("/api/cart", data=b'{"product_id": ', headers=login(client))
    assert broken.status == 400 and (await broken.json())["error"]["code"] == "invalid_json"
    wrong = await client.post("/api/cart", json={"product_id": "many", "quantity": [1]}, headers=login(client))
    assert wrong.status == 422
    fields = {problem["field"] for problem in (await wrong.json())["error"]["details"]}
    assert fields == {"product_id", "quantity"}
    enormous = await client.post("/api/cart", json={"product_id": 10**30, "quantity": 10**30}, headers=login(client))
    assert enormous.status == 422


async def test_unknown_route_and_method_answer_json(client: TestClient) -> None:
    missing = await client.get("/api/nothing-here", headers=login(client))
    assert missing.status == 404 and (await missing.json())["error"]["code"] == "not_found"
    wrong_method = await client.patch("/api/banners", headers=login(client))
    assert wrong_method.status == 405
    huge_id = await client.get(f"/api/orders/{10**12}", headers=login(client))
    assert huge_id.status == 404


async def test_rate_limit_answers_429_with_retry_after(
    aiohttp_client: Callable[..., Any],
    settings: Settings,
    service_urls: ServiceUrls,
    pool: asyncpg.Pool,
    redis: Redis,
) -> None:
    client = await aiohttp_client(create_app(changed(settings, bot_token=None, api_rate_limit=5), service_urls))
    statuses = [(await client.get("/api/cart", headers=login(client))).status for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2
    limited = await client.get("/api/cart", headers=login(client))
    assert int(limited.headers["Retry-After"]) >= 1
    other = await client.get("/api/cart", headers=login(client, {"id": 77, "first_name": "Other"}))
    assert other.status == 200, "the limit is per customer"


async def test_live_stock_streams_changes_of_the_watched_products(
    client: TestClient, shop: Shop, pool: asyncpg.Pool
) -> None:
    response = await client.get(f"/api/events?products={shop.phone},{shop.shirt}", headers=login(client))
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/event-stream")
    assert await response.content.readline() == b": connected\n"
    await response.content.readline()
    await asyncio.sleep(0.2)  # let the subscription settle before publishing
    async with pool.acquire() as conn, client.app[EFFECTS].transaction(conn) as uow:
        await inventory.receive(uow, shop.telefon, 1, inventory.Source(notes="x"))
        await inventory.sell(uow, shop.phone, 2, inventory.Source(notes="x"))
    lines = [await asyncio.wait_for(response.content.readline(), 5) for _ in range(2)]
    assert lines[0] == b"event: stock\n"
    assert json.loads(lines[1].removeprefix(b"data: ")) == {
        "product_id": shop.phone,
        "available": 3,
        "price": "3000000.00",
    }
    response.close()
    bad = await client.get("/api/events?products=1;DROP", headers=login(client))
    assert bad.status == 422


async def test_catalog_keeps_answering_from_the_database_when_redis_stops(
    aiohttp_client: Callable[..., Any], settings: Settings, service_urls: ServiceUrls, shop: Shop, tmp_path: Path
) -> None:
    with embedded_redis(tmp_path / "doomed") as doomed:
        client = await aiohttp_client(
            create_app(changed(settings, bot_token=None), ServiceUrls(service_urls.database_url, doomed))
        )
        assert (await client.get("/api/products", headers=login(client))).status == 200
    for path in ("/api/products", f"/api/products/{shop.phone}", "/api/categories", "/api/banners", "/api/cart"):
        response = await client.get(path, headers=login(client))
        assert response.status == 200, path
    listing = await (await client.get("/api/products", headers=login(client))).json()
    assert listing["total"] == 3
    added = await client.post("/api/cart", json={"product_id": shop.shirt}, headers=login(client))
    assert added.status == 200
