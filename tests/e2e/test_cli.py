"""The operator's commands, run as the real console program against the test database."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from core import events
from core.embedded import ServiceUrls
from sync.sandbox.uzum import UzumSandbox
from tests.builders import make_channel, make_product


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


async def test_marketplace_configure_tells_running_processes_to_drop_the_webhook_keys_they_hold(
    service_urls: ServiceUrls, tmp_path: Path, pool: asyncpg.Pool, redis: Redis
) -> None:
    await pool.execute("INSERT INTO marketplaces (name, slug, integration_type, api_type)"
                       " VALUES ('Uzum Market', 'uzum', 'api', 'uzum')")
    async with redis.pubsub() as pubsub:
        await pubsub.subscribe(events.MARKETPLACE_CHANGED)
        await pubsub.get_message(timeout=1.0)  # the subscription's confirmation
        configured = _cli(service_urls, tmp_path, "marketplace", "configure", "uzum", "--webhook-secret", "new-key")
        assert configured.returncode == 0, configured.stderr
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5.0)
    assert message is not None and message["data"] == b"uzum"


async def test_marketplace_map_takes_the_old_flags_and_key_pairs_and_reads_what_only_uzum_knows(
    service_urls: ServiceUrls, tmp_path: Path, pool: asyncpg.Pool
) -> None:
    """Operators' scripts keep working (--sku-id, --barcode ...), --key NAME=VALUE names any declared key, a barcode
    keeps its leading zero, and the key Uzum order lines carry (productId and skuTitle) is read from its catalogue."""
    secret = {"SECRET_KEY": Fernet.generate_key().decode()}
    async with UzumSandbox(token="uzum-token", rate_limit=False) as uzum:
        uzum.load_catalog([{"skuId": 501, "barcode": "0478000000501", "productId": 77, "skuTitle": "Qizil",
                            "price": 1000}])
        async with pool.acquire() as conn:
            await make_channel(conn, "uzum", "api")
            await make_product(conn, "PH-1")
        configured = await asyncio.to_thread(_cli, service_urls, tmp_path, "marketplace", "configure", "uzum",
                                             "--base-url", uzum.base_url, "--token", "uzum-token", "--shop-id", "1",
                                             **secret)
        assert configured.returncode == 0, configured.stderr
        mapped = await asyncio.to_thread(_cli, service_urls, tmp_path, "marketplace", "map", "uzum", "--sku", "PH-1",
                                         "--sku-id", "501", "--key", "barcode=0478000000501", **secret)
    assert mapped.returncode == 0, mapped.stderr
    assert "listing 501" in mapped.stdout and "read 1 listing keys" in mapped.stdout
    keys = {row["name"]: row["value"] for row in await pool.fetch("SELECT name, value FROM listing_keys")}
    assert keys == {"sku_id": "501", "barcode": "0478000000501", "product_sku": "77:Qizil"}

    refused = _cli(service_urls, tmp_path, "marketplace", "map", "uzum", "--sku", "PH-1", "--chrt-id", "5", **secret)
    assert refused.returncode == 1 and "uzum listings have no key 'chrt_id'" in refused.stderr
