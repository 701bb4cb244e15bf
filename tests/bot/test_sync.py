"""/sync over the bot: each API marketplace's last push and pull, errors and pending pushes; Pause / Resume
(audited), Run now (a request on Redis for the sync engine) and the key check (asked of the sync over Redis,
answered from the marketplace sandboxes)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import pytest
from redis.asyncio import Redis

from bot.callbacks import CheckMarketplaceKey, OpenScreen, PauseSync, RunSyncNow, Screen
from core import events
from core.unit_of_work import Effects
from sync.key_check import KeyChecker
from sync.limiter import RateLimits
from tests.bot.harness import Chat
from tests.builders import Shop, make_channel, map_product
from tests.sync.world import VAULT, World, connect, sandboxes

TASHKENT = ZoneInfo("Asia/Tashkent")

_LOG = """
INSERT INTO sync_logs (marketplace_id, sync_type, direction, trigger_type, status, items_processed, items_failed,
                       error_message, started_at, completed_at)
VALUES ($1, 'stock', $2, 'scheduled', $3, $4, $5, $6, $7::text::timestamptz, $7::text::timestamptz)
"""


async def _uzum(pool: asyncpg.Pool, *, auto_sync: bool = True) -> int:
    async with pool.acquire() as conn:
        uzum = await make_channel(conn, "uzum", "api")
        await conn.execute("UPDATE marketplaces SET auto_sync_enabled = $2 WHERE id = $1", uzum, auto_sync)
        return uzum


async def test_board_shows_pending_pushes_last_runs_and_errors(admin: Chat, pool: asyncpg.Pool, shop: Shop) -> None:
    uzum = await _uzum(pool)
    async with pool.acquire() as conn:
        for product, listing in ((shop.phone, "UZ-1"), (shop.telefon, "UZ-2"), (shop.shirt, "UZ-3")):
            await map_product(conn, product, uzum, listing)
        await conn.execute(
            "UPDATE marketplace_products SET pushed_version = stock_version WHERE product_id = $1", shop.shirt
        )
        await conn.execute("UPDATE marketplace_products SET sync_status = 'error' WHERE product_id = $1", shop.phone)
        await conn.execute(_LOG, uzum, "push", "success", 9, 0, None, "2026-11-20 09:00+05")
        await conn.execute(_LOG, uzum, "push", "partial", 3, 1, "HTTP 500 from Uzum", "2026-11-20 14:06+05")
        await conn.execute(_LOG, uzum, "pull", "success", 12, 0, None, "2026-11-20 14:05+05")

    await admin.send("/sync")

    board = admin.text
    assert "uzum" in board and "avtomatik" in board
    assert "Yuborilishi kutilayotgan: 2" in board
    assert "Oxirgi yuborish: 20.11 14:06 (qoldiq), qisman xato, 3 ta, 1 tasi xato" in board
    assert "Oxirgi olish: 20.11 14:05 (qoldiq), muvaffaqiyatli, 12 ta" in board
    assert "Xatoli kartochkalar: 1" in board and "HTTP 500 from Uzum" in board


async def test_an_fbs_refusal_of_our_own_reads_in_the_admins_language_on_the_board(
    admin: Chat, pool: asyncpg.Pool
) -> None:
    uzum = await _uzum(pool)
    await pool.execute(_LOG, uzum, "push", "error", 0, 1, "UZU-0001: [fbs:no_label]", "2026-11-20 14:06+05")

    await admin.send("/sync")

    assert "UZU-0001: marketpleys yorliq bermadi" in admin.text and "[fbs:" not in admin.text


async def test_pause_then_resume_flips_auto_sync_and_is_audited(admin: Chat, pool: asyncpg.Pool) -> None:
    uzum = await _uzum(pool)
    await admin.send("/admin")
    await admin.tap_data(OpenScreen(screen=Screen.SYNC))

    await admin.tap_data(PauseSync(marketplace_id=uzum, paused=True))
    assert not await pool.fetchval("SELECT auto_sync_enabled FROM marketplaces WHERE id = $1", uzum)
    assert "to'xtatilgan" in admin.text and PauseSync(marketplace_id=uzum, paused=False).pack() in str(admin.buttons())
    await admin.tap_data(PauseSync(marketplace_id=uzum, paused=False))

    assert await pool.fetchval("SELECT auto_sync_enabled FROM marketplaces WHERE id = $1", uzum)
    audit = await pool.fetch("SELECT action, entity_id, old_values, new_values FROM audit_log ORDER BY id")
    assert [
        (
            row["action"],
            row["entity_id"],
            row["old_values"]["auto_sync_enabled"],
            row["new_values"]["auto_sync_enabled"],
        )
        for row in audit
    ] == [("sync.pause", uzum, True, False), ("sync.resume", uzum, False, True)]


async def test_run_now_asks_the_sync_engine_over_redis(admin: Chat, pool: asyncpg.Pool, redis: Redis) -> None:
    uzum = await _uzum(pool, auto_sync=False)  # a paused marketplace can still be run by hand
    async with redis.pubsub() as pubsub:
        await pubsub.subscribe(events.scoped(redis, events.SYNC_REQUESTED))
        await pubsub.get_message(timeout=1)  # the subscription's confirmation
        await admin.send("/sync")

        await admin.tap_data(RunSyncNow(marketplace_id=uzum))

        message = await asyncio.wait_for(pubsub.get_message(ignore_subscribe_messages=True, timeout=5), 6)
    assert message is not None and message["data"] == str(uzum).encode()
    assert "Sinxron so'raldi" in admin.toasts()[-1]
    assert await pool.fetchval("SELECT action FROM audit_log WHERE entity_id = $1", uzum) == "sync.run"


@pytest.fixture
async def world(pool: asyncpg.Pool, redis: Redis, effects: Effects) -> AsyncIterator[World]:
    """The three marketplace sandboxes connected, and a process running the sync's key checks."""
    uzum, wb, ozon, yandex = sandboxes()
    for sandbox in (uzum, wb, ozon, yandex):
        await sandbox.start()
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        connections = await connect(uow, uzum, wb, ozon, yandex)
    stop = asyncio.Event()
    checking = asyncio.create_task(KeyChecker(pool, redis, VAULT).run(stop))
    async with aiohttp.ClientSession() as session:
        yield World(uzum, wb, ozon, yandex, connections, session, RateLimits(redis))
    stop.set()
    await checking
    for sandbox in (uzum, wb, ozon, yandex):
        await sandbox.stop()


