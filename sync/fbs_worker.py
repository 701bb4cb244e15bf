"""Runs the FBS actions the admins ask from chat (core.fbs): claimed one at a time with SKIP LOCKED (replicas
share the queue), done on the platform through its adapter's Fulfilment, and recorded in the same transaction
as what they change here (the order's work state, a seller's cancel giving the stock back), with a sync_logs row
each. Woken by each request; a sweep finds those whose wake-up was lost."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import aiohttp
import asyncpg
from redis.asyncio import Redis

from core import cancellation_requests, events, fbs, marketplaces
from core.db import Conn
from core.fbs import Action, ActionOrder
from core.marketplaces import Connection
from core.pdf import Printable, labels_pdf, papers_pdf
from core.subscriber import Subscriber
from core.unit_of_work import Effects, UnitOfWork
from core.unreadable_keys import UnreadableKeys
from core.vault import Vault
from sync.adapter import CancellationRequests, CancelReason, Document, Fulfilment, SelfDelivery, WorkOrder
from sync.adapters import build_adapter
from sync.http import MarketplaceError
from sync.limiter import RateLimits

log = logging.getLogger(__name__)

_LOG = """
INSERT INTO sync_logs (marketplace_id, sync_type, direction, trigger_type, status, items_processed, items_failed,
                       error_message, started_at, completed_at, duration_ms)
VALUES ($1, $2, 'push', 'manual', $3, $4, $5, $6, $7, NOW(), $8)
"""


@dataclass(frozen=True)
class Done:
    """What an action came to: the orders it did, the platform's words for those it did not, its document."""

    done: int
    errors: tuple[str, ...] = ()
    document: bytes | None = None
    filename: str | None = None


