"""Units of work: one transaction and the effects its writes registered, run once after its commit.

A domain function that changes what processes keep beside the database (stock levels, catalog pages, a
customer's favorites, a marketplace's credentials) registers that on the unit it is given; `Effects`, the
process's one publisher on Redis, runs it after the commit and never after a rollback. Publishing is best
effort: the outbox and the push marks in the database are the durable path, so a Redis failure is logged and
never fails a write that already committed.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from redis.asyncio import Redis

from core import events
from core.db import Conn

if TYPE_CHECKING:
    from core.inventory import StockLevel

log = logging.getLogger(__name__)


class UnitClosed(RuntimeError):
    """A unit of work was used outside its transaction: whatever it registered would never run."""


@dataclass
class _Pending:
    """What a unit's writes changed, coalesced: the latest level of each product, each customer and slug once."""

    stock: dict[int, StockLevel] = field(default_factory=dict)
    catalog: bool = False
    favorites: set[int] = field(default_factory=set)
    marketplaces: set[str] = field(default_factory=set)
    actions: set[int] = field(default_factory=set)

    def copy(self) -> _Pending:
        return _Pending(dict(self.stock), self.catalog, set(self.favorites), set(self.marketplaces), set(self.actions))


class UnitOfWork:
    """The connection of one open transaction, and the effects registered during it.

    Only `Effects.transaction` opens one: a unit made by hand stays closed, and using it raises at once."""

    def __init__(self, conn: Conn) -> None:
        self._conn = conn
        self._pending = _Pending()
        self._open = False

    @property
    def conn(self) -> Conn:
        self._require_open()
        return self._conn

    def stock_changed(self, levels: Iterable[StockLevel]) -> None:
        """Products' stock moved (core.inventory registers it with every write)."""
        self._require_open()
        for level in levels:
            self._pending.stock[level.product_id] = level

    def catalog_changed(self) -> None:
        """Something a catalog page shows changed: products, prices, texts, categories."""
        self._require_open()
        self._pending.catalog = True

    def favorites_changed(self, user_id: int) -> None:
        self._require_open()
        self._pending.favorites.add(user_id)

    def marketplace_changed(self, slug: str) -> None:
        """A marketplace's connection settings or webhook credentials changed."""
        self._require_open()
        self._pending.marketplaces.add(slug)

    def action_requested(self, action_id: int) -> None:
        """An FBS action was queued for the sync (core.fbs): its worker hears of it after the commit."""
        self._require_open()
        self._pending.actions.add(action_id)

    @contextlib.asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A nested transaction: when it rolls back, the effects registered inside it go with it."""
        before = self._pending.copy()
        try:
            async with self.conn.transaction():
                yield
        except BaseException:
            self._pending = before
            raise

    def _require_open(self) -> None:
        if not self._open:
            raise UnitClosed("this unit of work is not open: write inside `async with effects.transaction(conn)`")


class Effects:
    """The process's one publisher on Redis: the effects of committed units of work, and the few requests that
    follow no transaction of ours. Listeners of this process hear a change before it is published: a customer's
    next read on the same replica must see their own change, and pub/sub delivery to our own subscriber may lag."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._catalog_listeners: list[Callable[[int], None]] = []
        self._favorites_listeners: list[Callable[[int], None]] = []

    @contextlib.asynccontextmanager
    async def transaction(self, conn: Conn) -> AsyncIterator[UnitOfWork]:
        """A transaction on `conn`; the effects registered in it run once it committed, never if it rolled back."""
        if conn.is_in_transaction():
            # Inside another transaction this would be a savepoint: its "commit" could still be rolled back.
            raise RuntimeError("a unit of work must be the outermost transaction; use unit.savepoint() inside one")
        unit = UnitOfWork(conn)
        try:
            async with conn.transaction():
                unit._open = True
                yield unit
        finally:
            unit._open = False
        await self._run(unit._pending)

    def listen_to_catalog_bumps(self, listener: Callable[[int], None]) -> Callable[[], None]:
        """Call `listener(version)` on every catalog bump this process makes; returns the function that stops it."""
        return _listen(self._catalog_listeners, listener)

    def listen_to_favorites(self, listener: Callable[[int], None]) -> Callable[[], None]:
        """Call `listener(user_id)` whenever this process changed a customer's favorites; returns its stop."""
        return _listen(self._favorites_listeners, listener)

    async def request_sync(self, marketplace_id: int) -> bool:
        """Ask the sync to run for a marketplace now; False when Redis is down (the periodic sweep still runs)."""
        try:
            await self._publish(events.SYNC_REQUESTED, str(marketplace_id))
            return True
        except Exception as error:
            log.warning("sync request not delivered (%s); the next sweep will run it", error)
            return False

    async def webhook_received(self, marketplace_id: int) -> None:
        """Wake the webhook worker; without Redis its short sweep picks the event up anyway."""
        try:
            await self._publish(events.WEBHOOK_RECEIVED, str(marketplace_id))
        except Exception as error:
            log.debug("webhook wake-up not published: %s", error)

    async def _run(self, pending: _Pending) -> None:
        for action_id in sorted(pending.actions):
            try:
                await self._publish(events.FBS_REQUESTED, str(action_id))
            except Exception as error:
                log.warning("FBS action %s not announced (%s); the worker's sweep picks it up", action_id, error)
        if pending.stock or pending.catalog:
            try:
                await self._bump_catalog()
                for level in pending.stock.values():
                    await self._publish(
                        events.STOCK_CHANGED,
                        json.dumps(
                            {"product_id": level.product_id, "available": level.available, "price": str(level.price)}
                        ),
                    )
            except Exception as error:  # Redis down must never fail a sale that already committed
                log.warning("catalog bump or stock.changed not published (%s); caches catch up on their own", error)
        for user_id in sorted(pending.favorites):
            for listener in list(self._favorites_listeners):
                listener(user_id)
            try:
                await self._publish(events.FAVORITES_CHANGED, str(user_id))
            except Exception as error:
                log.debug("favorites change not published: %s", error)
        for slug in sorted(pending.marketplaces):
            try:
                await self._publish(events.MARKETPLACE_CHANGED, slug)
            except Exception as error:
                log.warning(
                    "marketplace change not published (%s); receivers pick it up within their cache's lifetime", error
                )

    async def _publish(self, channel: str, payload: str | int) -> None:
        await self._redis.publish(events.scoped(self._redis, channel), payload)

    async def _bump_catalog(self) -> None:
        version = int(await self._redis.incr(events.CATALOG_VERSION))
        for listener in list(self._catalog_listeners):
            listener(version)
        await self._publish(events.CATALOG_CHANGED, version)


def _listen(listeners: list[Callable[[int], None]], listener: Callable[[int], None]) -> Callable[[], None]:
    listeners.append(listener)
    return lambda: listeners.remove(listener)
