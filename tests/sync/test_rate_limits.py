"""One rate limit per marketplace account, shared by every adapter and replica through Redis, and what a 429 does:
the account pauses, pushes fail fast and go after the pause, and the admins hear of it once."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace

import aiohttp
import asyncpg
import pytest
from redis.asyncio import Redis

from core.embedded import free_port
from core.subscriber import Subscriber
from sync.adapters import build_adapter
from sync.http import RetryPolicy, Throttled
from sync.limiter import RateLimits, per_second
from sync.push import push_due
from sync.pusher import StockPusher
from tests.builders import Shop
from tests.sync.world import UZUM_TOKEN, VAULT, World

# Short pauses so a test sees a throttle end: Uzum's real ones are 60-180 s. A request waits at most half a
# second, so a 2 s pause fails it fast.
SHORT_THROTTLE = RetryPolicy(attempts=3, base_delay=0.01, patience=0.5, throttle_first=2.0, throttle_most=4.0)


def _uzum_stock(world: World, shop: Shop) -> tuple[int, int, int]:
    return tuple(world.uzum.stock_of(f"478{product:010d}") for product in (shop.phone, shop.telefon, shop.shirt))


async def _due(pool: asyncpg.Pool, world: World) -> int:
    return await pool.fetchval(
        "SELECT count(*) FROM marketplace_products WHERE marketplace_id = $1 AND stock_version > pushed_version",
        world.connections["uzum"].marketplace_id,
    )


async def _throttle_the_token(world: World) -> None:
    """Another client of the same token goes over Uzum's rate: the sandbox throttles the token."""
    async with aiohttp.ClientSession(headers={"Authorization": UZUM_TOKEN}) as other:
        statuses = [(await other.get(world.uzum.base_url + "/v1/shops")).status for _ in range(2)]
    assert statuses == [200, 429]


async def test_two_replicas_of_one_uzum_account_together_keep_to_its_limit(world: World, redis: Redis) -> None:
    world.uzum.rules = replace(world.uzum.rules, rate_limit=True, max_per_second=10, burst_capacity=2)
    policy = RetryPolicy(attempts=3, base_delay=0.01, patience=10.0)
    # Each replica paces at 9 a second: alone within the limit, the two together at 18 if they did not share.
    replicas = [
        build_adapter(
            world.connections["uzum"], world.session, RateLimits(redis), requests_per_second=9.0, policy=policy
        )
        for _ in range(2)
    ]

    await asyncio.gather(*(replica.read_stock([]) for replica in replicas for _ in range(15)))

    statuses = [request.status for request in world.uzum.requests]
    assert len(statuses) == 30 and set(statuses) == {200}


async def test_an_uzum_throttle_pauses_the_account_and_the_push_goes_after_it(
    pool: asyncpg.Pool, world: World, redis: Redis, shop: Shop
) -> None:
    world.uzum.rules = replace(
        world.uzum.rules, rate_limit=True, max_per_second=5, burst_capacity=1, throttle_seconds=1.5
    )
    await _throttle_the_token(world)
    adapter = build_adapter(world.connections["uzum"], world.session, world.limits, policy=SHORT_THROTTLE)
    sent_before = len(world.uzum.requests)

    started = time.monotonic()
    run = await push_due(pool, world.connections["uzum"], adapter, trigger="scheduled")

    assert run is not None and run.status == "error" and run.resume_in is not None
    assert 1.5 <= run.resume_in <= 2.0
    assert time.monotonic() - started < 1.0, "the run failed fast instead of sleeping through the pause"
    assert len(world.uzum.requests) == sent_before + 1, "one 429, then no call into the throttle"
    assert await _due(pool, world) == 3, "everything stays due"
    other_replica = build_adapter(world.connections["uzum"], world.session, RateLimits(redis), policy=SHORT_THROTTLE)
    with pytest.raises(Throttled):
        await other_replica.read_stock([])
    assert len(world.uzum.requests) == sent_before + 1, "the other replica waits out the same pause"

    await asyncio.sleep(run.resume_in)
    again = await push_due(pool, world.connections["uzum"], adapter, trigger="scheduled")

    assert again is not None and again.status == "success"
    assert _uzum_stock(world, shop) == (5, 3, 10)
    assert await _due(pool, world) == 0
    assert {request.status for request in world.uzum.requests[sent_before + 1 :]} == {200}


