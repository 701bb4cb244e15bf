"""The process's one Redis pub/sub connection: each component registers the channels it hears, a handler per
channel, and what it does when the subscription is lost and when it is back.

Pub/sub reaches only whoever is subscribed at the moment of the publish, so what was published while not
subscribed is unknown: "back" is the cue to drop what memory holds, or to run a sweep.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from core import events

log = logging.getLogger(__name__)

# How long one read waits for a message. A channel registered while the connection is up is subscribed
# after the read in progress, so within this time.
READ_SECONDS = 1.0
# Reconnecting while Redis is down: the first wait, doubled on each failure up to the last.
FIRST_RETRY_SECONDS = 0.25
LAST_RETRY_SECONDS = 2.0
# close() cancels the reader again this often until it ends: a cancellation landing inside a redis-py read
# can be swallowed (seen with redis-py 7.4 on Python 3.11), and waiting on one would then hang the shutdown.
CANCEL_AGAIN_SECONDS = 0.1

# Called with a message's payload, on the reader: it must be quick and must not wait for anything.
Handler = Callable[[str], None]
Signal = Callable[[], None]


@dataclass(eq=False)
class _Listener:
    handlers: Mapping[str, Handler]
    lost: Signal | None
    back: Signal | None
    # Back was signalled and lost has not been since: every message of its channels reaches it.
    hearing: bool = False


class Subscriber:
    """Made once at the composition root; `listen` works before and after `start`, `close` ends it all."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._prefix = events.prefix(redis)  # listeners name channels without it (core.events.scoped)
        self._listeners: list[_Listener] = []
        self._listeners_changed = asyncio.Event()
        self._closing = False
        self._retry_in = FIRST_RETRY_SECONDS
        self._task: asyncio.Task[None] | None = None

    def listen(
        self, handlers: Mapping[str, Handler], *, lost: Signal | None = None, back: Signal | None = None
    ) -> Signal:
        """Call `handlers[channel](payload)` for each message of those channels; `back()` once all of them are
        subscribed, again after every break, and `lost()` at each break (and at close). Returns the function
        that stops listening."""
        listener = _Listener(dict(handlers), lost, back)
        self._listeners.append(listener)
        self._listeners_changed.set()

        def stop() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)
            self._listeners_changed.set()

        return stop

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="redis-subscriber")

    async def close(self) -> None:
        """End the subscription and its task; returns within moments, also while Redis is down or does not
        answer."""
        self._closing = True
        task, self._task = self._task, None
        if task is not None:
            while not task.done():
                task.cancel()
                await asyncio.wait([task], timeout=CANCEL_AGAIN_SECONDS)
        self._lose(self._listeners)

    async def _run(self) -> None:
        while not self._closing:
            if not self._wanted():
                self._listeners_changed.clear()
                await self._listeners_changed.wait()
                continue
            try:
                async with self._redis.pubsub() as pubsub:
                    await self._serve(pubsub)
            except Exception as error:
                self._lose(self._listeners)
                log.warning("Redis subscription lost (%s); subscribing again in %.2f s", error, self._retry_in)
                await asyncio.sleep(self._retry_in)
                self._retry_in = min(2 * self._retry_in, LAST_RETRY_SECONDS)

    async def _serve(self, pubsub: PubSub) -> None:
        """Keep the connection subscribed to what the listeners want, and deliver; returns when none is left."""
        subscribed: set[str] = set()  # asked of Redis on this connection
        confirmed: set[str] = set()  # confirmed by Redis: from then on every message reaches us
        while not self._closing:
            wanted = self._wanted()
            if not wanted:
                return
            if wanted - subscribed:
                await pubsub.subscribe(*(self._prefix + channel for channel in wanted - subscribed))
            if subscribed - wanted:
                await pubsub.unsubscribe(*(self._prefix + channel for channel in subscribed - wanted))
                confirmed &= wanted
            subscribed = wanted
            for listener in list(self._listeners):  # a signal may start or stop a listener
                if not listener.hearing and listener.handlers.keys() <= confirmed:
                    listener.hearing = True
                    _signal(listener.back)
            message = await pubsub.get_message(timeout=READ_SECONDS)
            if message is not None:
                self._take(message, confirmed)

    def _take(self, message: dict[str, Any], confirmed: set[str]) -> None:
        if message["type"] not in ("message", "subscribe", "unsubscribe"):
            return  # the answer to a health check
        channel = _text(message["channel"]).removeprefix(self._prefix)
        if message["type"] == "message":
            payload = _text(message["data"])
            for listener in list(self._listeners):  # a handler may start or stop a listener
                handler = listener.handlers.get(channel)
                # Only once told "back": to it, whatever came before is unknown.
                if handler is not None and listener.hearing:
                    try:
                        handler(payload)
                    except Exception:  # one failing component must not deafen the others
                        log.exception("handling %s %r failed", channel, payload)
        elif message["type"] == "subscribe":
            if channel in confirmed:
                # Subscribed anew without a break seen here: a client that retries on its own reconnected,
                # and what was published in between is unknown.
                self._lose([listener for listener in self._listeners if channel in listener.handlers])
            confirmed.add(channel)
            self._retry_in = FIRST_RETRY_SECONDS
        elif message["type"] == "unsubscribe":
            confirmed.discard(channel)

    def _wanted(self) -> set[str]:
        return {channel for listener in self._listeners for channel in listener.handlers}

    @staticmethod
    def _lose(listeners: list[_Listener]) -> None:
        for listener in list(listeners):
            if listener.hearing:
                listener.hearing = False
                _signal(listener.lost)


def _signal(signal: Signal | None) -> None:
    if signal is not None:
        try:
            signal()
        except Exception:
            log.exception("a subscription signal failed")


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value
