"""Live stock for open product pages: `stock.changed`, heard on the process's Redis subscription, fanned out
to the Server-Sent Events streams that asked for those products. Works across replicas, since every replica
hears every message."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Iterator

from core.events import STOCK_CHANGED
from core.subscriber import Subscriber

QUEUE_SIZE = 100


class LiveStock:
    def __init__(self, subscriber: Subscriber) -> None:
        self._subscriber = subscriber
        self._listeners: dict[asyncio.Queue[dict], frozenset[int]] = {}
        self._stop_listening: Callable[[], None] | None = None

    def start(self) -> None:
        self._stop_listening = self._subscriber.listen({STOCK_CHANGED: self._heard})

    def stop(self) -> None:
        if self._stop_listening is not None:
            self._stop_listening()

    @contextlib.contextmanager
    def subscribe(self, product_ids: frozenset[int]) -> Iterator[asyncio.Queue[dict]]:
        queue: asyncio.Queue[dict] = asyncio.Queue(QUEUE_SIZE)
        self._listeners[queue] = product_ids
        try:
            yield queue
        finally:
            self._listeners.pop(queue, None)

    def _heard(self, payload: str) -> None:
        change = json.loads(payload)
        for queue, wanted in self._listeners.items():
            if change.get("product_id") in wanted:
                with contextlib.suppress(asyncio.QueueFull):  # a stalled client misses updates, not the others
                    queue.put_nowait(change)