async def test_a_throttle_is_one_alert_and_its_end_one_more_with_two_replicas_pushing(
    pool: asyncpg.Pool, world: World, redis: Redis, shop: Shop
) -> None:
    world.uzum.rules = replace(
        world.uzum.rules, rate_limit=True, max_per_second=5, burst_capacity=1, throttle_seconds=1.5
    )
    await _throttle_the_token(world)
    subscribers = [Subscriber(redis) for _ in range(2)]  # a replica is a process: a subscription of its own
    replicas = [
        StockPusher(
            pool,
            redis,
            subscriber,
            VAULT,
            sweep_seconds=0.2,
            coalesce_seconds=0.05,
            limits=RateLimits(redis),
            adapter_options=lambda c: {"policy": SHORT_THROTTLE} if c.slug == "uzum" else {},
        )
        for subscriber in subscribers
    ]
    stop = asyncio.Event()
    for subscriber in subscribers:
        subscriber.start()
    tasks = [asyncio.create_task(replica.run(stop)) for replica in replicas]
    try:
        started = time.monotonic()
        while await pool.fetchval("SELECT count(*) FROM notifications WHERE kind = 'sync_recovered'") == 0:
            assert time.monotonic() - started < 15, "the sync did not recover"
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # both replicas keep running: nothing more is told
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 10)
        for subscriber in subscribers:
            await subscriber.close()

    assert _uzum_stock(world, shop) == (5, 3, 10)
    alerts = await pool.fetch("SELECT kind, payload FROM notifications WHERE kind LIKE 'sync%' ORDER BY id")
    assert [row["kind"] for row in alerts] == ["sync_throttled", "sync_recovered"]
    assert alerts[0]["payload"]["marketplace"] == "Uzum Market" and alerts[0]["payload"]["pause_seconds"] == 2


async def test_a_hinted_429_pauses_only_that_call_family_for_the_hinted_time(
    pool: asyncpg.Pool, world: World, shop: Shop
) -> None:
    world.wb.fail_next("PUT /api/v3/stocks/*", 429, headers={"X-Ratelimit-Retry": "1"})
    adapter = world.adapter("wildberries")

    started = time.monotonic()
    push = asyncio.create_task(push_due(pool, world.connections["wildberries"], adapter, trigger="scheduled"))
    await asyncio.sleep(0.3)
    await adapter.read_prices([])  # the prices API has its own bucket: not paused
    prices_read_after = time.monotonic() - started
    run = await push

    assert prices_read_after < 0.6
    assert run is not None and run.status == "success" and run.pushed == 3
    assert time.monotonic() - started >= 1.0, "the push waited out the hint"
    assert await pool.fetchval("SELECT count(*) FROM notifications WHERE kind LIKE 'sync%'") == 0, (
        "a pause a request simply waits out is not news"
    )


async def test_repeated_throttles_without_a_hint_pause_longer_up_to_the_most(world: World, redis: Redis) -> None:
    lane = RateLimits(redis).lane(world.connections["uzum"], "all", per_second(1))

    async def throttled() -> float:
        return await lane.throttled(None, first=0.2, most=0.5, notable=0.1)

    first, in_flight = await throttled(), await throttled()  # two 429s of requests sent together: one strike
    pauses = [first]
    for _ in range(3):
        await asyncio.sleep(pauses[-1] + 0.02)
        pauses.append(await throttled())
    await asyncio.sleep(pauses[-1] + 0.02)
    await lane.recovered()  # a call went through after the pause
    after_recovery = await throttled()

    assert in_flight == first == 0.2
    assert pauses == [0.2, 0.4, 0.5, 0.5]
    assert after_recovery == 0.2


async def test_with_redis_down_the_sync_still_pushes_and_says_so_once(
    pool: asyncpg.Pool, world: World, shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    dead = Redis.from_url(f"redis://127.0.0.1:{free_port()}", socket_connect_timeout=1)
    adapter = build_adapter(
        world.connections["uzum"], world.session, RateLimits(dead), requests_per_second=200.0, policy=SHORT_THROTTLE
    )
    try:
        with caplog.at_level(logging.WARNING, logger="sync.limiter"):
            first = await push_due(pool, world.connections["uzum"], adapter, trigger="scheduled")
            await adapter.read_stock([])
            await adapter.read_stock([])
    finally:
        await dead.aclose()

    assert first is not None and first.status == "success"
    assert _uzum_stock(world, shop) == (5, 3, 10)
    assert len([record for record in caplog.records if "Redis unreachable" in record.message]) == 1


async def test_a_yandex_420_over_its_limit_pauses_the_account_like_a_429_and_the_push_goes_after_it(
    pool: asyncpg.Pool, world: World, shop: Shop
) -> None:
    """Yandex Market answers 420, not 429, over an operation's limit (YM-OAS components/responses/420.yaml)."""
    world.yandex.rate_limit = True
    budget = world.yandex.budget("updateStocks")
    budget.used = budget.limit.amount  # the minute's 100 000 items are spent
    adapter = build_adapter(world.connections["yandex"], world.session, world.limits, policy=SHORT_THROTTLE)

    run = await push_due(pool, world.connections["yandex"], adapter, trigger="scheduled")

    assert run is not None and run.status == "error" and run.resume_in is not None
    assert [request.status for request in world.yandex.requests] == [420], "one 420, then no call into the pause"
    budget.used = 0  # a new minute
    await asyncio.sleep(run.resume_in)
    again = await push_due(pool, world.connections["yandex"], adapter, trigger="scheduled")
    assert again is not None and (again.status, again.pushed) == ("success", 3)
    assert world.yandex.stock_of("PH-1") == 5
