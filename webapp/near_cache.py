"""Catalog answers and customers' favorites kept in this process's memory, in front of Redis and PostgreSQL.

A warm catalog read then touches neither: it is what makes browsing fast. Memory is trusted only while
this process hears the invalidations (core.events: `catalog.changed` with the new version, and
`favorites.changed`) on its Redis subscription; while it does not (Redis down, reconnecting), every read
goes the long way, and when it is back memory starts empty. So an answer from memory is never staler than
the pub/sub delivery, and a change made by this process is seen by its next read at once (it listens to the
process's core.unit_of_work.Effects too).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from core import events
from core.memory import Memory
from core.subscriber import Subscriber
from core.unit_of_work import Effects

Key = TypeVar("Key")
Value = TypeVar("Value")

PAGES_KEPT = 2_000
FAVORITES_KEPT = 10_000
# A backstop only: should an invalidation ever be missed, nothing outlives this.
MAX_AGE_SECONDS = 60.0


class NearCache:
    def __init__(self, subscriber: Subscriber, effects: Effects) -> None:
        self._subscriber, self._effects = subscriber, effects
        # Memory answers only while invalidations can be heard.
        self._listening = False
        # The catalog version memory was filled at (None: not known yet, the next one heard differs); a bump
        # or a reconnect starts a new epoch.
        self._version: int | None = None
        self._epoch = 0
        self._pages: Memory[str, Any] = Memory(PAGES_KEPT, MAX_AGE_SECONDS)
        self._favorites: Memory[int, frozenset[int]] = Memory(FAVORITES_KEPT, MAX_AGE_SECONDS)
        self._stop_listening: list[Callable[[], None]] = []

    def start(self) -> None:
        self._stop_listening = [
            self._effects.listen_to_catalog_bumps(self._catalog_bumped),
            self._effects.listen_to_favorites(self.forget_favorites),
            self._subscriber.listen(
                {
                    events.CATALOG_CHANGED: lambda version: self._catalog_bumped(int(version)),
                    events.FAVORITES_CHANGED: lambda user_id: self.forget_favorites(int(user_id)),
                },
                lost=self._lost,
                back=self._back,
            ),
        ]

    def stop(self) -> None:
        for stop_listening in self._stop_listening:
            stop_listening()
        self._stop_listening = []

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

    def _lost(self) -> None:
        self._listening = False
        self._forget_all()

    def _back(self) -> None:
        # Whatever changed meanwhile is unknown: start empty, at a version no message has named yet.
        self._forget_all()
        self._version = None
        self._listening = True

    def _forget_all(self) -> None:
        self._epoch += 1
        self._pages.clear()
        self._favorites.clear()
