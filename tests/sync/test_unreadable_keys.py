"""One marketplace whose sealed keys do not open with this SECRET_KEY (sealed with another) stops no other: the
pusher and the puller go on with the others, the admins hear of it once however many rounds meet it, and a request
aimed at that very marketplace (an FBS action, a key check) is refused in words the bot has."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest
from aiogram.utils.i18n import I18n
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from bot.fbs_texts import outcome_note
from bot.i18n import create_i18n
from bot.sync_desk.key_check import render
from core import fbs, marketplaces, orders
from core.key_checks import Candidate, Request
from core.marketplaces import Connection
from core.orders import Customer, Line, NewOrder
from core.subscriber import Subscriber
from core.unit_of_work import Effects
from core.vault import Vault
from sync.fbs_worker import FbsWorker
from sync.key_check import KeyChecker
from sync.pull import pull_orders
from sync.puller import MarketplacePuller
from sync.push import push_due
from sync.pusher import StockPusher
from tests.builders import Shop
from tests.sync.markets import buyer_orders, their_stock
from tests.sync.world import FAST_RETRY, OZON_CLIENT, OZON_KEY, SLUGS, VAULT, World

# The test world's relaxed pacing (tests/sync/world.py) for the jobs' own adapters.
_PACE: dict[str, dict[str, Any]] = {
    "uzum": {"requests_per_second": 200.0},
    "ozon": {"stocks_per_minute": 6000},
    "wildberries": {"per_minute": 60_000, "burst": 1000},
    "yandex": {"pace": 1000.0},
}


def _options(connection: Connection) -> dict[str, Any]:
    return {"policy": FAST_RETRY, **_PACE.get(connection.slug, {})}


async def _seal_ozon_elsewhere(pool: asyncpg.Pool) -> None:
    """Ozon's key as another SECRET_KEY sealed it (the process restarted with a different one)."""
    sealed = Vault(Fernet.generate_key().decode()).seal(OZON_KEY)
    await pool.execute("UPDATE marketplaces SET api_secret_encrypted = $1 WHERE slug = 'ozon'", sealed)


async def _alerts(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM notifications WHERE kind = 'marketplace_keys_unreadable'"))


async def _until(condition: Callable[[], Any], rounds: int = 400) -> None:
    for _ in range(rounds):
        if await condition():
            return
        await asyncio.sleep(0.05)


@pytest.fixture
async def in_sync(pool: asyncpg.Pool, world: World) -> None:
    """The marketplaces start with our stock."""
    for slug in SLUGS:
        await push_due(pool, world.connections[slug], world.adapter(slug), trigger="scheduled")


@pytest.mark.usefixtures("in_sync")
async def test_a_key_sealed_with_another_secret_key_stops_no_other_marketplaces_sync_and_is_told_once(
    pool: asyncpg.Pool,
    redis: Redis,
    subscriber: Subscriber,
    effects: Effects,
    world: World,
    shop: Shop,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await _seal_ozon_elsewhere(pool)
    others = [slug for slug in SLUGS if slug != "ozon"]
    sku = "PH-2"
    before = {slug: their_stock(world, slug, shop.telefon, sku) for slug in SLUGS}
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        await orders.place(uow, NewOrder(shop.own, (Line(shop.telefon, 1),), Customer("Ali", "+998901234567")))
    bought_there = buyer_orders(world, "wildberries", shop.shirt, "CL-1")
    wildberries_id = world.connections["wildberries"].marketplace_id

    # Sweeps and ticks every 50 ms: a round a marketplace fails in would fail many times over.
    pusher = StockPusher(
        pool, redis, subscriber, VAULT, sweep_seconds=0.05, coalesce_seconds=0.01, adapter_options=_options
    )
    puller = MarketplacePuller(pool, redis, effects, VAULT, tick_seconds=0.05, adapter_options=_options)
    stop = asyncio.Event()
    with caplog.at_level(logging.INFO):
        running = [asyncio.create_task(pusher.run(stop)), asyncio.create_task(puller.run(stop))]
        try:

            async def pushed_and_pulled() -> bool:
                pushed = all(their_stock(world, slug, shop.telefon, sku) == before[slug] - 1 for slug in others)
                pulled = await pool.fetchval(
                    "SELECT count(*) FROM orders WHERE marketplace_id = $1 AND marketplace_order_id = $2",
                    wildberries_id,
                    bought_there,
                )
                return pushed and pulled == 1

            await _until(pushed_and_pulled)
            await asyncio.sleep(0.5)  # ten more rounds of each meet Ozon's key again
        finally:
            stop.set()
            await asyncio.gather(*running)

    assert {slug: their_stock(world, slug, shop.telefon, sku) for slug in SLUGS} == {
        **{slug: before[slug] - 1 for slug in others},
        "ozon": before["ozon"],  # nothing reached it: its key does not open
    }
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM orders WHERE marketplace_id = $1 AND marketplace_order_id = $2",
            wildberries_id,
            bought_there,
        )
        == 1
    )
    assert await _alerts(pool) == 1, "one alert, not one per round"
    told = [r for r in caplog.records if r.levelno >= logging.ERROR and "ozon" in r.getMessage().lower()]
    assert len(told) == 2, "once by the pusher, once by the puller"
    assert not [r for r in caplog.records if r.exc_info], "no traceback per round"


