"""Keeps every API marketplace's stock equal to ours while the process runs: one loop per marketplace,
woken within moments of a stock change (Redis `stock.changed`), when the Redis subscription is back (changes
made meanwhile were not heard), and by a periodic sweep as a backstop (so a lost message or a Redis outage
only delays a push). A paused marketplace is skipped; a change of its settings takes effect on the next run."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import aiohttp
import asyncpg
from redis.asyncio import Redis

from core import marketplaces
from core.events import STOCK_CHANGED, SYNC_REQUESTED
from core.subscriber import Subscriber
from core.unreadable_keys import UnreadableKeys
from core.vault import Vault
from sync.adapter import Adapter
from sync.adapters import build_adapter
from sync.http import MarketplaceError
from sync.limiter import RateLimits
from sync.push import PushRun, push_due
from sync.throttle_alerts import announce_throttle

log = logging.getLogger(__name__)


class StockPusher:
    def __init__(
        self,
        pool: asyncpg.Pool,
        redis: Redis,
        subscriber: Subscriber,
        vault: Vault,
        *,
        sweep_seconds: float = 30.0,
        coalesce_seconds: float = 0.2,
        adapter_options: Callable[[marketplaces.Connection], dict[str, Any]] | None = None,
        route: Callable[[marketplaces.Connection], marketplaces.Connection] | None = None,
        limits: RateLimits | None = None,
    ) -> None:
        self._pool, self._subscriber, self._vault = pool, subscriber, vault
        # The process's limits (shared with its puller and webhook worker); alone, its own on the same Redis.
        self._limits = limits or RateLimits(redis)
        self._sweep = sweep_seconds
        self._coalesce = coalesce_seconds
        self._options = adapter_options or (lambda connection: {})
        # Where each marketplace is reached: itself, or a stand-in (the demo's sandboxes).
        self._route = route or (lambda connection: connection)
        self._wakes: dict[int, asyncio.Event] = {}
        self._manual: set[int] = set()
        self._unreadable = UnreadableKeys("stock pushes")
        self.runs: list[PushRun] = []  # the latest runs, for tests and /sync

    async def run(self, stop: asyncio.Event) -> None:
        async with aiohttp.ClientSession() as session:
            loops: dict[int, asyncio.Task[None]] = {}
            stop_listening = self._subscriber.listen(
                {STOCK_CHANGED: lambda change: self.wake(), SYNC_REQUESTED: self._requested},
                back=self.wake,
            )
            try:
                while not stop.is_set():
                    try:
                        async with self._pool.acquire() as conn:
                            # One marketplace whose keys do not open must not keep the others' stock from them.
                            readable, unreadable = await marketplaces.readable_api_connections(conn, self._vault)
                            await self._unreadable.tell(conn, unreadable)
                        ids = [c.marketplace_id for c in readable]
                    except Exception as error:
                        log.warning("cannot read marketplaces (%s); retrying", error)
                        ids = []
                    for marketplace_id in ids:
                        # A loop ends when its marketplace leaves (its keys stopped opening): one starts again
                        # when it is back.
                        if marketplace_id not in loops or loops[marketplace_id].done():
                            self._wakes[marketplace_id] = asyncio.Event()
                            loops[marketplace_id] = asyncio.create_task(
                                self._loop(marketplace_id, session, stop), name=f"push-{marketplace_id}"
                            )
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), self._sweep)
            finally:
                stop_listening()
                for task in loops.values():
                    task.cancel()
                await asyncio.gather(*loops.values(), return_exceptions=True)

    def wake(self, marketplace_id: int | None = None) -> None:
        for key, event in self._wakes.items():
            if marketplace_id is None or key == marketplace_id:
                event.set()

    async def _loop(self, marketplace_id: int, session: aiohttp.ClientSession, stop: asyncio.Event) -> None:
        adapter: Adapter | None = None
        built_for: tuple[Any, ...] | None = None
        wake = self._wakes[marketplace_id]
        trigger = "scheduled"
        while not stop.is_set():
            resume_in: float | None = None
            try:
                async with self._pool.acquire() as conn:
                    readable, _ = await marketplaces.readable_api_connections(conn, self._vault)
                    connection = next((c for c in readable if c.marketplace_id == marketplace_id), None)
                if connection is None:
                    return
                connection = self._route(connection)
                if connection.auto_sync_enabled or trigger == "manual":
                    identity = (
                        connection.base_url,
                        connection.token,
                        connection.client_id,
                        connection.api_key,
                        connection.warehouse_id,
                        connection.shop_id,
                    )
                    if adapter is None or identity != built_for:
                        adapter = build_adapter(connection, session, self._limits, **self._options(connection))
                        built_for = identity
                    run = await push_due(self._pool, connection, adapter, trigger=trigger)
                    if run is not None:
                        self.runs = [*self.runs[-99:], run]
                        resume_in = run.resume_in
                await announce_throttle(self._pool, connection, self._limits)
            except MarketplaceError as error:
                log.warning("push to marketplace %s not possible: %s", marketplace_id, error)
            except Exception:
                log.exception("push to marketplace %s failed", marketplace_id)
            trigger = await self._wait(marketplace_id, wake, stop, resume_in)

    async def _wait(
        self, marketplace_id: int, wake: asyncio.Event, stop: asyncio.Event, resume_in: float | None
    ) -> str:
        if resume_in is not None:
            # The account is paused after a 429: changes meanwhile would only fail fast again; they stay due
            # and go in a run right after the pause.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), resume_in)
            wake.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), self._sweep)
        if not wake.is_set():
            return "scheduled"
        await asyncio.sleep(self._coalesce)  # let a burst of changes land: many changes, one push
        wake.clear()
        if marketplace_id in self._manual:
            self._manual.discard(marketplace_id)
            return "manual"
        return "event"

    def _requested(self, marketplace_id: str) -> None:
        self._manual.add(int(marketplace_id))
        self.wake(int(marketplace_id))
