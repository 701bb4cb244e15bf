"""Group commit for webhook events: the events of concurrent requests are stored by one statement in one commit
(one round trip and one WAL flush for the lot instead of one each), and each request still hears back only once
its own event is committed, so an acknowledgement keeps meaning "stored"."""

from __future__ import annotations

import asyncio

import asyncpg

from core import webhooks
from core.unit_of_work import Effects
from core.webhooks import Event

# Large enough to take what a burst brings during one commit, small enough that one statement stays short.
MAX_BATCH = 500


class Inbox:
    def __init__(self, pool: asyncpg.Pool, effects: Effects) -> None:
        self._pool, self._effects = pool, effects
        self._waiting: list[tuple[Event, asyncio.Future[bool]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def store(self, event: Event) -> bool:
        """Keep the event; True once it is committed, False when it was a replay. Raises what storing raised."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((event, done))
        # No timer: a lone event is written at once; events arriving while a batch commits form the next one.
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        # A request that gives up cancels only its own future, never the write the rest of its batch waits for.
        return await done

    async def close(self) -> None:
        """Wait until every event handed in is written."""
        if self._flusher is not None:
            await self._flusher

    async def _flush(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            received = [event for event, _ in batch]
            stored = await self._write(received, [done for _, done in batch])
            woken = {event.marketplace_id for event, kept in zip(received, stored, strict=True) if kept}
            for marketplace_id in sorted(woken):
                await self._effects.webhook_received(marketplace_id)

    async def _write(self, batch: list[Event], waiting: list[asyncio.Future[bool]]) -> list[bool]:
        """Store the batch and answer its requests; returns which events are new."""
        try:
            async with self._pool.acquire() as conn:
                stored = await webhooks.store_many(conn, batch)
        except asyncpg.DataError as error:
            if len(batch) == 1:
                _settle(waiting[0], error=error)
                return [False]
            # One event the database refuses (a NUL character, say) must not cost the others their place:
            # each is stored alone, and only the bad one's request fails.
            return [(await self._write([event], [done]))[0] for event, done in zip(batch, waiting, strict=True)]
        except Exception as error:
            for done in waiting:
                _settle(done, error=error)
            return [False] * len(batch)
        for done, kept in zip(waiting, stored, strict=True):
            _settle(done, result=kept)
        return stored


def _settle(done: asyncio.Future[bool], *, result: bool = False, error: BaseException | None = None) -> None:
    if done.done():  # its request was cancelled
        return
    if error is not None:
        done.set_exception(error)
    else:
        done.set_result(result)
