"""The process's one Redis subscription: every listener hears its channels on one connection, a failing one
deafens no other, and a break is told as lost, then back. (Redis stopped and restarted: tests/e2e/test_faults.)"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from core import events
from core.redis_client import create_redis
from core.subscriber import Subscriber
from core.unit_of_work import Effects
from tests.support import subscriber_connections

QUICK = 5.0


async def _until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + QUICK
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {QUICK}s: {what}")
        await asyncio.sleep(0.02)


async def _subscribers(redis: Redis, *channels: str) -> list[int]:
    return [count for _, count in await redis.pubsub_numsub(*(events.scoped(redis, name) for name in channels))]


async def _subscriber_connections(redis: Redis) -> set[str]:
    return {client["id"] for client in await subscriber_connections(redis)}


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[Redis]:
    """The process's client, as the composition root makes it."""
    client = create_redis(redis_url)
    yield client
    await client.aclose()


async def test_listeners_added_before_and_after_start_hear_their_channels_on_one_connection(
    client: Redis, redis: Redis
) -> None:
    before = await _subscriber_connections(redis)
    heard: list[tuple[str, str]] = []
    backs: list[str] = []
    subscriber = Subscriber(client)
    subscriber.listen({"t.stock": lambda payload: heard.append(("live", payload))}, back=lambda: backs.append("live"))
    subscriber.start()
    try:
        subscriber.listen(
            {
                "t.stock": lambda payload: heard.append(("pusher", payload)),
                "t.sync": lambda payload: heard.append(("pusher", payload)),
            },
            back=lambda: backs.append("pusher"),
        )
        subscriber.listen(
            {"t.webhook": lambda payload: heard.append(("worker", payload))}, back=lambda: backs.append("worker")
        )

        async def all_back() -> bool:
            return sorted(backs) == ["live", "pusher", "worker"]

        await _until(all_back, "every listener is subscribed")
        assert len(await _subscriber_connections(redis) - before) == 1
        assert await _subscribers(redis, "t.stock", "t.sync", "t.webhook") == [1, 1, 1]
        for channel, payload in [("t.stock", "7"), ("t.sync", "2"), ("t.webhook", "3")]:
            await redis.publish(events.scoped(redis, channel), payload)

        async def all_heard() -> bool:
            return len(heard) == 4

        await _until(all_heard, "every message reaches its listeners")
        assert sorted(heard) == [("live", "7"), ("pusher", "2"), ("pusher", "7"), ("worker", "3")]
    finally:
        await subscriber.close()

    async def gone() -> bool:
        return await _subscriber_connections(redis) <= before

    await _until(gone, "closed, it holds no connection")


async def test_a_failing_listener_deafens_none_of_the_others(client: Redis, redis: Redis) -> None:
    heard: list[str] = []
    backs: list[str] = []

    def broken(payload: str) -> None:
        raise ValueError(payload)

    def broken_back() -> None:
        raise RuntimeError("back")

    subscriber = Subscriber(client)
    subscriber.listen({"t.stock": broken}, back=broken_back)
    subscriber.listen({"t.stock": heard.append}, back=lambda: backs.append("back"))
    subscriber.start()
    try:

        async def back() -> bool:
            return backs == ["back"]

        await _until(back, "the sound listener is told it is subscribed")
        await redis.publish(events.scoped(redis, "t.stock"), "1")
        await redis.publish(events.scoped(redis, "t.stock"), "2")

        async def both() -> bool:
            return heard == ["1", "2"]

        await _until(both, "the sound listener hears every message")
    finally:
        await subscriber.close()


async def test_a_listener_that_stops_is_no_longer_called_and_its_channel_is_left(client: Redis, redis: Redis) -> None:
    heard: list[str] = []
    subscriber = Subscriber(client)
    stop = subscriber.listen({"t.gone": heard.append})
    subscriber.listen({"t.kept": heard.append})
    subscriber.start()
    try:

        async def subscribed() -> bool:
            return await _subscribers(redis, "t.gone", "t.kept") == [1, 1]

        await _until(subscribed, "both channels are subscribed")
        stop()

        async def left() -> bool:
            return await _subscribers(redis, "t.gone", "t.kept") == [0, 1]

        await _until(left, "the channel nobody hears is unsubscribed")
        await redis.publish(events.scoped(redis, "t.gone"), "lost")
        await redis.publish(events.scoped(redis, "t.kept"), "kept")

        async def kept() -> bool:
            return heard == ["kept"]

        await _until(kept, "the remaining listener hears its channel")
    finally:
        await subscriber.close()


