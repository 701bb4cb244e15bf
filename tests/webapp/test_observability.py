"""What an operator reads: /metrics in Prometheus format, request ids, and log lines without secrets."""

import io
import json
import logging
import re

import asyncpg
from aiohttp.test_utils import TestClient

from core import logs
from tests.builders import Shop
from tests.support import login


async def test_metrics_count_http_traffic_orders_and_backlogs(
    client: TestClient, shop: Shop, pool: asyncpg.Pool
) -> None:
    assert (await client.get("/api/products", headers=login(client))).status == 200
    assert (await client.get("/api/cart")).status == 401
    await client.post("/api/cart", json={"product_id": shop.shirt}, headers=login(client))
    assert (
        await client.post(
            "/api/orders", json={"customer_name": "Aziza", "customer_phone": "+998901234567"}, headers=login(client)
        )
    ).status == 201
    response = await client.get("/metrics")
    text = await response.text()
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/plain")
    assert 'http_requests_total{method="GET",route="/api/products",status="200"} 1.0' in text
    assert 'http_requests_total{method="GET",route="/api/cart",status="401"} 1.0' in text
    assert 'http_request_duration_seconds_bucket{le="0.5",method="GET",route="/api/products"}' in text
    assert 'amazing_orders_total{channel="amazing-store"} 1.0' in text
    assert "amazing_outbox_backlog 2.0" in text  # the admins' and the customer's new-order news, unsent (no bot)
    assert 'amazing_webhook_backlog{status="pending"} 0.0' in text
    assert "amazing_database_up 1.0" in text


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
