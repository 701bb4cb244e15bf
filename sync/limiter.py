"""One rate limit per marketplace account and call family, shared by every adapter of every process (pusher,
puller, reconcile, webhook worker, each replica) through Redis; and the pause after a 429 that every call of the
account waits out or fails fast on. While Redis is unreachable each process keeps the limits in memory."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.listings import platform
from core.marketplaces import Connection
from sync.limiter_local import LocalLimitStore
from sync.limiter_redis import RedisLimitStore
from sync.limiter_store import Backoff, LimitStore, Notice, Slot, Verdict

log = logging.getLogger(__name__)

# After Redis failed, calls use process memory this long before Redis is tried again: a dead Redis must not
# add a connect timeout to every marketplace request.
REDIS_RETRY_SECONDS = 10.0

T = TypeVar("T")


def per_second(requests: float, burst: int = 1) -> Slot:
    return Slot(1 / requests, burst)


def per_window(requests: int, seconds: float, burst: int) -> Slot:
    """At most ``requests`` in any ``seconds``-long window (the platform counts a sliding window): ``burst``
    at once, the rest spread so that burst + the window's paced requests never exceed the limit."""
    return Slot(seconds / (requests - burst), burst)


def account_of(connection: Connection) -> str:
    """Who the platform counts requests for: the Client-Id where its key is a client id with an API key, else the
    token (as its declaration says), at its address (two sandboxes are two accounts). A hash: the token never
    reaches Redis."""
    two_part = platform(connection.api_type).credentials == "client_id_and_api_key"
    who = connection.client_id if two_part else connection.token
    identity = f"{connection.api_type}|{connection.base_url or ''}|{who or ''}"
    return hashlib.sha256(identity.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Turn:
    """May the request go? If not, ``wait`` is how long it would have to wait, and ``paused`` whether that is
    a pause after a 429 (else our own pace is booked that far ahead). ``episode``: the account is in a
    throttle episode, so this request's success may end it."""

    granted: bool
    wait: float = 0.0
    paused: bool = False
    episode: bool = False


class RateLimits:
    """The process's rate limits: one instance shared by every adapter the process builds."""

    def __init__(self, redis: Redis | None) -> None:
        self._shared: LimitStore | None = RedisLimitStore(redis) if redis is not None else None
        self._local = LocalLimitStore()
        self._local_until = 0.0
        self._redis_lost = False
        # Pauses this process has heard of: a request that slept for its slot checks them before it goes.
        self._pauses: dict[str, float] = {}

    def lane(self, connection: Connection, family: str, slot: Slot) -> Lane:
        return Lane(self, account_of(connection), family, slot)

    async def notice(self, connection: Connection) -> Notice:
        """What the admins have not heard yet of the account's throttle episode (each part handed out once)."""
        return await self._use(lambda store: store.claim_notice(account_of(connection)))

    async def take(self, account: str, family: str, slot: Slot, max_wait: float) -> Verdict:
        return await self._use(lambda store: store.take(account, family, slot, max_wait))

    async def throttle(self, account: str, family: str, backoff: Backoff) -> float:
        pause = await self._use(lambda store: store.throttle(account, family, backoff))
        if backoff.hint is None:
            self._pauses[account] = time.monotonic() + pause
        return pause

    async def recover(self, account: str) -> None:
        await self._use(lambda store: store.recover(account))

    def heard_pause(self, account: str) -> bool:
        """Has this process seen the account paused (a request that slept for its slot checks before it goes)?"""
        return self._pauses.get(account, 0.0) > time.monotonic()

    async def _use(self, operation: Callable[[LimitStore], Awaitable[T]]) -> T:
        if self._shared is not None and time.monotonic() >= self._local_until:
            try:
                result = await operation(self._shared)
            except (RedisError, OSError) as error:
                self._local_until = time.monotonic() + REDIS_RETRY_SECONDS
                if not self._redis_lost:
                    self._redis_lost = True
                    log.warning(
                        "marketplace rate limits: Redis unreachable (%s); each process paces its own "
                        "calls until it is back",
                        error,
                    )
            else:
                if self._redis_lost:
                    self._redis_lost = False
                    log.info("marketplace rate limits: shared through Redis again")
                return result
        return await operation(self._local)


class Lane:
    """One call family of one account (e.g. WB prices): every request waits for its slot here."""

    def __init__(self, limits: RateLimits, account: str, family: str, slot: Slot) -> None:
        self._limits = limits
        self._account = account
        self._family = family
        self._slot = slot

    async def turn(self, patience: float) -> Turn:
        """Wait for the request's slot, and for a pause to end, if that takes at most ``patience`` seconds."""
        deadline = time.monotonic() + patience
        while True:
            left = max(0.0, deadline - time.monotonic())
            verdict = await self._limits.take(self._account, self._family, self._slot, left)
            if verdict.kind == "busy" or (verdict.kind == "paused" and verdict.wait > left):
                return Turn(False, verdict.wait, verdict.kind == "paused", verdict.episode)
            if verdict.wait > 0:
                await asyncio.sleep(verdict.wait)
            # A 429 this process heard of while the request slept for its slot: the slot is given up.
            if verdict.kind == "go" and not (verdict.wait > 0 and self._limits.heard_pause(self._account)):
                return Turn(True, episode=verdict.episode)

    async def throttled(self, hint: float | None, first: float, most: float, notable: float) -> float:
        """A 429: pause the family for the hinted time, or the whole account with growing backoff; returns
        the seconds until calls may go again."""
        return await self._limits.throttle(self._account, self._family, Backoff(hint, first, most, notable))

    async def recovered(self) -> None:
        """A call went through during a throttle episode: the episode ends once its pause has run out."""
        await self._limits.recover(self._account)
