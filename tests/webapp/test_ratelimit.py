"""The per-customer request budget while its counts are on their way to Redis: a Redis that takes seconds to
answer (failing, or far) must not give a customer a fresh budget meanwhile."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from webapp.ratelimit import RequestBudget

LIMIT = 5
CUSTOMER = 42


@pytest.fixture
async def silent_redis() -> AsyncIterator[Redis]:
    """A Redis address that takes the connection and never answers, as a hung server does."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = Redis(host="127.0.0.1", port=port, socket_timeout=30)
    yield client
    await client.aclose()
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_requests_while_the_counts_are_being_shared_still_spend_the_budget(silent_redis: Redis) -> None:
    budget = RequestBudget(silent_redis, LIMIT)
    now = time.time()
    assert [budget.spend(CUSTOMER, now) for _ in range(LIMIT)] == [None] * LIMIT
    sharing = asyncio.create_task(budget.share(now))
    await asyncio.sleep(0.2)  # the counts are sent; the answer does not come
    assert not sharing.done()
    assert budget.spend(CUSTOMER, now) is not None, "the sixth request of the window is refused"
    sharing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sharing
