"""The operator's commands, run as the real console program against the test database (and the marketplace
sandboxes, for the commands that call a marketplace)."""

import asyncio
import base64
import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from core import events, marketplaces
from core.embedded import ServiceUrls
from core.settings import Settings
from core.unit_of_work import Effects
from core.vault import Vault
from demo.sandboxes.ozon import DEFAULT_WAREHOUSE as OZON_WAREHOUSE
from demo.sandboxes.ozon import OzonSandbox
from demo.sandboxes.uzum import UzumSandbox
from demo.sandboxes.wildberries import DEFAULT_WAREHOUSE, WildberriesSandbox
from tests.builders import Shop, make_channel, make_product, stock_of
from tests.sync.world import World, list_everywhere, process_world


def _cli(service_urls: ServiceUrls, tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "DATABASE_URL": service_urls.database_url,
        "REDIS_URL": service_urls.redis_url,
        "DATA_DIR": str(tmp_path),
        "ADMIN_IDS": "",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "amazing_store", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


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


async def test_remove_demo_takes_the_demo_away_in_one_command(
    service_urls: ServiceUrls, tmp_path: Path, pool: asyncpg.Pool
) -> None:
    assert _cli(service_urls, tmp_path, "seed-demo").returncode == 0
    removed = _cli(service_urls, tmp_path, "remove-demo")
    assert removed.returncode == 0 and removed.stdout.startswith("demo removed:"), removed.stderr
    assert await pool.fetchval("SELECT count(*) FROM products") == 0
    assert await pool.fetchval("SELECT count(*) FROM marketplaces WHERE integration_type = 'own'") == 1
    # make run's `seed-demo --if-empty` does not bring it back to a shop with no product yet.
    again = _cli(service_urls, tmp_path, "seed-demo", "--if-empty")
    assert again.stdout.strip() == "the demo was removed (remove-demo); not loaded again"
    assert await pool.fetchval("SELECT count(*) FROM products") == 0


async def test_channel_add_list_rename_disable(service_urls: ServiceUrls, tmp_path: Path, pool: asyncpg.Pool) -> None:
    added = _cli(service_urls, tmp_path, "channel", "add", "Instagram")
    assert added.returncode == 0, added.stderr
    channel_id = added.stdout.split("\t")[0]
    assert _cli(service_urls, tmp_path, "channel", "rename", channel_id, "Instagram shop").returncode == 0
    assert _cli(service_urls, tmp_path, "channel", "disable", channel_id).returncode == 0
    listed = _cli(service_urls, tmp_path, "channel", "list").stdout.splitlines()
    assert f"{channel_id}\tInstagram shop\tmanual\toff" in listed
    again = _cli(service_urls, tmp_path, "channel", "add", "instagram SHOP")
    assert again.returncode == 1 and "already is a channel named" in again.stderr


async def test_marketplace_configure_tells_running_processes_to_drop_the_webhook_paths_they_hold(
    service_urls: ServiceUrls, tmp_path: Path, pool: asyncpg.Pool, redis: Redis
) -> None:
    await pool.execute(
        "INSERT INTO marketplaces (name, slug, integration_type, api_type) VALUES ('Ozon', 'ozon', 'api', 'ozon')"
    )
    async with redis.pubsub() as pubsub:
        await pubsub.subscribe(events.scoped(redis, events.MARKETPLACE_CHANGED))
        await pubsub.get_message(timeout=1.0)  # the subscription's confirmation
        configured = _cli(service_urls, tmp_path, "marketplace", "configure", "ozon", "--new-webhook-token")
        assert configured.returncode == 0, configured.stderr
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5.0)
    assert message is not None and message["data"] == b"ozon"
    assert "webhook URL: " in configured.stdout and "/webhooks/ozon/" in configured.stdout


async def _cli_with_keys(
    service_urls: ServiceUrls, tmp_path: Path, settings: Settings, *args: str
) -> subprocess.CompletedProcess[str]:
    """The CLI with the SECRET_KEY the keys were sealed with, run beside this loop (the sandboxes live in it)."""
    assert settings.secret_key is not None
    return await asyncio.to_thread(
        _cli, service_urls, tmp_path, *args, SECRET_KEY=settings.secret_key.get_secret_value()
    )


