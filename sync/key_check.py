"""Marketplace key checks on demand: the CLI's `marketplace check` runs one directly; the bot's Check key
button asks over Redis (core.key_checks) and whichever process runs this job answers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import aiohttp
import asyncpg
from redis.asyncio import Redis

from core import channels, key_checks, marketplaces, unreadable_keys
from core.key_checks import Answer, KeyCheck, Request
from core.marketplaces import Connection
from core.periodic import unless_stopped
from core.vault import Vault
from sync.adapters import build_adapter
from sync.http import MarketplaceError, RetryPolicy
from sync.limiter import RateLimits

log = logging.getLogger(__name__)

# Someone is waiting for the answer: one quick retry, not the sync's minutes of patience.
CHECK_RETRY = RetryPolicy(attempts=2, base_delay=0.5, max_delay=5.0)
REDIS_DOWN_PAUSE = 2.0


async def check_key(
    connection: Connection, session: aiohttp.ClientSession, limits: RateLimits, **options: Any
) -> KeyCheck:
    """The platform's word on the connection's key; raises MarketplaceError when it refuses it."""
    adapter = build_adapter(connection, session, limits, **{"policy": CHECK_RETRY, **options})
    return await adapter.check()


class KeyChecker:
    def __init__(
        self,
        pool: asyncpg.Pool,
        redis: Redis,
        vault: Vault,
        *,
        limits: RateLimits | None = None,
        route: Callable[[Connection], Connection] | None = None,
        adapter_options: Callable[[Connection], dict[str, Any]] | None = None,
    ) -> None:
        self._pool, self._redis, self._vault = pool, redis, vault
        self._limits = limits or RateLimits(redis)
        self._route = route or (lambda connection: connection)
        self._options = adapter_options or (lambda connection: {})
        self._unreadable = unreadable_keys.UnreadableKeys("key checks")

    async def run(self, stop: asyncio.Event) -> None:
        async with aiohttp.ClientSession() as session:
            while not stop.is_set():
                try:
                    # Stopping does not wait out the Redis block (a request popped just then: its asker times out).
                    request = await unless_stopped(key_checks.next_request(self._redis), stop)
                    if request is not None:
                        await key_checks.reply(self._redis, request, await self.answer(request, session))
                except Exception as error:  # Redis down: the askers time out and say so
                    log.warning("key check not answered: %s", error)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), REDIS_DOWN_PAUSE)

    async def answer(self, request: Request, session: aiohttp.ClientSession) -> Answer:
        candidate = request.candidate
        async with self._pool.acquire() as conn:
            readable, unreadable = await marketplaces.readable_api_connections(conn, self._vault)
            connection = next((c for c in readable if c.marketplace_id == request.marketplace_id), None)
            if request.marketplace_id in unreadable:
                await self._unreadable.tell(conn, [request.marketplace_id])
                if candidate is None:  # nothing to check with
                    return Answer(refused=unreadable_keys.REFUSED)
                # Keys entered again are how it is mended: they are checked in place of those that do not open.
                slug = (await channels.get(conn, request.marketplace_id)).slug
                connection = await marketplaces.connection(conn, slug, self._vault, unreadable_as_none=True)
        if connection is None:
            return Answer(refused="not an active API marketplace")
        if candidate is not None:  # keys an admin is connecting: checked before they replace the stored ones
            connection = replace(
                connection,
                token=self._vault.open(candidate.token) if candidate.token else connection.token,
                client_id=candidate.client_id or connection.client_id,
                api_key=self._vault.open(candidate.api_key) if candidate.api_key else connection.api_key,
            )
        connection = self._route(connection)
        try:
            return Answer(await check_key(connection, session, self._limits, **self._options(connection)))
        except MarketplaceError as error:
            return Answer(refused=str(error))
