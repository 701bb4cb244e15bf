"""Catalog answers and customers' favorites kept in this process's memory, in front of Redis and PostgreSQL.

A warm catalog read then touches neither: it is what makes browsing fast. Memory is trusted only while
this process hears the invalidations (core.events: `catalog.changed` with the new version, and
`favorites.changed`) on its Redis subscription; while it does not (Redis down, reconnecting), every read
goes the long way, so an answer from memory is never staler than the pub/sub delivery, and a change made
by this process is seen by its next read at once (it listens to the process's core.unit_of_work.Effects).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from redis.asyncio import Redis

from core import events
from core.memory import Memory
from core.redis_client import stop_listener
from core.unit_of_work import Effects

Key = TypeVar("Key")
Value = TypeVar("Value")

log = logging.getLogger(__name__)

PAGES_KEPT = 2_000
FAVORITES_KEPT = 10_000
# A backstop only: should an invalidation ever be missed, nothing outlives this.
MAX_AGE_SECONDS = 60.0
RECONNECT_SECONDS = 2.0


class NearCache:
    def __init__(self, redis: Redis, effects: Effects) -> None:
        self._redis, self._effects = redis, effects
        # Memory answers only while invalidations can be heard.
        self._listening = False
        # The catalog version memory was filled at; a bump or a reconnect starts a new epoch.
        self._version = 0
        self._epoch = 0
        self._pages: Memory[str, Any] = Memory(PAGES_KEPT, MAX_AGE_SECONDS)
        self._favorites: Memory[int, frozenset[int]] = Memory(FAVORITES_KEPT, MAX_AGE_SECONDS)
        self._task: asyncio.Task[None] | None = None
        self._stop_listening: list[Callable[[], None]] = []

    def start(self) -> None:
        self._stop_listening = [self._effects.listen_to_catalog_bumps(self._catalog_bumped),
                                self._effects.listen_to_favorites(self.forget_favorites)]
        self._task = asyncio.create_task(self._listen(), name="near-cache")

    async def stop(self) -> None:
        for stop_listening in self._stop_listening:
            stop_listening()
        if self._task is not None:
            await stop_listener(self._task)

    async def page(self, key: str, load: Callable[[], Awaitable[Any]]) -> Any:
        """A catalog answer from memory, else `load()`'s, remembered unless a change came while it loaded."""
        return await self._remembered(self._pages, key, load)

    def known_page(self, key: str) -> Any | None:
        """The answer memory holds for `key`, without waiting for anything (None: ask `page`)."""
        return self._pages.get(key) if self._listening else None

    def known_favorites(self, user_id: int) -> frozenset[int] | None:
        return self._favorites.get(user_id) if self._listening else None

    async def favorites(self, user_id: int, load: Callable[[], Awaitable[frozenset[int]]]) -> frozenset[int]:
        """A customer's favorite product ids, from memory or from `load()`."""
        return await self._remembered(self._favorites, user_id, load)

    async def _remembered(self, memory: Memory[Key, Value], key: Key, load: Callable[[], Awaitable[Value]]) -> Value:
        epoch = self._epoch
        if self._listening:
            hit = memory.get(key)
            if hit is not None:
                return hit
        value = await load()
        if self._listening and epoch == self._epoch:
            memory.put(key, value)
        return value

    def forget_favorites(self, user_id: int) -> None:
        self._epoch += 1
        self._favorites.drop(user_id)

    def _catalog_bumped(self, version: int) -> None:
        # Any other version, not only a higher one: after a Redis restart the count starts again.
        if version != self._version:
            self._version = version
            self._epoch += 1
            self._pages.clear()

    def _forget_all(self) -> None:
        self._epoch += 1
        self._pages.clear()
        self._favorites.clear()

    async def _listen(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(events.CATALOG_CHANGED, events.FAVORITES_CHANGED)
                    while True:
                        # The version is read (after subscribing, so no bump falls between) once a second
                        # too: a message lost on a silent reconnect costs a second of staleness at most.
                        self._catalog_bumped(int(await self._redis.get(events.CATALOG_VERSION) or 0))
                        self._listening = True
                        # Polling with a timeout, not listen(): an idle subscription must not trip the
                        # client's socket timeout.
                        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                        if message is not None:
                            self._heard(message["channel"], message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self._listening = False
                self._forget_all()
                log.warning("near cache lost Redis (%s); reading the long way, retrying in 2 s", error)
                await asyncio.sleep(RECONNECT_SECONDS)

    def _heard(self, channel: bytes, data: bytes) -> None:
        if channel == events.CATALOG_CHANGED.encode():
            self._catalog_bumped(int(data))
        elif channel == events.FAVORITES_CHANGED.encode():
            self.forget_favorites(int(data))
