"""Runs the pulls while the process lives: per API marketplace, orders (or stock_diff) and returns every
`sync_interval_minutes`, prices hourly and a stock reconciliation every 30 minutes. When each pull last ran is
kept in the database and every run holds an advisory lock, so several replicas pull once per interval."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import aiohttp
import asyncpg
from redis.asyncio import Redis

from core import marketplaces
from core.db import Conn
from core.marketplaces import Connection
from core.periodic import run_once, until_stopped
from core.unit_of_work import Effects
from core.unreadable_keys import UnreadableKeys
from core.vault import Vault
from sync.adapter import Adapter, Fulfilment
from sync.adapters import build_adapter
from sync.http import MarketplaceError
from sync.limiter import RateLimits
from sync.pull import PullRun, pull_orders, pull_prices, pull_stock_diff, reconcile
from sync.returns import RETURNS_EVERY, pull_returns
from sync.throttle_alerts import announce_throttle

log = logging.getLogger(__name__)

PRICES_EVERY = timedelta(hours=1)
RECONCILE_EVERY = timedelta(minutes=30)

_DUE = """
SELECT orders_pulled_at IS NULL OR orders_pulled_at <= NOW() - $2::interval AS orders,
       prices_pulled_at IS NULL OR prices_pulled_at <= NOW() - $3::interval AS prices,
       NOT EXISTS (SELECT 1 FROM sync_logs WHERE marketplace_id = $1 AND sync_type = 'reconcile'
                    AND started_at > NOW() - $4::interval) AS reconcile,
       returns_pulled_at IS NULL OR returns_pulled_at <= NOW() - $5::interval AS returns
  FROM marketplaces WHERE id = $1
"""


class MarketplacePuller:
    def __init__(
        self,
        pool: asyncpg.Pool,
        redis: Redis,
        effects: Effects,
        vault: Vault,
        *,
        tick_seconds: float = 15.0,
        route: Callable[[Connection], Connection] | None = None,
        adapter_options: Callable[[Connection], dict[str, Any]] | None = None,
        limits: RateLimits | None = None,
    ) -> None:
        self._pool, self._effects, self._vault = pool, effects, vault
        # The process's limits (shared with its pusher and webhook worker); alone, its own on the same Redis.
        self._limits = limits or RateLimits(redis)
        self._tick = tick_seconds
        self._route = route or (lambda connection: connection)
        self._options = adapter_options or (lambda connection: {})
        self._adapters: dict[int, tuple[tuple[Any, ...], Adapter]] = {}
        self.runs: list[PullRun] = []
        self._unreadable = UnreadableKeys("order and stock pulls")

    async def run(self, stop: asyncio.Event) -> None:
        async with aiohttp.ClientSession() as session:
            while not stop.is_set():
                # A stopping process abandons a round mid-way rather than wait out the platforms' rate limits
                # (Uzum's orders alone take a few seconds at its pace): a pull only reads the platforms, and what
                # it writes here is one transaction per job, which rolls back.
                if not await until_stopped(self._round(session), stop):
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._tick)

    async def _round(self, session: aiohttp.ClientSession) -> None:
        try:
            async with self._pool.acquire() as conn:
                # One marketplace whose keys do not open must not keep the others' orders out.
                connections, unreadable = await marketplaces.readable_api_connections(conn, self._vault)
                await self._unreadable.tell(conn, unreadable)
            for connection in connections:
                if connection.auto_sync_enabled:
                    await self.pull_due(self._route(connection), session)
        except Exception:
            log.exception("marketplace pulls failed this round")

    async def pull_due(self, connection: Connection, session: aiohttp.ClientSession) -> None:
        try:
            adapter = self._adapter(connection, session)
        except MarketplaceError as error:
            log.warning("cannot pull %s: %s", connection.slug, error)
            return

        async def job(conn: Conn) -> None:
            due = await conn.fetchrow(
                _DUE,
                connection.marketplace_id,
                timedelta(minutes=connection.sync_interval_minutes),
                PRICES_EVERY,
                RECONCILE_EVERY,
                RETURNS_EVERY,
            )
            assert due is not None  # marketplaces are never deleted: the connection's row is there
            runs = []
            if due["orders"]:
                pull = pull_stock_diff if connection.sales_source == "stock_diff" else pull_orders
                runs.append(await pull(conn, self._effects, connection, adapter))
            if due["returns"] and isinstance(adapter, Fulfilment):  # they wait for an admin's decision in chat
                runs.append(await pull_returns(conn, self._effects, connection, adapter))
            if due["prices"]:
                runs.append(await pull_prices(conn, connection, adapter))
            if due["reconcile"]:
                runs.append(await reconcile(conn, connection, adapter))
            for run in runs:
                if run.status != "success":
                    log.info("pull %s %s: %s (%s)", connection.slug, run.kind, run.status, run.error or "")
            self.runs = [*self.runs[-99:], *runs]

        await run_once(self._pool, f"pull:{connection.marketplace_id}", job)
        await announce_throttle(self._pool, connection, self._limits)

    def _adapter(self, connection: Connection, session: aiohttp.ClientSession) -> Adapter:
        identity = (
            connection.base_url,
            connection.token,
            connection.client_id,
            connection.api_key,
            connection.warehouse_id,
            connection.shop_id,
        )
        cached = self._adapters.get(connection.marketplace_id)
        if cached is None or cached[0] != identity:
            cached = (identity, build_adapter(connection, session, self._limits, **self._options(connection)))
            self._adapters[connection.marketplace_id] = cached
        return cached[1]