@pytest.mark.parametrize("retries", [0, 3], ids=["client-without-retries", "client-reconnecting-on-its-own"])
async def test_a_cut_connection_is_told_as_lost_then_back(redis_url: str, redis: Redis, retries: int) -> None:
    """Whatever was published while the connection was cut is unknown: the listener must hear of the gap, also
    when redis-py reconnects and subscribes again without a word."""
    client = Redis.from_url(redis_url, retry=Retry(NoBackoff(), retries))
    before = await _subscriber_connections(redis)
    signals: list[str] = []
    heard: list[str] = []
    subscriber = Subscriber(client)
    subscriber.listen({"t.cut": heard.append}, lost=lambda: signals.append("lost"), back=lambda: signals.append("back"))
    subscriber.start()
    try:

        async def back(times: int) -> bool:
            return signals == ["back", *["lost", "back"] * (times - 1)]

        await _until(lambda: back(1), "subscribed")
        [ours] = await _subscriber_connections(redis) - before
        await redis.client_kill_filter(_id=ours)
        await _until(lambda: back(2), "lost, then back")
        await redis.publish(events.scoped(redis, "t.cut"), "after")

        async def heard_after() -> bool:
            return heard == ["after"]

        await _until(heard_after, "messages reach the listener again")
    finally:
        await subscriber.close()
        await client.aclose()
    assert signals == ["back", "lost", "back", "lost"], "closing is a loss too"


async def test_closing_while_redis_does_not_answer_returns_at_once_and_leaves_no_task() -> None:
    """A Redis that accepts the connection and then says nothing (overloaded, or a network that drops what
    comes back) holds the reader inside a read: closing must not wait for it."""
    handlers: list[asyncio.Task[None]] = []

    async def mute(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handler = asyncio.current_task()
        assert handler is not None
        handlers.append(handler)
        await reader.read()  # until the client goes
        writer.close()

    server = await asyncio.start_server(mute, "127.0.0.1", 0)
    client = create_redis(f"redis://127.0.0.1:{server.sockets[0].getsockname()[1]}/0")
    tasks_before = asyncio.all_tasks()
    subscriber = Subscriber(client)
    subscriber.listen({"t.mute": print})
    subscriber.start()
    try:

        async def connected() -> bool:
            return bool(handlers)

        await _until(connected, "the subscriber connects")
        await asyncio.sleep(0.3)  # it now waits for an answer that never comes
        started = asyncio.get_running_loop().time()
        await subscriber.close()
        assert asyncio.get_running_loop().time() - started < 0.5
        await asyncio.wait(handlers, timeout=QUICK)
        assert asyncio.all_tasks() == tasks_before, "the subscriber's task ended and its connection is closed"
    finally:
        server.close()
        await client.aclose()


async def test_a_shop_on_another_database_of_the_same_redis_server_is_not_heard(
    redis_url: str, client: Redis, redis: Redis
) -> None:
    """Pub/sub channels are server-wide whatever the database number: without each database's own names, a live
    product page heard the other shop's stock of the product with the same id."""
    own = client.connection_pool.connection_kwargs.get("db", 0)
    neighbour = Redis.from_url(redis_url.rsplit("/", 1)[0] + f"/{(own + 1) % 16}")
    heard: list[str] = []
    backs: list[str] = []
    subscriber = Subscriber(client)
    subscriber.listen({events.SYNC_REQUESTED: heard.append}, back=lambda: backs.append("back"))
    subscriber.start()
    try:

        async def back() -> bool:
            return backs == ["back"]

        await _until(back, "subscribed")
        assert await Effects(neighbour).request_sync(7)
        assert await Effects(redis).request_sync(8)

        async def ours() -> bool:
            return heard == ["8"]

        await _until(ours, "our own request is heard, and the neighbour's (published first) never")
    finally:
        await subscriber.close()
        await neighbour.aclose()
