"""The operator's commands, run as the real console program against the test database."""

import os
import subprocess
import sys
from pathlib import Path

import asyncpg
from redis.asyncio import Redis

from core import events
from core.embedded import ServiceUrls


def _cli(service_urls: ServiceUrls, tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DATABASE_URL": service_urls.database_url, "REDIS_URL": service_urls.redis_url,
                   "DATA_DIR": str(tmp_path), "ADMIN_IDS": "", **env}
    return subprocess.run([sys.executable, "-m", "amazing_store", *args], env=environment,
                          capture_output=True, text=True, timeout=60, check=False)


async def test_admin_add_list_remove(service_urls: ServiceUrls, tmp_path: Path, pool: asyncpg.Pool) -> None:
    added = _cli(service_urls, tmp_path, "admin", "add", "5550001")
    assert added.returncode == 0 and added.stdout.strip() == "5550001 is now an admin"
    assert _cli(service_urls, tmp_path, "admin", "add", "5550001").stdout.strip() == "5550001: nothing to change"
    listed = _cli(service_urls, tmp_path, "admin", "list", ADMIN_IDS="777")
    assert listed.stdout.splitlines() == ["5550001\t5550001\t@-", "777\t(from ADMIN_IDS)"]
    assert await pool.fetchval("SELECT is_admin FROM users WHERE telegram_id = 5550001") is True
    removed = _cli(service_urls, tmp_path, "admin", "remove", "5550001")
    assert removed.stdout.strip() == "5550001 is no longer an admin"
    assert await pool.fetchval("SELECT is_admin FROM users WHERE telegram_id = 5550001") is False


def test_admin_add_refuses_a_non_numeric_id(service_urls: ServiceUrls, tmp_path: Path) -> None:
    result = _cli(service_urls, tmp_path, "admin", "add", "@ali")
    assert result.returncode == 2 and "invalid int value" in result.stderr


async def test_seed_demo_if_empty_loads_once(service_urls: ServiceUrls, tmp_path: Path, pool: asyncpg.Pool) -> None:
    first = _cli(service_urls, tmp_path, "seed-demo", "--if-empty")
    assert first.returncode == 0 and first.stdout.startswith("demo loaded:"), first.stderr
    products = await pool.fetchval("SELECT count(*) FROM products")
    assert products >= 200
    second = _cli(service_urls, tmp_path, "seed-demo", "--if-empty")
    assert second.stdout.strip() == "catalog already has products; demo not loaded"
    assert await pool.fetchval("SELECT count(*) FROM products") == products


async def test_marketplace_configure_tells_running_processes_to_drop_the_webhook_paths_they_hold(
    service_urls: ServiceUrls, tmp_path: Path, pool: asyncpg.Pool, redis: Redis
) -> None:
    await pool.execute("INSERT INTO marketplaces (name, slug, integration_type, api_type)"
                       " VALUES ('Ozon', 'ozon', 'api', 'ozon')")
    async with redis.pubsub() as pubsub:
        await pubsub.subscribe(events.MARKETPLACE_CHANGED)
        await pubsub.get_message(timeout=1.0)  # the subscription's confirmation
        configured = _cli(service_urls, tmp_path, "marketplace", "configure", "ozon", "--new-webhook-token")
        assert configured.returncode == 0, configured.stderr
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5.0)
    assert message is not None and message["data"] == b"ozon"
    assert "webhook URL: " in configured.stdout and "/webhooks/ozon/" in configured.stdout