async def _connect(
    pool: asyncpg.Pool, effects: Effects, settings: Settings, slug: str, changes: marketplaces.Changes
) -> None:
    assert settings.secret_key is not None
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        await conn.execute(
            "INSERT INTO marketplaces (name, slug, integration_type, api_type) VALUES (initcap($1), $1, 'api', $1)",
            slug,
        )
        await marketplaces.configure(uow, slug, changes, Vault(settings.secret_key.get_secret_value()))


def _jwt(payload: dict[str, object]) -> str:
    """A token shaped like Wildberries' (a JWT); its signature is not ours to check."""

    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'ES256', 'typ': 'JWT'})}.{part(payload)}.c2lnbmF0dXJl"


async def test_marketplace_check_tells_whose_wildberries_key_it_is_what_it_sees_and_until_when(
    service_urls: ServiceUrls, tmp_path: Path, settings: Settings, pool: asyncpg.Pool, effects: Effects
) -> None:
    token = _jwt({"exp": int(datetime(2027, 5, 20, 9, 30, tzinfo=UTC).timestamp()), "sid": "e8923014"})
    yunusobod = {"id": 1_000_002, "name": "Yunusobod", "deliveryType": 2, "isProcessing": True}
    async with WildberriesSandbox(token=token, warehouses=[DEFAULT_WAREHOUSE, yunusobod]) as wb:
        await _connect(
            pool,
            effects,
            settings,
            "wildberries",
            marketplaces.Changes(base_url=wb.base_url, token=token, warehouse_id=wb.default_warehouse),
        )
        checked = await _cli_with_keys(service_urls, tmp_path, settings, "marketplace", "check", "wildberries")
    assert checked.returncode == 0, checked.stderr
    lines = checked.stdout.splitlines()
    assert re.fullmatch(r"key expires: 2027-05-20 09:30 UTC \(in \d+ days\)", lines.pop(2))
    assert lines == [
        "Wildberries: key accepted",
        "account: Sandbox Store (ИП Sandbox Seller)",
        "warehouses and shops it sees:",
        "  1000001\tSandbox FBS warehouse\tFBS",
        "  1000002\tYunusobod\tDBS, isProcessing",
    ]
    assert token not in checked.stdout + checked.stderr


async def test_marketplace_check_tells_the_ozon_cabinet_its_warehouses_and_the_key_expiry(
    service_urls: ServiceUrls, tmp_path: Path, settings: Settings, pool: asyncpg.Pool, effects: Effects
) -> None:
    expires = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    rfbs = {"warehouse_id": 1_020_000_000_000_002, "name": "Chilonzor rFBS", "status": "disabled", "is_rfbs": True}
    async with OzonSandbox(
        client_id="777", api_key="ozon-key", key_expires_at=expires, warehouses=[OZON_WAREHOUSE, rfbs]
    ) as ozon:
        await _connect(
            pool,
            effects,
            settings,
            "ozon",
            marketplaces.Changes(
                base_url=ozon.base_url, client_id="777", api_key="ozon-key", warehouse_id=ozon.default_warehouse
            ),
        )
        checked = await _cli_with_keys(service_urls, tmp_path, settings, "marketplace", "check", "ozon")
    assert checked.returncode == 0, checked.stderr
    lines = checked.stdout.splitlines()
    assert re.fullmatch(r"key expires: 2027-03-01 12:00 UTC \(in \d+ days\)", lines.pop(2))
    assert lines[1:] == [
        "account: Sandbox Seller",
        "warehouses and shops it sees:",
        "  1020000000000001\tSandbox FBS warehouse\tcreated",
        "  1020000000000002\tChilonzor rFBS\tdisabled, rFBS",
    ]


async def test_marketplace_check_lists_the_uzum_shops_the_token_sees(
    service_urls: ServiceUrls, tmp_path: Path, settings: Settings, pool: asyncpg.Pool, effects: Effects
) -> None:
    async with UzumSandbox(
        token="uzum-token", shops=[{"id": 1, "name": "Aziz Market"}, {"id": 7, "name": "Aziz Kids"}]
    ) as uzum:
        await _connect(
            pool, effects, settings, "uzum", marketplaces.Changes(base_url=uzum.base_url, token="uzum-token", shop_id=1)
        )
        checked = await _cli_with_keys(service_urls, tmp_path, settings, "marketplace", "check", "uzum")
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.splitlines()[1:] == [
        "account: not named by the platform",
        "key expires: not told by the platform",
        "warehouses and shops it sees:",
        "  1\tAziz Market",
        "  7\tAziz Kids",
    ]


