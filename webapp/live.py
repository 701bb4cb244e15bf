"""Live stock for open product pages: one Redis subscription per process fans `stock.changed` out to the
Server-Sent Events streams that asked for those products. Works across replicas, since every replica
hears every message."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Iterator

from redis.asyncio import Redis

from core.events import STOCK_CHANGED
from core.redis_client import stop_listener

log = logging.getLogger(__name__)
QUEUE_SIZE = 100


class LiveStock:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._listeners: dict[asyncio.Queue[dict], frozenset[int]] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="live-stock")

    async def stop(self) -> None:
        if self._task is not None:
            await stop_listener(self._task)

    @contextlib.contextmanager
    def subscribe(self, product_ids: frozenset[int]) -> Iterator[asyncio.Queue[dict]]:
        queue: asyncio.Queue[dict] = asyncio.Queue(QUEUE_SIZE)
        self._listeners[queue] = product_ids
        try:
            yield queue
        finally:
            self._listeners.pop(queue, None)

    async def _listen(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(STOCK_CHANGED)
                    while True:
                        # Polling with a timeout, not listen(): an idle subscription must not trip the
                        # client's socket timeout.
                        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                        if message is not None:
                            self._dispatch(json.loads(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("live stock lost Redis (%s); retrying in 2 s", error)
                await asyncio.sleep(2)

    def _dispatch(self, change: dict) -> None:
        for queue, wanted in self._listeners.items():
            if change.get("product_id") in wanted:
                with contextlib.suppress(asyncio.QueueFull):  # a stalled client misses updates, not the others
                    queue.put_nowait(change)
