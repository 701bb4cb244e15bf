"""What an operator reads: /metrics in Prometheus format, request ids, and log lines without secrets."""

import io
import json
import logging
import re
from collections.abc import Callable
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from amazing_store.app import create_app
from core import logs
from core.embedded import ServiceUrls, free_port
from core.settings import Settings
from tests.builders import Shop
from tests.support import changed, login
from webapp.observability import METRICS_RUNNER

SCRAPE_TOKEN = "scrape-token-7f3a9c"


@pytest.fixture
async def scraped(
    aiohttp_client: Callable[..., Any], settings: Settings, service_urls: ServiceUrls, pool: asyncpg.Pool, redis: Redis
) -> TestClient:
    """The web face with METRICS_TOKEN set, so that /metrics answers on the public port to a scrape carrying it."""
    return await aiohttp_client(create_app(changed(settings, bot_token=None, metrics_token=SCRAPE_TOKEN), service_urls))


async def test_metrics_count_http_traffic_orders_and_backlogs(
    scraped: TestClient, shop: Shop, pool: asyncpg.Pool
) -> None:
    client = scraped
    assert (await client.get("/api/products", headers=login(client))).status == 200
    assert (await client.get("/api/cart")).status == 401
    await client.post("/api/cart", json={"product_id": shop.shirt}, headers=login(client))
    assert (
        await client.post(
            "/api/orders", json={"customer_name": "Aziza", "customer_phone": "+998901234567"}, headers=login(client)
        )
    ).status == 201
    response = await client.get("/metrics", headers={"Authorization": f"Bearer {SCRAPE_TOKEN}"})
    text = await response.text()
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/plain")
    assert 'http_requests_total{method="GET",route="/api/products",status="200"} 1.0' in text
    assert 'http_requests_total{method="GET",route="/api/cart",status="401"} 1.0' in text
    assert 'http_request_duration_seconds_bucket{le="0.5",method="GET",route="/api/products"}' in text
    assert 'amazing_orders_total{channel="amazing-store"} 1.0' in text
    assert "amazing_outbox_backlog 2.0" in text  # the admins' and the customer's new-order news, unsent (no bot)
    assert 'amazing_webhook_backlog{status="pending"} 0.0' in text
    assert "amazing_database_up 1.0" in text


async def test_public_metrics_are_not_found_without_a_token_setting(client: TestClient) -> None:
    assert (await client.get("/metrics")).status == 404
    assert (await client.get("/metrics", headers={"Authorization": "Bearer "})).status == 404


async def test_public_metrics_answer_only_a_scrape_carrying_the_token(scraped: TestClient) -> None:
    for wrong in ("", "Bearer", "Bearer scrape-token-7f3a9", f"Bearer {SCRAPE_TOKEN}x", f"Basic {SCRAPE_TOKEN}"):
        answer = await scraped.get("/metrics", headers={"Authorization": wrong} if wrong else {})
        assert answer.status == 404, wrong
        assert "http_requests" not in await answer.text()
    right = await scraped.get("/metrics", headers={"Authorization": f"Bearer {SCRAPE_TOKEN}"})
    assert right.status == 200 and "amazing_database_up 1.0" in await right.text()


async def test_metrics_port_serves_metrics_on_loopback_only(
    aiohttp_client: Callable[..., Any], settings: Settings, service_urls: ServiceUrls, pool: asyncpg.Pool, redis: Redis
) -> None:
    port = free_port()
    client: TestClient = await aiohttp_client(
        create_app(changed(settings, bot_token=None, metrics_port=port), service_urls)
    )
    assert (await client.get("/healthz")).status == 200
    assert (await client.get("/metrics")).status == 404, "the public port keeps it hidden"
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as scrape:
        text = await scrape.text()
    assert scrape.status == 200 and scrape.headers["Content-Type"].startswith("text/plain")
    assert 'http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert "amazing_database_up 1.0" in text
    assert client.app[METRICS_RUNNER].addresses == [("127.0.0.1", port)], "reached from this machine only"


async def test_every_answer_carries_a_request_id(client: TestClient) -> None:
    given = await client.get("/healthz", headers={"X-Request-Id": "trace-42"})
    made = await client.get("/healthz")
    odd = await client.get("/healthz", headers={"X-Request-Id": "bad id; with {braces}"})
    assert given.headers["X-Request-Id"] == "trace-42"
    made_too = await client.get("/healthz")
    assert made.headers["X-Request-Id"] != made_too.headers["X-Request-Id"], "each request gets its own id"
    assert odd.headers["X-Request-Id"] != "bad id; with {braces}", "only a safe id is echoed into logs"
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]+", answer.headers["X-Request-Id"]) for answer in (made, odd))


def test_json_log_lines_carry_the_request_id_and_never_a_secret() -> None:
    stream = io.StringIO()
    logs.configure("INFO", json_lines=True, secrets=["123456:very-secret-bot-token", "db-password-1"])
    logging.getLogger().handlers[0].setStream(stream)
    token = logs.REQUEST_ID.set("req-7")
    try:
        logging.getLogger("amazing_store.test").info(
            "calling %s with postgresql://u:%s@db",
            "https://api.telegram.org/bot123456:very-secret-bot-token/getMe",
            "db-password-1",
        )
    finally:
        logs.REQUEST_ID.reset(token)
        logging.getLogger().handlers.clear()
    line = json.loads(stream.getvalue().strip())
    assert line["request_id"] == "req-7" and line["level"] == "INFO"
    assert "very-secret-bot-token" not in line["message"] and "db-password-1" not in line["message"]
    assert "bot***/getMe" in line["message"]