async def test_marketplace_check_of_a_refused_key_exits_1_with_the_platforms_words(
    service_urls: ServiceUrls, tmp_path: Path, settings: Settings, pool: asyncpg.Pool, effects: Effects
) -> None:
    async with WildberriesSandbox(token="the-right-token") as wb:
        await _connect(
            pool,
            effects,
            settings,
            "wildberries",
            marketplaces.Changes(base_url=wb.base_url, token="a-revoked-token", warehouse_id=wb.default_warehouse),
        )
        checked = await _cli_with_keys(service_urls, tmp_path, settings, "marketplace", "check", "wildberries")
    assert checked.returncode == 1 and checked.stdout == ""
    assert checked.stderr.splitlines()[-1] == (
        "amazing-store: Wildberries refused the key: wildberries answered 401: "
        "token is missing, malformed or of a wrong category"
    )
    assert "a-revoked-token" not in checked.stderr


@pytest.fixture
async def marketplaces_world(pool: asyncpg.Pool, redis: Redis, settings: Settings) -> AsyncIterator[World]:
    """The three sandboxes connected with keys sealed by the CLI's SECRET_KEY."""
    async with process_world(pool, redis, settings) as world:
        yield world


async def test_marketplace_pull_imports_orders_now_and_says_what_it_imported_set_aside_and_cancelled(
    service_urls: ServiceUrls,
    tmp_path: Path,
    settings: Settings,
    pool: asyncpg.Pool,
    shop: Shop,
    marketplaces_world: World,
) -> None:
    world = marketplaces_world
    async with pool.acquire() as conn:
        await list_everywhere(conn, world.connections, world.uzum, world.wb, world.ozon, world.yandex, [shop.phone])
        before = await stock_of(conn, shop.phone)
    world.wb.load_catalog(
        [{"nmID": 99, "chrtId": 990, "barcode": "2000000000990", "vendorCode": "NOT-OURS", "price": 700, "stock": 3}]
    )
    ours, _strangers = world.wb.buyer_orders({40_000 + shop.phone: 1, 990: 1}, allow_oversell=True)

    first = await _cli_with_keys(service_urls, tmp_path, settings, "marketplace", "pull", "wildberries")
    assert first.returncode == 0, first.stderr
    assert (
        first.stdout.strip()
        == "Wildberries orders: 1 imported, 1 set aside for an admin, 0 cancelled, 0 shipped, 0 delivered"
    )
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (before[0] - 1, before[1])
    world.wb.buyer_cancels(ours["id"])
    again = await _cli_with_keys(service_urls, tmp_path, settings, "marketplace", "pull", "wildberries")
    assert (
        again.stdout.strip()
        == "Wildberries orders: 0 imported, 1 set aside for an admin, 1 cancelled, 0 shipped, 0 delivered"
    )
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == before
        assert await conn.fetchval("SELECT count(*) FROM sync_logs WHERE trigger_type = 'manual'") == 2


async def test_marketplace_finance_reads_the_platforms_fees_now_and_says_what_it_recorded(
    service_urls: ServiceUrls,
    tmp_path: Path,
    settings: Settings,
    pool: asyncpg.Pool,
    shop: Shop,
    marketplaces_world: World,
) -> None:
    world = marketplaces_world
    async with pool.acquire() as conn:
        await list_everywhere(conn, world.connections, world.uzum, world.wb, world.ozon, world.yandex, [shop.phone])
    posting = world.ozon.buyer_orders({60_000 + shop.phone: 1}, allow_oversell=True)["posting_number"]
    pulled = await _cli_with_keys(service_urls, tmp_path, settings, "marketplace", "pull", "ozon")
    assert pulled.returncode == 0, pulled.stderr
    world.ozon.set_order_status(posting, "delivered")
    world.ozon.book("OperationMarketplaceServiceStorage", -100.0)

    read = await _cli_with_keys(service_urls, tmp_path, settings, "marketplace", "finance", "ozon", "--days", "3")

    assert read.returncode == 0, read.stderr
    assert read.stdout.strip() == "Ozon finance: 1 orders with actual fees, 0 orders we do not hold, 1 costs of a day"
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM order_fees WHERE basis = 'actual'") == 4
        assert await conn.fetchval("SELECT count(*) FROM sync_logs WHERE sync_type = 'finance'") == 1