class FbsWorker:
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
        # The process's limits (shared with its pusher and puller): an action waits its turn like any call.
        self._limits = limits or RateLimits(redis)
        self._sweep = sweep_seconds
        self._route = route or (lambda connection: connection)
        self._options = adapter_options or (lambda connection: {})
        self._wake = asyncio.Event()
        self._unreadable = UnreadableKeys("FBS actions")

    async def run(self, stop: asyncio.Event) -> None:
        async with aiohttp.ClientSession() as session:
            stop_listening = self._subscriber.listen(
                {events.FBS_REQUESTED: lambda action_id: self._wake.set()}, back=self._wake.set
            )
            try:
                while not stop.is_set():
                    self._wake.clear()  # what is requested from now on wakes the next round
                    try:
                        await self.process_due(session)
                    except Exception:
                        log.exception("FBS actions failed this round")
                    waiters = [asyncio.create_task(self._wake.wait()), asyncio.create_task(stop.wait())]
                    await asyncio.wait(waiters, timeout=self._sweep, return_when=asyncio.FIRST_COMPLETED)
                    for waiter in waiters:
                        waiter.cancel()
            finally:
                stop_listening()

    async def process_due(self, session: aiohttp.ClientSession) -> int:
        """Run every pending action; returns how many were run."""
        ran = 0
        async with self._pool.acquire() as conn:
            while (action_id := await self._run_one(conn, session)) is not None:
                await fbs.tell_finished(conn, self._redis, action_id)
                ran += 1
        return ran

    async def _run_one(self, conn: Conn, session: aiohttp.ClientSession) -> int | None:
        async with self._effects.transaction(conn) as unit:
            action = await fbs.claim(unit)
            if action is None:
                return None
            started, clock = datetime.now(UTC), time.monotonic()
            # Only this marketplace's keys are needed; another's that do not open must not fail this action.
            readable, unreadable = await marketplaces.readable_api_connections(conn, self._vault)
            connection = next((c for c in readable if c.marketplace_id == action.marketplace_id), None)
            try:
                if action.marketplace_id in unreadable:
                    await self._unreadable.tell(conn, [action.marketplace_id])
                    raise MarketplaceError("its keys cannot be decrypted with this SECRET_KEY", code="keys_unreadable")
                if connection is None:
                    raise MarketplaceError("the marketplace is no longer connected", code="disconnected")
                result = await self._perform(unit, action, connection, session)
            except MarketplaceError as error:
                result = Done(0, (_refusal(error),))
            except Exception:  # e.g. a label file no PDF library reads: failed, not retried forever
                log.exception("FBS action %s failed", action.id)
                result = Done(0, (fbs.refusal("unexpected"),))
            if action.kind == "answer_cancellation":  # those the platform did not take wait for an answer again
                await cancellation_requests.unsettled(unit, [order.order_id for order in action.orders])
            refused = "; ".join(result.errors) or None
            await fbs.finish(unit, action.id, error=refused, document=result.document, filename=result.filename)
            await conn.execute(
                _LOG,
                action.marketplace_id,
                f"fbs_{action.kind}",
                "error" if not result.done and refused else ("partial" if refused else "success"),
                result.done,
                len(action.orders) - result.done,
                refused,
                started,
                int((time.monotonic() - clock) * 1000),
            )
        return action.id

    async def _perform(
        self, unit: UnitOfWork, action: Action, connection: Connection, session: aiohttp.ClientSession
    ) -> Done:
        routed = self._route(connection)
        adapter = build_adapter(routed, session, self._limits, **self._options(routed))
        # An order may have moved on since the request (the platform cancelled it meanwhile): it is not sent.
        fitting = [order for order in action.orders if order.state in fbs.FITS[action.kind]]
        errors = [
            f"{order.order_number}: {fbs.refusal('order_moved_on', order.state)}"
            for order in action.orders
            if order not in fitting
        ]
        if action.kind == "answer_cancellation":
            if not isinstance(adapter, CancellationRequests):
                raise MarketplaceError(
                    f"{connection.name}: its adapter answers no cancellation requests", code="no_fbs"
                )
            return await _answers(unit, adapter, connection, action, fitting, errors)
        if action.kind == "deliver":
            if not isinstance(adapter, SelfDelivery):
                raise MarketplaceError(f"{connection.name}: it delivers its orders itself", code="marketplace_delivers")
            return await _delivered(unit, adapter, connection, fitting, errors)
        if not isinstance(adapter, Fulfilment):
            raise MarketplaceError(f"{connection.name}: its adapter does no FBS work", code="no_fbs")
        if not fitting:
            return Done(0, tuple(errors))
        match action.kind:
            case "confirm" | "cancel":
                done = 0
                for order in fitting:
                    try:
                        await self._one(unit, action, connection, adapter, order)
                        done += 1
                    except MarketplaceError as error:
                        errors.append(f"{order.order_number}: {_refusal(error)}")
                return Done(done, tuple(errors))
            case "labels":
                return await _labels(adapter, connection, action.id, fitting, errors)
            case "hand_over":
                return await _hand_over(unit, adapter, connection, action.id, fitting, errors)
        raise AssertionError(f"FBS action of unknown kind {action.kind!r}")

    @staticmethod
    async def _one(
        unit: UnitOfWork, action: Action, connection: Connection, adapter: Fulfilment, order: ActionOrder
    ) -> None:
        work = WorkOrder(order.key, order.shipment)
        if action.kind == "confirm":
            confirmed = await adapter.confirm(work)
            async with unit.savepoint():
                await fbs.confirmed(unit, order.order_id, confirmed.shipment, confirmed.deadline)
        else:
            await adapter.cancel(work, cast(CancelReason, action.reason))
            async with unit.savepoint():
                await fbs.cancelled_by_seller(unit, order.order_id, connection.name, action.reason, action.requested_by)


