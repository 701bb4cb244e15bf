"""Marketplace channels: their connection settings (keys sealed in the vault), state and pause switch."""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass

import asyncpg

from core import channels, listings, webhooks
from core.db import Conn
from core.errors import NotFound, ValidationError
from core.sql import update_by_id
from core.unit_of_work import UnitOfWork
from core.vault import Vault, VaultError


@dataclass(frozen=True)
class Connection:
    """What an adapter needs to talk to one marketplace account. Repr hides the secrets."""

    marketplace_id: int
    slug: str
    name: str
    api_type: str
    base_url: str | None
    token: str | None
    client_id: str | None
    api_key: str | None
    warehouse_id: int | None
    shop_id: int | None
    auto_sync_enabled: bool
    sales_source: str
    sync_interval_minutes: int
    # The path pushes are accepted on, only from the `configure` that made its token: the token is kept as a hash
    # (sql/033), so this is the one moment it can be shown.
    webhook_path: str | None = None

    def __repr__(self) -> str:
        return f"Connection({self.slug}, base_url={self.base_url!r}, secrets=***)"


@dataclass(frozen=True)
class Changes:
    base_url: str | None = None
    token: str | None = None
    client_id: str | None = None
    api_key: str | None = None
    warehouse_id: int | None = None
    shop_id: int | None = None
    enabled: bool | None = None
    new_webhook_token: bool = False


_SELECT = """
SELECT id, slug, name, api_type, base_url, api_key_encrypted, api_secret_encrypted, client_id, warehouse_id,
       shop_id, auto_sync_enabled, sales_source, sync_interval_minutes
  FROM marketplaces
"""


def _connection(row: asyncpg.Record, vault: Vault, *, unreadable_as_none: bool = False) -> Connection:
    def secret(sealed: str | None) -> str | None:
        if not sealed or (unreadable_as_none and not vault.readable(sealed)):
            return None
        return vault.open(sealed)

    return Connection(
        marketplace_id=row["id"],
        slug=row["slug"],
        name=row["name"],
        api_type=row["api_type"] or row["slug"],
        base_url=row["base_url"],
        token=secret(row["api_key_encrypted"]),
        client_id=row["client_id"],
        api_key=secret(row["api_secret_encrypted"]),
        warehouse_id=row["warehouse_id"],
        shop_id=row["shop_id"],
        auto_sync_enabled=row["auto_sync_enabled"],
        sales_source=row["sales_source"],
        sync_interval_minutes=row["sync_interval_minutes"],
    )


async def api_connections(conn: Conn, vault: Vault) -> list[Connection]:
    """Every active API marketplace, paused or not."""
    rows = await conn.fetch(f"{_SELECT} WHERE integration_type = 'api' AND is_active ORDER BY id")
    return [_connection(row, vault) for row in rows]


async def readable_api_connections(conn: Conn, vault: Vault) -> tuple[list[Connection], list[int]]:
    """Every active API marketplace whose keys open with this SECRET_KEY, and the ids of those whose keys do not:
    one marketplace sealed with another key must not stop the work of the others."""
    rows = await conn.fetch(f"{_SELECT} WHERE integration_type = 'api' AND is_active ORDER BY id")
    readable: list[Connection] = []
    unreadable: list[int] = []
    for row in rows:
        try:
            readable.append(_connection(row, vault))
        except VaultError:
            unreadable.append(row["id"])
    return readable, unreadable


async def connection(conn: Conn, slug: str, vault: Vault, *, unreadable_as_none: bool = False) -> Connection:
    """One API marketplace's connection; raises VaultError when its keys do not open with this SECRET_KEY, unless
    `unreadable_as_none` (for what needs no key: its name and type, or keys about to replace those)."""
    row = await conn.fetchrow(f"{_SELECT} WHERE slug = $1 AND integration_type = 'api'", slug)
    if row is None:
        raise NotFound("API marketplace", slug)
    return _connection(row, vault, unreadable_as_none=unreadable_as_none)


async def configure(uow: UnitOfWork, slug: str, changes: Changes, vault: Vault) -> Connection:
    """Change a marketplace's connection; keys are sealed before they reach the database. Running replicas keep
    webhook credentials in memory: the unit tells them to drop theirs after the commit. Keys sealed with another
    SECRET_KEY do not stop it: entering them again is how they are mended."""
    conn = uow.conn
    try:
        current = await connection(conn, slug, vault, unreadable_as_none=True)
    except NotFound:
        if listings.declared(slug) is None:
            raise
        # A shop that began without the demo has no channel for it yet: configuring it adds one.
        await channels.add_marketplace(uow, slug, None)
        current = await connection(conn, slug, vault, unreadable_as_none=True)
    if changes.base_url is not None and not changes.base_url.startswith(("http://", "https://")):
        raise ValidationError("the base URL must start with http:// or https://", "base_url")
    values: dict[str, object] = {}
    if changes.base_url is not None:
        values["base_url"] = changes.base_url.rstrip("/") or None
    if changes.token is not None:
        values["api_key_encrypted"] = vault.seal(changes.token)
    if changes.api_key is not None:
        values["api_secret_encrypted"] = vault.seal(changes.api_key)
    for name in ("client_id", "warehouse_id", "shop_id"):
        if getattr(changes, name) is not None:
            values[name] = getattr(changes, name)
    if changes.enabled is not None:
        values["auto_sync_enabled"] = changes.enabled
    path_token = secrets.token_urlsafe(24) if changes.new_webhook_token else None
    if path_token is not None:
        values["webhook_token_sha256"] = webhooks.token_sha256(path_token)
    if values:
        await conn.execute(update_by_id("marketplaces", list(values)), current.marketplace_id, *values.values())
        uow.marketplace_changed(slug)
    configured = await connection(conn, slug, vault, unreadable_as_none=True)
    if path_token is None:
        return configured
    return dataclasses.replace(configured, webhook_path=f"/webhooks/{slug}/{path_token}")


async def set_paused(conn: Conn, marketplace_id: int, paused: bool) -> None:
    if (
        await conn.execute(
            "UPDATE marketplaces SET auto_sync_enabled = $2 WHERE id = $1 AND integration_type = 'api'",
            marketplace_id,
            not paused,
        )
    ).endswith(" 0"):
        raise NotFound("API marketplace", marketplace_id)


async def has_webhook_path(conn: Conn, slug: str) -> bool:
    """Whether a path token was made for the marketplace's pushes (only its hash is kept, not the path)."""
    return bool(await conn.fetchval("SELECT webhook_token_sha256 IS NOT NULL FROM marketplaces WHERE slug = $1", slug))