@pytest.mark.usefixtures("in_sync")
async def test_an_fbs_action_for_the_marketplace_whose_keys_do_not_open_is_refused_in_uzbek_and_russian(
    pool: asyncpg.Pool, redis: Redis, subscriber: Subscriber, effects: Effects, world: World, shop: Shop
) -> None:
    keys = {slug: buyer_orders(world, slug, shop.phone, "PH-1") for slug in ("uzum", "ozon")}
    async with pool.acquire() as conn:
        for slug in keys:
            await pull_orders(conn, effects, world.connections[slug], world.adapter(slug))
        ids = {
            slug: await conn.fetchval("SELECT id FROM orders WHERE marketplace_order_id = $1", key)
            for slug, key in keys.items()
        }
    await _seal_ozon_elsewhere(pool)
    actions = {}
    async with pool.acquire() as conn, effects.transaction(conn) as unit:
        for slug in ("ozon", "uzum"):  # Ozon's first: the one after it must still be done
            actions[slug] = await fbs.request(
                unit,
                marketplace_id=world.connections[slug].marketplace_id,
                kind="confirm",
                order_ids=[ids[slug]],
                reason=None,
            )
    worker = FbsWorker(pool, redis, subscriber, effects, VAULT, adapter_options=_options, limits=world.limits)

    assert await worker.process_due(world.session) == 2

    refused, done = [await fbs.outcome(pool, redis, actions[slug], wait=0) for slug in ("ozon", "uzum")]
    assert done is not None and (done.state, done.error) == ("done", None)
    assert refused is not None and refused.state == "failed" and refused.error == fbs.refusal("keys_unreadable")
    assert world.ozon.postings[keys["ozon"]].status == "awaiting_packaging", "nothing was sent to Ozon"
    said = _in_each_language(lambda: outcome_note(refused, "Ozon"))
    assert "SECRET_KEY" in said["uz"] and "kalit" in said["uz"], said["uz"]
    assert "SECRET_KEY" in said["ru"] and "ключи" in said["ru"], said["ru"]
    assert await _alerts(pool) == 1


async def test_a_key_check_of_unreadable_keys_is_refused_in_words_and_keys_entered_again_are_checked(
    pool: asyncpg.Pool, redis: Redis, effects: Effects, world: World
) -> None:
    await _seal_ozon_elsewhere(pool)
    ozon_id = world.connections["ozon"].marketplace_id
    checker = KeyChecker(pool, redis, VAULT, limits=world.limits, adapter_options=_options)

    refused = await checker.answer(Request("stored", ozon_id), world.session)
    entered_again = Candidate(client_id=OZON_CLIENT, api_key=VAULT.seal(OZON_KEY))
    checked = await checker.answer(Request("again", ozon_id, entered_again), world.session)

    assert refused.check is None
    said = _in_each_language(lambda: render("Ozon", refused))
    assert "SECRET_KEY" in said["ru"] and "ключи" in said["ru"] and "[" not in said["ru"], said["ru"]
    assert "kalit" in said["uz"] and "[" not in said["uz"], said["uz"]
    assert checked.check is not None, checked.refused
    async with pool.acquire() as conn, effects.transaction(conn) as uow:  # the bot then saves them
        await marketplaces.configure(uow, "ozon", marketplaces.Changes(api_key=OZON_KEY), VAULT)
        readable, unreadable = await marketplaces.readable_api_connections(conn, VAULT)
    assert unreadable == [] and ozon_id in [c.marketplace_id for c in readable]
    assert await _alerts(pool) == 1


def _in_each_language(text: Callable[[], str]) -> dict[str, str]:
    i18n: I18n = create_i18n()
    said = {}
    for locale in ("uz", "ru"):
        with i18n.context(), i18n.use_locale(locale):
            said[locale] = text()
    return said
