"""Tells the admins when a marketplace throttles an account, and when its calls go through again: one alert of
each per throttle episode, however many calls, jobs and replicas saw it. The HTTP layer records the episode in
the rate-limit store; the jobs, which hold the database, hand what is new to the notifications outbox."""

from __future__ import annotations

import math

import asyncpg

from core import outbox
from core.marketplaces import Connection
from sync.limiter import RateLimits


async def announce_throttle(pool: asyncpg.Pool, connection: Connection, limits: RateLimits) -> None:
    notice = await limits.notice(connection)
    if not (notice.throttled or notice.recovered):
        return
    async with pool.acquire() as conn, conn.transaction():
        if notice.throttled:
            await outbox.add(
                conn,
                outbox.SyncThrottled(connection.marketplace_id, connection.name, pause_seconds=math.ceil(notice.pause)),
            )
        if notice.recovered:
            await outbox.add(conn, outbox.SyncRecovered(connection.marketplace_id, connection.name))
