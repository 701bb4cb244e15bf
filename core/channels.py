"""The shop's sales channels as a seller manages them: list them, add a manual one under any name (OLX,
Instagram, a Telegram channel) or one of the declared API marketplaces, rename any, switch one off or on. Every
change is audited."""

from __future__ import annotations

import re
from dataclasses import dataclass

import asyncpg

from core import audit, listings
from core.db import Conn
from core.errors import NotFound, ValidationError
from core.unit_of_work import UnitOfWork

NAME_LENGTH = 100  # marketplaces.name


@dataclass(frozen=True)
class Channel:
    id: int
    name: str
    slug: str
    kind: str  # 'own', 'manual' or 'api'
    is_active: bool


_SELECT = "SELECT id, name, slug, integration_type AS kind, is_active FROM marketplaces"


def _channel(row: asyncpg.Record) -> Channel:
    return Channel(**dict(row))


async def list_all(conn: Conn) -> list[Channel]:
    """Every channel: the own store first, then the API marketplaces, then the manual ones, each by name."""
    rows = await conn.fetch(
        f"{_SELECT} ORDER BY CASE integration_type WHEN 'own' THEN 0 WHEN 'api' THEN 1 ELSE 2 END, name, id"
    )
    return [_channel(row) for row in rows]


async def get(conn: Conn, channel_id: int) -> Channel:
    row = await conn.fetchrow(f"{_SELECT} WHERE id = $1", channel_id)
    if row is None:
        raise NotFound("channel", channel_id)
    return _channel(row)


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationError("a channel needs a name", "channel_name")
    if len(cleaned) > NAME_LENGTH:
        raise ValidationError(f"a channel name has at most {NAME_LENGTH} characters", "channel_name")
    return cleaned


async def _refuse_taken(conn: Conn, name: str, channel_id: int | None = None) -> None:
    taken = await conn.fetchval(
        "SELECT 1 FROM marketplaces WHERE lower(name) = lower($1) AND id IS DISTINCT FROM $2", name, channel_id
    )
    if taken:
        raise ValidationError(f"there already is a channel named {name}", "channel_name")


async def _free_slug(conn: Conn, name: str) -> str:
    """A slug made of the name's Latin letters and digits (order numbers take their prefix from it); names in
    other scripts get 'channel'. A number is added until no other channel has it."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "channel"
    taken = {r["slug"] for r in await conn.fetch("SELECT slug FROM marketplaces WHERE slug LIKE $1 || '%'", base)}
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


async def add_manual(uow: UnitOfWork, name: str, actor_id: int | None) -> Channel:
    """A new manual channel: orders are typed into the bot for it, at our prices."""
    conn = uow.conn
    cleaned = _clean_name(name)
    await _refuse_taken(conn, cleaned)
    channel_id = await conn.fetchval(
        "INSERT INTO marketplaces (name, slug, integration_type) VALUES ($1, $2, 'manual') RETURNING id",
        cleaned,
        await _free_slug(conn, cleaned),
    )
    channel = await get(conn, channel_id)
    await audit.record(conn, actor_id, audit.CHANNEL_ADD, "marketplace", channel.id, None, {"name": channel.name})
    return channel


def not_added(rows: list[Channel]) -> list[listings.Platform]:
    """The declared API marketplaces the shop has no channel for yet (a shop that began without the demo has
    none), in the registry's order."""
    added = {row.slug for row in rows}
    return [platform for api_type, platform in listings.PLATFORMS.items() if api_type not in added]


async def add_marketplace(uow: UnitOfWork, api_type: str, actor_id: int | None) -> Channel:
    """The channel of a declared API marketplace, made when the shop has none: its slug is its type (what the CLI
    and the webhook path name it by), its sync off until it is connected with a key. Asking again returns it."""
    conn = uow.conn
    platform = listings.platform(api_type)
    row = await conn.fetchrow(f"{_SELECT} WHERE slug = $1", api_type)
    if row is not None:
        if row["kind"] != "api":
            raise ValidationError(f"the channel {row['name']} already has the name {api_type}", "channel_name")
        return _channel(row)
    await _refuse_taken(conn, platform.name)
    channel_id = await conn.fetchval(
        "INSERT INTO marketplaces (name, slug, integration_type, api_type, supports_webhooks, supports_stock_sync,"
        "                          supports_order_sync, supports_price_sync)"
        " VALUES ($1, $2, 'api', $2, $3, TRUE, TRUE, TRUE) RETURNING id",
        platform.name,
        api_type,
        platform.pushes is not None,
    )
    channel = await get(conn, channel_id)
    await audit.record(conn, actor_id, audit.CHANNEL_ADD, "marketplace", channel.id, None, {"name": channel.name})
    return channel


async def rename(uow: UnitOfWork, channel_id: int, name: str, actor_id: int | None) -> Channel:
    """Any channel, the own store too, takes the name the seller gives it; its slug stays."""
    conn = uow.conn
    current = await get(conn, channel_id)
    cleaned = _clean_name(name)
    await _refuse_taken(conn, cleaned, channel_id)
    await conn.execute("UPDATE marketplaces SET name = $2, updated_at = NOW() WHERE id = $1", channel_id, cleaned)
    await audit.record(
        conn, actor_id, audit.CHANNEL_RENAME, "marketplace", channel_id, {"name": current.name}, {"name": cleaned}
    )
    return await get(conn, channel_id)


async def switch(uow: UnitOfWork, channel_id: int, active: bool, actor_id: int | None) -> Channel:
    """Switch a channel off (no manual orders for it, no sync or webhooks of it) or back on. The own store cannot
    be: the Mini App would take orders it then refuses; a product is hidden from the store on its own card."""
    conn = uow.conn
    current = await get(conn, channel_id)
    if current.kind == "own":
        raise ValidationError("the own store cannot be switched off", "own_store")
    if current.is_active != active:
        await conn.execute(
            "UPDATE marketplaces SET is_active = $2, updated_at = NOW() WHERE id = $1", channel_id, active
        )
        await audit.record(
            conn,
            actor_id,
            audit.CHANNEL_SWITCH,
            "marketplace",
            channel_id,
            {"is_active": not active},
            {"is_active": active},
        )
        if current.kind == "api":  # replicas drop the webhook credentials they hold for it
            uow.marketplace_changed(current.slug)
    return await get(conn, channel_id)
