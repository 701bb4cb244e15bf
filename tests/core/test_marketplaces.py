"""Marketplace connections and listings: keys sealed at rest, mappings by hand and from a catalog."""

import asyncpg
import pytest
from cryptography.fernet import Fernet

from core import mappings, marketplaces, webhooks
from core.errors import NotFound, ValidationError
from core.listings import ListingKeys
from core.unit_of_work import Effects
from core.vault import Vault, VaultError
from tests.builders import make_channel, make_product

VAULT = Vault(Fernet.generate_key().decode())


async def test_keys_are_sealed_in_the_database_and_read_back(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO marketplaces (name, slug, integration_type, api_type) VALUES ('Ozon', 'ozon', 'api', 'ozon')"
        )
        async with effects.transaction(conn) as uow:
            configured = await marketplaces.configure(
                uow,
                "ozon",
                marketplaces.Changes(
                    base_url="http://127.0.0.1:9/",
                    client_id="12345",
                    api_key="very-secret-api-key",
                    warehouse_id=77,
                    enabled=True,
                ),
                VAULT,
            )
        stored = await conn.fetchrow("SELECT api_secret_encrypted, base_url FROM marketplaces WHERE slug = 'ozon'")
    assert configured.api_key == "very-secret-api-key" and configured.warehouse_id == 77
    assert configured.auto_sync_enabled and configured.base_url == "http://127.0.0.1:9"
    assert "very-secret-api-key" not in stored["api_secret_encrypted"]
    assert "very-secret-api-key" not in repr(configured)
    with pytest.raises(VaultError):
        Vault(Fernet.generate_key().decode()).open(stored["api_secret_encrypted"])


async def test_configure_refuses_bad_urls_and_unknown_marketplaces(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        await make_channel(conn, "uzum", "api")
        with pytest.raises(ValidationError):
            await marketplaces.configure(uow, "uzum", marketplaces.Changes(base_url="ftp://x"), VAULT)
        with pytest.raises(NotFound):
            await marketplaces.configure(uow, "olx", marketplaces.Changes(token="t"), VAULT)


async def test_mapping_by_hand_is_due_for_a_push_and_one_listing_maps_one_product(
    pool: asyncpg.Pool, effects: Effects
) -> None:
    async with pool.acquire() as conn:
        wb = await make_channel(conn, "wildberries", "api")
        async with effects.transaction(conn) as uow:
            await make_product(uow, "PH-1")
            await make_product(uow, "PH-2")
        mapping = await mappings.map_product(conn, wb, "PH-1", ListingKeys(chrt_id=555))
        row = await conn.fetchrow("SELECT * FROM marketplace_products WHERE id = $1", mapping)
        keys = await conn.fetch("SELECT name, value FROM listing_keys WHERE mapping_id = $1", mapping)
        assert [tuple(key) for key in keys] == [("chrt_id", "555")]
        assert (row["marketplace_product_id"], row["price_editable"]) == ("555", False)
        assert row["stock_version"] > row["pushed_version"]
        with pytest.raises(ValidationError, match="already mapped"):
            await mappings.map_product(conn, wb, "PH-2", ListingKeys(chrt_id=555))
        with pytest.raises(NotFound):
            await mappings.map_product(conn, wb, "NOPE", ListingKeys(chrt_id=1))
        assert await mappings.unmap(conn, wb, "PH-1") is True
        assert await mappings.unmap(conn, wb, "PH-1") is False


async def test_catalog_matching_by_sku_or_barcode_reports_the_rest(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        uzum = await make_channel(conn, "uzum", "api")
        async with effects.transaction(conn) as uow:
            await make_product(uow, "PH-1")
            await make_product(uow, "PH-2")
        await conn.execute("UPDATE products SET barcode = '4780000000011' WHERE sku = 'PH-2'")
        report = await mappings.match_catalog(
            conn,
            uzum,
            [
                mappings.Candidate("ph-1", (), ListingKeys(sku_id=1, barcode="111")),
                mappings.Candidate(None, ("4780000000011",), ListingKeys(sku_id=2, barcode="4780000000011")),
                mappings.Candidate("UNKNOWN", ("999",), ListingKeys(sku_id=3, barcode="999")),
                mappings.Candidate("PH-1", (), ListingKeys(sku_id=4, barcode="444")),
            ],
        )
        mapped = await conn.fetch("SELECT value FROM listing_keys WHERE name = 'sku_id' ORDER BY value")
    assert report.matched == [("PH-1", "1"), ("PH-2", "2")]
    assert report.unmatched == ["3"] and report.conflicts == ["4"]
    assert [row["value"] for row in mapped] == ["1", "2"]


async def test_configuring_a_declared_marketplace_on_a_shop_without_the_demo_adds_its_channel(
    pool: asyncpg.Pool, effects: Effects
) -> None:
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as uow:
            connection = await marketplaces.configure(
                uow, "yandex", marketplaces.Changes(token="ym-key", shop_id=21_000_001, enabled=True), VAULT
            )
        assert (connection.api_type, connection.token, connection.shop_id, connection.auto_sync_enabled) == (
            "yandex",
            "ym-key",
            21_000_001,
            True,
        )
        row = await conn.fetchrow(
            "SELECT name, integration_type, supports_webhooks FROM marketplaces WHERE slug = 'yandex'"
        )
        assert dict(row) == {"name": "Yandex Market", "integration_type": "api", "supports_webhooks": True}


async def test_a_webhook_path_token_is_shown_once_and_kept_only_as_its_hash(
    pool: asyncpg.Pool, effects: Effects
) -> None:
    """The path token is a credential: the path is shown by the configure that made it, nothing in the database
    (nor a later read) gives the token back, and the receiver matches the token, not what is stored."""
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO marketplaces (name, slug, integration_type, api_type) VALUES ('Ozon', 'ozon', 'api', 'ozon')"
        )
        async with effects.transaction(conn) as uow:
            change = marketplaces.Changes(new_webhook_token=True)
            configured = await marketplaces.configure(uow, "ozon", change, VAULT)
        assert configured.webhook_path is not None and configured.webhook_path.startswith("/webhooks/ozon/")
        token = configured.webhook_path.removeprefix("/webhooks/ozon/")
        stored = await conn.fetchval("SELECT to_jsonb(m)::text FROM marketplaces m WHERE slug = 'ozon'")
        read_again = await marketplaces.connection(conn, "ozon", VAULT)
        found = await webhooks.receiver(conn, "ozon", VAULT)
    assert len(token) >= 32 and token not in stored and token not in repr(configured)
    assert read_again.webhook_path is None
    assert found is not None and found.token_sha256 is not None and found.token_sha256 in stored
    assert found.knows(token)
    assert not found.knows(found.token_sha256) and not found.knows(token[:-1]) and not found.knows("")
