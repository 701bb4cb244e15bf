"""Background jobs that repeat: each run holds a PostgreSQL advisory lock named after the job,
so with several replicas a job runs on one of them at a time, and a failing run never stops the next."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg

log = logging.getLogger(__name__)

Job = Callable[[asyncpg.Connection], Awaitable[object]]


def lock_key(name: str) -> int:
    """A stable 64-bit advisory lock key for a job name."""
    return int.from_bytes(hashlib.sha256(f"job:{name}".encode()).digest()[:8], "big", signed=True)


async def run_once(pool: asyncpg.Pool, name: str, job: Job) -> bool:
    """Run the job unless another process is running it right now; returns whether it ran."""
    key = lock_key(name)
    async with pool.acquire() as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
            return False
        try:
            await job(conn)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", key)
    return True


async def run_periodically(pool: asyncpg.Pool, name: str, interval: float, job: Job, stop: asyncio.Event) -> None:
    """Run the job every `interval` seconds until `stop` is set."""
    while not stop.is_set():
        try:
            await run_once(pool, name, job)
        except Exception:
            log.exception("job %s failed; it runs again in %.0f s", name, interval)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