def _refusal(error: MarketplaceError) -> str:
    """What the admins read of a refusal: the platform's own words quoted after its token, or the token of a
    condition we detect (core.fbs.RefusalCode); our English stays in the log."""
    if error.code is None:
        log.warning("FBS refusal without a code, told as unexpected: %s", error)
        return fbs.refusal("unexpected")
    log.info("FBS refusal %s: %s", error.code, error)
    if error.code == "refused":
        token = fbs.refusal("refused", None if error.status is None else str(error.status))
        return f"{token} «{error.detail}»" if error.detail else token
    return fbs.refusal(error.code, error.detail)


async def _answers(
    unit: UnitOfWork,
    adapter: CancellationRequests,
    connection: Connection,
    action: Action,
    orders: list[ActionOrder],
    errors: list[str],
) -> Done:
    """The answer to each order's cancellation request; an acceptance the platform takes cancels the order here."""
    done = 0
    for order in orders:
        try:
            await adapter.answer_cancellation(
                WorkOrder(order.key, order.shipment),
                cancellation_requests.accepted(action.reason),
                cancellation_requests.refusal_of(action.reason),
            )
        except MarketplaceError as error:
            errors.append(f"{order.order_number}: {_refusal(error)}")
            continue
        async with unit.savepoint():
            await cancellation_requests.settled(unit, order.order_id, connection.name)
        done += 1
    return Done(done, tuple(errors))


async def _delivered(
    unit: UnitOfWork, adapter: SelfDelivery, connection: Connection, orders: list[ActionOrder], errors: list[str]
) -> Done:
    """The seller's courier delivered them: the orders the platform took as delivered are delivered here too."""
    if not orders:
        return Done(0, tuple(errors))
    taken = set(await adapter.delivered([WorkOrder(order.key, order.shipment) for order in orders]))
    for order in orders:
        if order.key in taken:
            async with unit.savepoint():
                await fbs.delivered(unit, order.order_id, connection.name)
        else:
            errors.append(f"{order.order_number}: {fbs.refusal('not_delivered')}")
    return Done(len(taken & {order.key for order in orders}), tuple(errors))


async def _labels(
    adapter: Fulfilment, connection: Connection, action_id: int, orders: list[ActionOrder], errors: list[str]
) -> Done:
    labels = await adapter.labels([WorkOrder(order.key, order.shipment) for order in orders])
    by_key: dict[str, list[Document]] = {}
    for label in labels:
        by_key.setdefault(label.order_key, []).append(label.document)
    printed = [order for order in orders if order.key in by_key]
    errors += [f"{order.order_number}: {fbs.refusal('no_label')}" for order in orders if order.key not in by_key]
    if not printed:
        return Done(0, tuple(errors))
    documents = [Printable(doc.content, doc.media_type) for order in printed for doc in by_key[order.key]]
    return Done(len(printed), tuple(errors), labels_pdf(documents), f"labels-{connection.slug}-{action_id}.pdf")


async def _hand_over(
    unit: UnitOfWork,
    adapter: Fulfilment,
    connection: Connection,
    action_id: int,
    orders: list[ActionOrder],
    errors: list[str],
) -> Done:
    handovers = await adapter.hand_over([WorkOrder(order.key, order.shipment) for order in orders])
    ids = {order.key: order.order_id for order in orders}
    if not handovers:  # no such step on this platform: the courier simply takes them
        await fbs.handed_over(unit, list(ids.values()), None)
        return Done(len(orders))
    handed: set[str] = set()
    papers: list[Printable] = []
    for handover in handovers:
        keys = [key for key in handover.order_keys if key in ids]
        await fbs.handed_over(unit, [ids[key] for key in keys], handover.shipment)
        handed.update(keys)
        if handover.document is not None:
            papers.append(Printable(handover.document.content, handover.document.media_type))
    errors += [f"{order.order_number}: {fbs.refusal('not_handed_over')}" for order in orders if order.key not in handed]
    document = papers_pdf(papers) if papers else None
    return Done(len(handed), tuple(errors), document, f"handover-{connection.slug}-{action_id}.pdf" if papers else None)
