"""Channels as a seller manages them: manual channels under any name, the declared API marketplaces, renamed,
switched off and on."""

from __future__ import annotations

import asyncpg
import pytest

from core import admin_orders, channels
from core.errors import ValidationError
from core.unit_of_work import Effects
from tests.builders import make_channel


async def test_a_manual_channel_added_under_any_name_takes_manual_orders(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as uow:
            instagram = await channels.add_manual(uow, "  Instagram   do'kon ", None)
            telegram = await channels.add_manual(uow, "Телеграм канал", None)
        assert (instagram.name, instagram.slug, instagram.kind, instagram.is_active) == (
            "Instagram do'kon",
            "instagram-do-kon",
            "manual",
            True,
        )
        assert telegram.slug == "channel"
        offered = [c.name for c in await admin_orders.manual_channels(conn)]
        assert offered == ["Instagram do'kon", "Телеграм канал"]
        assert await conn.fetchval("SELECT count(*) FROM audit_log WHERE action = 'channel.add'") == 2


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "OLX"])
async def test_a_blank_long_or_taken_name_is_refused_and_adds_nothing(
    pool: asyncpg.Pool, effects: Effects, name: str
) -> None:
    async with pool.acquire() as conn:
        await make_channel(conn, "olx", "manual")
        with pytest.raises(ValidationError) as refused:
            async with effects.transaction(conn) as uow:
                await channels.add_manual(uow, name, None)
        assert refused.value.field == "channel_name"
        assert await conn.fetchval("SELECT count(*) FROM marketplaces") == 1


async def test_the_own_store_is_renamed_but_never_switched_off(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        own = await make_channel(conn, "amazing-store", "own")
        async with effects.transaction(conn) as uow:
            renamed = await channels.rename(uow, own, "Zebo Butik", None)
        assert (renamed.name, renamed.slug) == ("Zebo Butik", "amazing-store")
        with pytest.raises(ValidationError):
            async with effects.transaction(conn) as uow:
                await channels.switch(uow, own, False, None)
        assert (await channels.get(conn, own)).is_active


async def test_a_switched_off_channel_is_not_offered_for_manual_orders_until_switched_on(
    pool: asyncpg.Pool, effects: Effects
) -> None:
    async with pool.acquire() as conn:
        olx = await make_channel(conn, "olx", "manual")
        async with effects.transaction(conn) as uow:
            off = await channels.switch(uow, olx, False, None)
        assert not off.is_active and await admin_orders.manual_channels(conn) == []
        assert [c.name for c in await channels.list_all(conn)] == ["olx"]
        async with effects.transaction(conn) as uow:
            await channels.switch(uow, olx, True, None)
        assert [c.id for c in await admin_orders.manual_channels(conn)] == [olx]


async def test_a_shop_without_the_demo_adds_a_declared_marketplace_once_with_its_sync_off(
    pool: asyncpg.Pool, effects: Effects
) -> None:
    async with pool.acquire() as conn:
        assert [p.api_type for p in channels.not_added(await channels.list_all(conn))] == [
            "uzum",
            "wildberries",
            "ozon",
            "yandex",
        ]
        async with effects.transaction(conn) as uow:
            added = await channels.add_marketplace(uow, "yandex", None)
            again = await channels.add_marketplace(uow, "yandex", None)
        assert again == added
        assert (added.name, added.slug, added.kind, added.is_active) == ("Yandex Market", "yandex", "api", True)
        row = await conn.fetchrow("SELECT api_type, auto_sync_enabled FROM marketplaces WHERE id = $1", added.id)
        assert dict(row) == {"api_type": "yandex", "auto_sync_enabled": False}
        assert "yandex" not in [p.api_type for p in channels.not_added(await channels.list_all(conn))]
        assert await conn.fetchval("SELECT count(*) FROM audit_log WHERE action = 'channel.add'") == 1


async def test_an_undeclared_marketplace_or_a_manual_channel_holding_its_name_is_refused(
    pool: asyncpg.Pool, effects: Effects
) -> None:
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as uow:
            await channels.add_manual(uow, "Yandex", None)
        for api_type in ("amazon", "yandex"):
            with pytest.raises(ValidationError):
                async with effects.transaction(conn) as uow:
                    await channels.add_marketplace(uow, api_type, None)
        assert await conn.fetchval("SELECT count(*) FROM marketplaces WHERE integration_type = 'api'") == 0
