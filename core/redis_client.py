"""The one Redis client of the process (FSM state, events, caches)."""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis

log = logging.getLogger(__name__)


def create_redis(url: str) -> Redis:
    # Short timeouts: a stopped Redis must make /readyz and the bot answer "try again" quickly, not hang.
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=15)


async def stop_listener(task: asyncio.Task[None]) -> None:
    """Cancel a pub/sub listener task and wait for its end. It is cancelled again until it ends: a
    cancellation landing inside a pub/sub read can be swallowed (seen with redis-py 7.4 on Python 3.11),
    and waiting on the task once would then hang the shutdown."""
    while not task.done():
        task.cancel()
        await asyncio.wait([task], timeout=0.1)
    if not task.cancelled() and task.exception() is not None:
        log.warning("listener %s had failed: %s", task.get_name(), task.exception())