async def test_marketplace_import_makes_products_of_the_unmapped_cards_with_their_stock_once(
    service_urls: ServiceUrls,
    tmp_path: Path,
    settings: Settings,
    pool: asyncpg.Pool,
    shop: Shop,
    marketplaces_world: World,
) -> None:
    world = marketplaces_world
    async with pool.acquire() as conn:
        await list_everywhere(conn, world.connections, world.uzum, world.wb, world.ozon, world.yandex, [shop.phone])
    world.wb.load_catalog(
        [{"nmID": 99, "chrtId": 990, "barcode": "2000000000990", "vendorCode": "TEA-1", "price": 700, "stock": 3}]
    )

    first = await _cli_with_keys(
        service_urls, tmp_path, settings, "marketplace", "import", "wildberries", "--with-stock"
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "Wildberries: 1 created, 0 mapped to ours, 1 skipped"
    async with pool.acquire() as conn:
        teapot = await conn.fetchval("SELECT id FROM products WHERE sku = 'TEA-1'")
        assert await stock_of(conn, teapot) == (3, 0)
    again = await _cli_with_keys(service_urls, tmp_path, settings, "marketplace", "import", "wildberries")
    assert again.stdout.strip() == "Wildberries: 0 created, 0 mapped to ours, 2 skipped"


async def test_marketplace_pull_in_stock_diff_mode_takes_the_drop_of_their_stock_as_sales(
    service_urls: ServiceUrls,
    tmp_path: Path,
    settings: Settings,
    pool: asyncpg.Pool,
    shop: Shop,
    marketplaces_world: World,
) -> None:
    world = marketplaces_world
    async with pool.acquire() as conn:
        await list_everywhere(conn, world.connections, world.uzum, world.wb, world.ozon, world.yandex, [shop.phone])
        before = await stock_of(conn, shop.phone)
        await conn.execute("UPDATE marketplaces SET sales_source = 'stock_diff' WHERE slug = 'uzum'")
        await conn.execute(
            "UPDATE marketplace_products SET previous_stock = 5 WHERE marketplace_id = $1",
            world.connections["uzum"].marketplace_id,
        )
    world.uzum.load_catalog(
        [
            {
                "skuId": 10_000 + shop.phone,
                "barcode": f"478{shop.phone:010d}",
                "productId": 20_000 + shop.phone,
                "price": 100_000,
                "amount": 3,
            }
        ]
    )  # 2 sold there

    pulled = await _cli_with_keys(service_urls, tmp_path, settings, "marketplace", "pull", "uzum")
    assert pulled.returncode == 0, pulled.stderr
    assert pulled.stdout.strip() == "Uzum Market stock read: 1 listings changed, 0 could not be taken from our stock"
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (before[0] - 2, before[1])


async def test_marketplace_map_takes_the_old_flags_and_key_pairs_and_reads_what_only_uzum_knows(
    service_urls: ServiceUrls, tmp_path: Path, pool: asyncpg.Pool, effects: Effects
) -> None:
    """Operators' scripts keep working (--sku-id, --barcode ...), --key NAME=VALUE names any declared key, a barcode
    keeps its leading zero, and the key Uzum order lines carry (productId and skuTitle) is read from its catalogue."""
    secret = {"SECRET_KEY": Fernet.generate_key().decode()}
    async with UzumSandbox(token="uzum-token", rate_limit=False) as uzum:
        uzum.load_catalog(
            [{"skuId": 501, "barcode": "0478000000501", "productId": 77, "skuTitle": "Qizil", "price": 1000}]
        )
        async with pool.acquire() as conn, effects.transaction(conn) as uow:
            await make_channel(conn, "uzum", "api")
            await make_product(uow, "PH-1")
        configured = await asyncio.to_thread(
            _cli,
            service_urls,
            tmp_path,
            "marketplace",
            "configure",
            "uzum",
            "--base-url",
            uzum.base_url,
            "--token",
            "uzum-token",
            "--shop-id",
            "1",
            **secret,
        )
        assert configured.returncode == 0, configured.stderr
        mapped = await asyncio.to_thread(
            _cli,
            service_urls,
            tmp_path,
            "marketplace",
            "map",
            "uzum",
            "--sku",
            "PH-1",
            "--sku-id",
            "501",
            "--key",
            "barcode=0478000000501",
            **secret,
        )
    assert mapped.returncode == 0, mapped.stderr
    assert "listing 501" in mapped.stdout and "read 1 listing keys" in mapped.stdout
    keys = {row["name"]: row["value"] for row in await pool.fetch("SELECT name, value FROM listing_keys")}
    assert keys == {"sku_id": "501", "barcode": "0478000000501", "product_sku": "77:Qizil"}

    refused = _cli(service_urls, tmp_path, "marketplace", "map", "uzum", "--sku", "PH-1", "--chrt-id", "5", **secret)
    assert refused.returncode == 1 and "uzum listings have no key 'chrt_id'" in refused.stderr


async def _ozon_sealed_elsewhere(pool: asyncpg.Pool, effects: Effects) -> None:
    """Ozon connected with keys another SECRET_KEY sealed (the key changed, or the database came from elsewhere),
    and a product of ours it could be mapped to."""
    elsewhere = Vault(Fernet.generate_key().decode())
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        await conn.execute(
            "INSERT INTO marketplaces (name, slug, integration_type, api_type) VALUES ('Ozon', 'ozon', 'api', 'ozon')"
        )
        changes = marketplaces.Changes(base_url="http://127.0.0.1:9", client_id="777", api_key="ozon-key")
        await marketplaces.configure(uow, "ozon", changes, elsewhere)
        await make_product(uow, "PH-1")


async def _everything(pool: asyncpg.Pool) -> list[object]:
    """What a command that wrongly went ahead would have changed."""
    return [
        await pool.fetch("SELECT * FROM marketplaces ORDER BY id"),
        await pool.fetchval("SELECT count(*) FROM products"),
        await pool.fetchval("SELECT count(*) FROM marketplace_products"),
        await pool.fetchval("SELECT count(*) FROM listing_keys"),
        await pool.fetchval("SELECT count(*) FROM sync_logs"),
        await pool.fetchval("SELECT count(*) FROM inventory_movements"),
    ]


async def test_commands_that_need_a_marketplaces_keys_name_it_say_what_mends_them_and_change_nothing(
    service_urls: ServiceUrls, tmp_path: Path, settings: Settings, pool: asyncpg.Pool, effects: Effects
) -> None:
    await _ozon_sealed_elsewhere(pool, effects)
    before = await _everything(pool)
    # finance and automap load the marketplace as these do (a subprocess each costs seconds).
    commands = [
        ("check",),
        ("pull",),
        ("import", "--with-stock"),
        ("map", "--sku", "PH-1", "--offer-id", "PH-1", "--product-id", "5"),
    ]

    results = await asyncio.gather(
        *(
            _cli_with_keys(service_urls, tmp_path, settings, "marketplace", action, "ozon", *rest)
            for action, *rest in commands
        )
    )

    for (action, *_), result in zip(commands, results, strict=True):
        assert result.returncode == 1, (action, result.stderr)
        assert result.stdout == "", action
        assert result.stderr.splitlines()[-3:] == [
            "amazing-store: the saved keys of Ozon (ozon) do not open with this SECRET_KEY; nothing was done.",
            "Enter them again: amazing-store marketplace configure ozon --client-id ... --api-key ...",
            "or start with the SECRET_KEY they were sealed with.",
        ], action
        assert "Traceback" not in result.stderr
    assert await _everything(pool) == before
    # Unmapping touches only our rows: it needs no key.
    unmapped = await _cli_with_keys(service_urls, tmp_path, settings, "marketplace", "unmap", "ozon", "--sku", "PH-1")
    assert (unmapped.returncode, unmapped.stdout) == (0, "PH-1: was not mapped\n"), unmapped.stderr


async def test_without_secret_key_a_command_names_the_key_file_the_marketplaces_keys_need(
    service_urls: ServiceUrls, tmp_path: Path, pool: asyncpg.Pool, effects: Effects
) -> None:
    """Development keeps the key in DATA_DIR/secret.key: a DATA_DIR without the one the keys were sealed with."""
    await _ozon_sealed_elsewhere(pool, effects)

    checked = await asyncio.to_thread(_cli, service_urls, tmp_path, "marketplace", "check", "ozon", SECRET_KEY="")

    assert checked.returncode == 1
    key_file = tmp_path / "secret.key"
    assert checked.stderr.splitlines()[-3:] == [
        f"amazing-store: the saved keys of Ozon (ozon) do not open with the key in {key_file}; nothing was done.",
        "Enter them again: amazing-store marketplace configure ozon --client-id ... --api-key ...",
        f"or put the key they were sealed with back in {key_file} (or in SECRET_KEY).",
    ]
