"""Processes stored webhook events: claimed with SKIP LOCKED (replicas share the queue), applied idempotently
(a replayed or late event changes nothing), retried with backoff, failed loudly after the last try. Events
stored before a crash are simply still pending: the next worker picks them up."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import aiohttp
import asyncpg
from redis.asyncio import Redis

from core import events, marketplace_orders, marketplaces, webhooks
from core.inventory import StockLevel
from core.marketplaces import Connection
from core.vault import Vault
from sync.adapters import build_adapter

log = logging.getLogger(__name__)

CANCELLED_STATE = "posting_canceled"


class WebhookWorker:
    def __init__(self, pool: asyncpg.Pool, redis: Redis, vault: Vault, *, sweep_seconds: float = 5.0,
                 route: Callable[[Connection], Connection] | None = None,
                 adapter_options: Callable[[Connection], dict[str, Any]] | None = None) -> None:
        self._pool, self._redis, self._vault = pool, redis, vault
        self._sweep = sweep_seconds
        self._route = route or (lambda connection: connection)
        self._options = adapter_options or (lambda connection: {})
        self._wake = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        async with aiohttp.ClientSession() as session:
            listener = asyncio.create_task(events.follow(self._redis, events.WEBHOOK_RECEIVED, self._wake.set))
            try:
                while not stop.is_set():
                    try:
                        await self.process_due(session)
                    except Exception:
                        log.exception("webhook processing failed this round")
                    await self._sleep(stop)
                    self._wake.clear()
            finally:
                listener.cancel()
                await asyncio.gather(listener, return_exceptions=True)

    async def _sleep(self, stop: asyncio.Event) -> None:
        """Until an event arrives, the sweep is due, or the process stops, whichever comes first."""
        waiters = [asyncio.create_task(self._wake.wait()), asyncio.create_task(stop.wait())]
        await asyncio.wait(waiters, timeout=self._sweep, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    async def process_due(self, session: aiohttp.ClientSession) -> int:
        """Work through every due event; returns how many were handled (processed or retried)."""
        handled = 0
        async with self._pool.acquire() as conn:
            while True:
                levels: list[StockLevel] = []
                async with conn.transaction():
                    due = await webhooks.claim(conn)
                    for event in due:
                        try:
                            async with conn.transaction():
                                levels.extend(await self._apply(conn, event, session))
                            await webhooks.processed(conn, event["id"])
                        except Exception as error:
                            log.warning("webhook %s (%s) failed: %s", event["id"], event["event_type"], error)
                            await webhooks.failed(conn, event, str(error))
                await events.publish_stock_changed(self._redis, levels)
                handled += len(due)
                if not due:
                    return handled

    async def _apply(self, conn: asyncpg.Connection, event: asyncpg.Record,
                     session: aiohttp.ClientSession) -> tuple[StockLevel, ...]:
        connection = next((c for c in await marketplaces.api_connections(conn, self._vault)
                           if c.marketplace_id == event["marketplace_id"]), None)
        if connection is None:
            return ()
        payload: dict[str, Any] = event["payload"]
        kind = event["event_type"]
        number = str(payload.get("posting_number") or "")
        cancelled = kind == "TYPE_POSTING_CANCELLED" or (
            kind == "TYPE_STATE_CHANGED" and payload.get("new_state") == CANCELLED_STATE
        )
        if cancelled and number:
            return await marketplace_orders.cancel_imported(conn, connection.marketplace_id, number, connection.name)
        if kind == "TYPE_NEW_POSTING" and number:
            connection = self._route(connection)
            adapter = build_adapter(connection, session, **self._options(connection))
            # The push names the posting; its prices (and whether it was cancelled meanwhile) come from the API.
            incoming = await adapter.posting(number)  # type: ignore[attr-defined]
            if incoming is None:
                raise LookupError(f"posting {number} not found on {connection.name} yet")
            imported = await marketplace_orders.import_order(conn, connection.marketplace_id, incoming)
            return imported.stock
        return ()  # other events (state changes we do not mirror, chats, prices) need nothing from us