async def test_check_key_shows_the_account_the_warehouses_and_the_key_expiry(admin: Chat, world: World) -> None:
    ozon = world.connections["ozon"].marketplace_id
    await admin.send("/sync")
    assert CheckMarketplaceKey(marketplace_id=ozon).pack() in str(admin.buttons())

    await admin.tap_data(CheckMarketplaceKey(marketplace_id=ozon))

    assert admin.toasts()[-1] == "⏳ Ozondan kalit haqida so'ralmoqda…"
    until = world.ozon.key_expires_at.astimezone(TASHKENT).strftime("%d.%m.%Y")
    lines = admin.text.splitlines()
    assert lines[:2] == ["🔑 Ozon: kalit ishlayapti.", "👤 Hisob: Sandbox Seller"]
    assert lines[2].startswith(f"⌛ {until} gacha amal qiladi (") and lines[2].endswith(" kun qoldi).")
    assert lines[3:] == [
        "🏬 Kalit ko'radigan omborlar va do'konlar:",
        f"• {world.ozon.default_warehouse} · Sandbox FBS warehouse · created",
    ]


async def test_a_refused_key_is_shown_with_the_platforms_words_in_russian(second_admin: Chat, world: World) -> None:
    world.wb.tokens = {"a-new-token-made-in-the-cabinet"}
    await second_admin.send("/sync")

    await second_admin.tap_data(CheckMarketplaceKey(marketplace_id=world.connections["wildberries"].marketplace_id))

    assert second_admin.text == (
        "❌ Wildberries не принял проверку ключа:\nwildberries answered 401: token is "
        "missing, malformed or of a wrong category"
    )
    assert [label for label, _ in second_admin.buttons()] == ["⬅️ Назад"]
