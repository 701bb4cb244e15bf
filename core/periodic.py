"""Background jobs that repeat: each run holds a PostgreSQL advisory lock named after the job,
so with several replicas a job runs on one of them at a time, and a failing run never stops the next."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import asyncpg

from core.db import Conn

log = logging.getLogger(__name__)

Job = Callable[[Conn], Awaitable[object]]
T = TypeVar("T")


def lock_key(name: str) -> int:
    """A stable 64-bit advisory lock key for a job name."""
    return int.from_bytes(hashlib.sha256(f"job:{name}".encode()).digest()[:8], "big", signed=True)


@contextlib.asynccontextmanager
async def advisory_lock(conn: Conn, key: int) -> AsyncIterator[bool]:
    """Try a session advisory lock for the block; yields whether it was taken. Pooled connections are not
    reset on release (core.db), so a lock that cannot be released ends its connection, and with it the lock."""
    taken = await conn.fetchval("SELECT pg_try_advisory_lock($1)", key)
    try:
        yield taken
    finally:
        if taken:
            try:
                await conn.execute("SELECT pg_advisory_unlock($1)", key)
            except BaseException:
                conn.terminate()
                raise


async def run_once(pool: asyncpg.Pool, name: str, job: Job) -> bool:
    """Run the job unless another process is running it right now; returns whether it ran."""
    async with pool.acquire() as conn, advisory_lock(conn, lock_key(name)) as taken:
        if not taken:
            return False
        await job(conn)
    return True


async def unless_stopped(work: Awaitable[T], stop: asyncio.Event) -> T | None:
    """The work's result, or None when `stop` is set first: then the work is abandoned (cancelled)."""
    running = asyncio.ensure_future(work)
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if running.done():
        return running.result()  # its failure is the caller's
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running
    return None


async def until_stopped(work: Awaitable[object], stop: asyncio.Event) -> bool:
    """Await the work unless `stop` is set first, then abandon it; returns whether it finished. For work whose
    writes are transactions that roll back, and that may wait long on a platform's rate limit: a stopping process
    should not wait it out."""

    async def finished() -> bool:
        await work
        return True

    return await unless_stopped(finished(), stop) is not None


async def run_periodically(
    pool: asyncpg.Pool, name: str, interval: float, job: Job, stop: asyncio.Event, *, abandon_on_stop: bool = False
) -> None:
    """Run the job every `interval` seconds until `stop` is set; with `abandon_on_stop`, a run still going when
    it is set is abandoned (see until_stopped) instead of finished."""
    while not stop.is_set():
        try:
            if abandon_on_stop:
                await until_stopped(run_once(pool, name, job), stop)
            else:
                await run_once(pool, name, job)
        except Exception:
            log.exception("job %s failed; it runs again in %.0f s", name, interval)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
