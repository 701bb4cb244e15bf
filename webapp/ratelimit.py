"""Per-customer request budget on the API: fixed one-minute windows, shared by replicas through Redis.

Each process counts its own requests in memory and adds them to the shared window in Redis twice a second,
learning the total across replicas as it does: a request then costs no Redis round trip, and a customer
spreading requests over replicas can overshoot the limit by at most half a second of traffic. With Redis
down each process still limits what it sees itself: a shop that refuses customers because its limiter is
broken sells nothing, one that is flooded sells nothing either.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from aiohttp import web
from redis.asyncio import Redis

from webapp.auth import CALLER
from webapp.errors import ApiError
from webapp.keys import REDIS, SETTINGS

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60
SHARE_EVERY_SECONDS = 0.5


class RequestBudget:
    def __init__(self, redis: Redis, limit: int) -> None:
        self._redis = redis
        self._limit = limit
        # (user id, window) -> requests not yet added to Redis / the window's total there, as last heard.
        self._unshared: dict[tuple[int, int], int] = {}
        self._shared: dict[tuple[int, int], int] = {}
        # Counts on their way to Redis: still spent while the round trip lasts (seconds, when Redis is failing).
        self._sending: dict[tuple[int, int], int] = {}

    def spend(self, user_id: int, now: float) -> int | None:
        """Count one request; None when it is within the budget, else the seconds to wait."""
        window = int(now // WINDOW_SECONDS)
        key = (user_id, window)
        used = self._shared.get(key, 0) + self._sending.get(key, 0) + self._unshared.get(key, 0)
        if used >= self._limit:
            return max(1, int((window + 1) * WINDOW_SECONDS - now) + 1)
        self._unshared[key] = self._unshared.get(key, 0) + 1
        return None

    async def share(self, now: float) -> None:
        """Add this process's counts to Redis and learn the totals; counts stay local while Redis is down."""
        current = int(now // WINDOW_SECONDS)
        self._shared = {key: total for key, total in self._shared.items() if key[1] >= current}
        self._unshared = {key: count for key, count in self._unshared.items() if key[1] >= current}
        batch, self._unshared = self._unshared, {}
        if not batch:
            return
        self._sending = batch
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for (user_id, window), count in batch.items():
                    redis_key = f"ratelimit:{user_id}:{window}"
                    pipe.incrby(redis_key, count)
                    pipe.expire(redis_key, WINDOW_SECONDS * 2)
                answers = await pipe.execute()
        except Exception as error:
            log.debug("rate limit counts kept local: %s", error)
            for key, count in batch.items():
                self._unshared[key] = self._unshared.get(key, 0) + count
            return
        finally:
            self._sending = {}
        for key, total in zip(batch, answers[::2], strict=True):
            self._shared[key] = int(total)


REQUEST_BUDGET = web.AppKey("request_budget", RequestBudget)


async def request_budget(app: web.Application) -> AsyncIterator[None]:
    """The budget of this process, shared with the others until shutdown."""
    budget = app[REQUEST_BUDGET] = RequestBudget(app[REDIS], app[SETTINGS].api_rate_limit)

    async def share_forever() -> None:
        while True:
            await asyncio.sleep(SHARE_EVERY_SECONDS)
            await budget.share(time.time())

    task = asyncio.create_task(share_forever(), name="request-budget")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await budget.share(time.time())


def spend_budget(request: web.Request) -> None:
    """Count a request of the caller (request[CALLER]); 429 with Retry-After once the minute's budget is spent."""
    retry_after = request.app[REQUEST_BUDGET].spend(request[CALLER].id, time.time())
    if retry_after is not None:
        raise ApiError(
            429,
            "rate_limited",
            "too many requests; please slow down",
            {"retry_after": retry_after},
            headers={"Retry-After": str(retry_after)},
        )
