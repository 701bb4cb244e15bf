"""The one Redis client of the process (FSM state, events, caches)."""

from __future__ import annotations

from redis.asyncio import Redis


def create_redis(url: str) -> Redis:
    # Short timeouts: a stopped Redis must make /readyz and the bot answer "try again" quickly, not hang.
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=15)
