import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator

import asyncpg
import pytest
from cryptography.fernet import Fernet

from core import webhooks
from core.migrations import Migration, MigrationError, migrate, shipped_migrations
from core.vault import Vault
from tests.databases import database_name, drop_database, recreate_database

VAULT = Vault(Fernet.generate_key().decode())


@pytest.fixture
async def empty_database_url(database_url: str) -> AsyncIterator[str]:
    name = f"{database_name(database_url)}_migration"
    yield await recreate_database(database_url, name)
    await drop_database(database_url, name)


async def test_second_migrate_applies_nothing(empty_database_url: str) -> None:
    conn = await asyncpg.connect(empty_database_url)
    try:
        first = await migrate(conn)
        second = await migrate(conn)
    finally:
        await conn.close()
    assert first == [m.name for m in shipped_migrations()]
    assert second == []


async def test_changed_applied_migration_is_refused(pool: asyncpg.Pool) -> None:
    edited = [Migration(m.name, m.sql + "\n-- edited") for m in shipped_migrations()]
    async with pool.acquire() as conn:
        with pytest.raises(MigrationError, match=r"001_schema\.sql changed after it was applied"):
            await migrate(conn, edited)


async def test_applied_migration_missing_from_code_is_refused(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        with pytest.raises(MigrationError, match="not shipped"):
            await migrate(conn, shipped_migrations()[1:] or [])


async def test_failing_migration_leaves_nothing_behind(pool: asyncpg.Pool) -> None:
    broken = Migration("999_broken.sql", "CREATE TABLE half_done (id int); SELECT no_such_column FROM users;")
    async with pool.acquire() as conn:
        with pytest.raises(asyncpg.UndefinedColumnError):
            await migrate(conn, [*shipped_migrations(), broken])
        assert await conn.fetchval("SELECT to_regclass('half_done')") is None
        assert await conn.fetchval("SELECT count(*) FROM schema_migrations WHERE name = $1", broken.name) == 0


async def test_two_processes_migrating_at_once_both_succeed_and_apply_once(
    empty_database_url: str, redis_url: str
) -> None:
    env = {**os.environ, "DATABASE_URL": empty_database_url, "REDIS_URL": redis_url}
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "amazing_store",
            "migrate",
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = [await asyncio.wait_for(p.communicate(), 60) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    printed = sorted(out.decode().strip() for out, _ in outputs)
    assert printed[0].startswith("applied: 001_schema.sql")
    assert printed[1] == "schema is up to date: nothing to apply"
    conn = await asyncpg.connect(empty_database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM schema_migrations") == len(shipped_migrations())
    finally:
        await conn.close()


async def test_listing_keys_of_the_old_columns_survive_their_move_into_one_table(empty_database_url: str) -> None:
    """A shop mapped before 014 keeps every listing: its platform key columns become listing_keys rows (text, so a
    barcode keeps its leading zero) before 018 drops the columns."""
    shipped = shipped_migrations()
    before = [m for m in shipped if m.name < "014"]
    conn = await asyncpg.connect(empty_database_url)
    try:
        await migrate(conn, before)
        await conn.execute(
            """
            INSERT INTO products (sku, name_uz, price) VALUES ('PH-1', 'Telefon', 1000), ('PH-2', 'Telefon 2', 1000);
            INSERT INTO marketplaces (name, slug, integration_type, api_type)
                 VALUES ('Uzum', 'uzum', 'api', 'uzum'), ('Ozon', 'ozon', 'api', 'ozon');
            INSERT INTO marketplace_products (product_id, marketplace_id, marketplace_product_id, uzum_sku_id,
                                              uzum_barcode)
                 SELECT p.id, m.id, '77', 77, '0478000000017' FROM products p, marketplaces m
                  WHERE p.sku = 'PH-1' AND m.slug = 'uzum';
            INSERT INTO marketplace_products (product_id, marketplace_id, marketplace_product_id, ozon_offer_id,
                                              ozon_product_id, ozon_warehouse_id)
                 SELECT p.id, m.id, 'PH-2', 'PH-2', 555, 9 FROM products p, marketplaces m
                  WHERE p.sku = 'PH-2' AND m.slug = 'ozon';
            """
        )
        await migrate(conn, shipped)
        keys = await conn.fetch(
            "SELECT p.sku, k.name, k.value FROM listing_keys k"
            " JOIN marketplace_products mp ON mp.id = k.mapping_id"
            " JOIN products p ON p.id = mp.product_id ORDER BY p.sku, k.name"
        )
        warehouse = await conn.fetchval(
            "SELECT warehouse_id FROM marketplace_products WHERE marketplace_product_id = 'PH-2'"
        )
        columns = await conn.fetchval(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'marketplace_products'"
            " AND column_name LIKE ANY (ARRAY['wb_%', 'uzum_%', 'ozon_%'])"
        )
    finally:
        await conn.close()
    assert [tuple(row) for row in keys] == [
        ("PH-1", "barcode", "0478000000017"),
        ("PH-1", "sku_id", "77"),
        ("PH-2", "offer_id", "PH-2"),
        ("PH-2", "product_id", "555"),
    ]
    assert warehouse == 9 and columns == 0


async def test_a_webhook_path_made_before_033_still_opens_its_receiver_and_its_token_is_no_longer_stored(
    empty_database_url: str,
) -> None:
    """The URL a seller entered in the marketplace's cabinet before tokens were hashed keeps working: 033 hashes
    the stored token with PostgreSQL's sha256(), which must agree with the receiver's, and drops the plain one."""
    shipped = shipped_migrations()
    conn = await asyncpg.connect(empty_database_url)
    try:
        await migrate(conn, [m for m in shipped if m.name < "033"])
        await conn.execute(
            "INSERT INTO marketplaces (name, slug, integration_type, api_type, webhook_path_token)"
            " VALUES ('Ozon', 'ozon', 'api', 'ozon', 'entered-in-the-cabinet-Zx_9'),"
            " ('Uzum', 'uzum', 'api', 'uzum', NULL)"
        )
        await migrate(conn, shipped)
        ozon = await webhooks.receiver(conn, "ozon", VAULT)
        uzum = await webhooks.receiver(conn, "uzum", VAULT)
        stored = await conn.fetchval("SELECT json_agg(m)::text FROM marketplaces m")
    finally:
        await conn.close()
    assert ozon is not None and ozon.knows("entered-in-the-cabinet-Zx_9") and not ozon.knows("entered-in-the-cabinet")
    assert uzum is not None and uzum.token_sha256 is None and not uzum.knows("")
    assert "entered-in-the-cabinet" not in stored
