"""Processes stored webhook events: claimed with SKIP LOCKED (replicas share the queue), applied idempotently
(a replayed or late event changes nothing), retried with backoff, failed loudly after the last try. Events
stored before a crash are simply still pending: the next worker picks them up."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import asyncpg
from redis.asyncio import Redis

from core import cancellation_requests, events, marketplace_orders, marketplaces, pushes, webhooks
from core.cancellation_requests import IncomingCancellationRequest
from core.marketplaces import Connection
from core.pushes import Work
from core.subscriber import Subscriber
from core.unit_of_work import Effects, UnitOfWork
from core.vault import Vault
from sync.adapter import OrderLookup
from sync.adapters import build_adapter
from sync.http import MarketplaceError
from sync.limiter import RateLimits
from sync.returns import RETURNS_EVERY

log = logging.getLogger(__name__)

# Events claimed per transaction. Those that ask nothing of us cost one bulk update per claim, so even 20 go
# by the thousand a second; more would let a claim of imports (each a call to the marketplace, with retries up
# to minutes while it is down) hold its transaction open for longer.
CLAIM_BATCH = 20
# Under a burst every stored batch wakes the worker; rounds at most this often let a claim take what arrived
# meanwhile (tens of events) instead of a few per round, each round costing its own transaction. An event
# after a quiet spell is still claimed at once.
MIN_ROUND_SECONDS = 0.05
# The events of a marketplace whose keys do not open with this SECRET_KEY wait this long, counting no attempt, until
# its keys are configured again or the right key is back; the other marketplaces' events go on meanwhile.
UNREADABLE_POSTPONE = timedelta(minutes=1)


class WebhookWorker:
    def __init__(
        self,
        pool: asyncpg.Pool,
        redis: Redis,
        subscriber: Subscriber,
        effects: Effects,
        vault: Vault,
        *,
        sweep_seconds: float = 5.0,
        route: Callable[[Connection], Connection] | None = None,
        adapter_options: Callable[[Connection], dict[str, Any]] | None = None,
        limits: RateLimits | None = None,
    ) -> None:
        self._pool, self._redis, self._subscriber, self._effects, self._vault = pool, redis, subscriber, effects, vault
        # The process's limits (shared with its pusher and puller); alone, its own on the same Redis.
        self._limits = limits or RateLimits(redis)
        self._sweep = sweep_seconds
        self._route = route or (lambda connection: connection)
        self._options = adapter_options or (lambda connection: {})
        self._wake = asyncio.Event()
        self._told_unreadable: set[int] = set()

    async def run(self, stop: asyncio.Event) -> None:
        async with aiohttp.ClientSession() as session:
            # Woken by each stored event, and when the subscription is back: events stored meanwhile woke nobody.
            stop_listening = self._subscriber.listen(
                {events.WEBHOOK_RECEIVED: lambda marketplace_id: self._wake.set()}, back=self._wake.set
            )
            try:
                loop = asyncio.get_running_loop()
                while not stop.is_set():
                    started = loop.time()
                    self._wake.clear()  # what is stored from now on wakes the next round
                    try:
                        await self.process_due(session)
                    except Exception:
                        log.exception("webhook processing failed this round")
                    await self._sleep(stop)
                    pause = MIN_ROUND_SECONDS - (loop.time() - started)
                    if pause > 0 and not stop.is_set():
                        await asyncio.sleep(pause)
            finally:
                stop_listening()

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
                async with self._effects.transaction(conn) as uow:
                    due = await webhooks.claim(conn, CLAIM_BATCH)
                    if due:
                        await self._process(uow, due, session)
                handled += len(due)
                if len(due) < CLAIM_BATCH:  # every due event was in this claim (or is another replica's)
                    return handled

    async def _process(self, uow: UnitOfWork, due: list[asyncpg.Record], session: aiohttp.ClientSession) -> None:
        conn = uow.conn
        readable, unreadable = await marketplaces.readable_api_connections(conn, self._vault)
        connections = {c.marketplace_id: c for c in readable}
        waiting = [event["id"] for event in due if event["marketplace_id"] in unreadable]
        if waiting:
            await webhooks.postponed(conn, waiting, UNREADABLE_POSTPONE)
            for marketplace_id in set(unreadable) - self._told_unreadable:
                log.error(
                    "marketplace %s: its keys cannot be decrypted with this SECRET_KEY; its webhook events"
                    " wait for them",
                    marketplace_id,
                )
            self._told_unreadable.update(unreadable)
        done: list[int] = []
        for event in due:
            if event["id"] in waiting:
                continue
            connection = connections.get(event["marketplace_id"])
            work = _work_of(event, connection) if connection is not None else None
            if work is None or connection is None:
                done.append(event["id"])  # most events ask nothing of us: no savepoint, no statement of their own
                continue
            try:
                async with uow.savepoint():
                    await self._apply(uow, work, connection, session)
                done.append(event["id"])
            except Exception as error:
                log.warning("webhook %s (%s) failed: %s", event["id"], event["event_type"], error)
                await webhooks.failed(conn, event, str(error))
        await webhooks.processed(conn, done)

    async def _apply(self, uow: UnitOfWork, work: Work, connection: Connection, session: aiohttp.ClientSession) -> None:
        if work.cancel:
            await marketplace_orders.cancel_imported(uow, connection.marketplace_id, work.order_key, connection.name)
            return
        if work.returns:
            # Its goods may wait for the seller now: the puller reads the returns at its next tick, not in 15 min.
            await uow.conn.execute(
                "UPDATE marketplaces SET returns_pulled_at = LEAST(returns_pulled_at, NOW() - $2::interval)"
                " WHERE id = $1",
                connection.marketplace_id,
                RETURNS_EVERY,
            )
            return
        key, marketplace_id = work.order_key, connection.marketplace_id
        if work.progress is not None:
            followed = await marketplace_orders.follow_progress(
                uow, marketplace_id, key, work.progress, connection.name
            )
            # One we do not hold on its way now lost its earlier notices: it is imported first, below, as one heard
            # of in PROCESSING is. One delivered may be from before the shop was connected: the pull's catch-up
            # imports it when it is newer than the last pull.
            if followed is not None or work.progress != "left":
                return
        if work.cancellation_requested:
            # An order we do not hold yet is not waited for here: the pull records its request after importing it.
            asked = IncomingCancellationRequest(work.order_key, work.requested_at)
            heard_at = work.requested_at or datetime.now(UTC)
            await cancellation_requests.record(uow, connection.marketplace_id, asked, heard_at=heard_at)
            return
        connection = self._route(connection)
        adapter = build_adapter(connection, session, self._limits, **self._options(connection))
        if not isinstance(adapter, OrderLookup):
            raise MarketplaceError(f"{connection.name}: its adapter cannot fetch one order")
        # The push names the order; its lines and prices (and whether it was cancelled meanwhile) come from the API.
        incoming = await adapter.order(work.order_key)
        if incoming is None:
            raise LookupError(f"order {work.order_key} not found on {connection.name} yet")
        await marketplace_orders.import_order(uow, connection.marketplace_id, incoming)
        if work.progress is not None:  # first heard of past the seller's steps (its earlier notices lost)
            await marketplace_orders.follow_progress(uow, marketplace_id, key, work.progress, connection.name)


def _work_of(event: asyncpg.Record, connection: Connection) -> Work | None:
    """What the event asks of us, in its marketplace's push protocol; None when it asks nothing, as an event for
    another shop or warehouse of the seller's does."""
    protocol = pushes.protocol_for(connection.api_type)
    work = protocol.work_of(event["event_type"], event["payload"]) if protocol is not None else None
    if work is not None and not pushes.concerns(work, connection):
        log.info(
            "webhook %s (%s) is for place %s, not %s's: nothing to do",
            event["id"],
            event["event_type"],
            work.place,
            connection.name,
        )
        return None
    return work
