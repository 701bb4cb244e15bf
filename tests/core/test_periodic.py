import asyncio

import asyncpg

from core.periodic import lock_key, run_once, run_periodically


async def test_a_job_runs_on_one_process_at_a_time(pool: asyncpg.Pool) -> None:
    runs: list[str] = []

    async def job(conn: asyncpg.Connection) -> None:
        runs.append("ran")

    async with pool.acquire() as other_replica:
        await other_replica.execute("SELECT pg_advisory_lock($1)", lock_key("nightly"))
        assert await run_once(pool, "nightly", job) is False
        await other_replica.execute("SELECT pg_advisory_unlock($1)", lock_key("nightly"))
    assert await run_once(pool, "nightly", job) is True
    assert runs == ["ran"]


async def test_a_failing_run_does_not_stop_the_next(pool: asyncpg.Pool) -> None:
    attempts = 0
    stop = asyncio.Event()

    async def flaky(conn: asyncpg.Connection) -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RuntimeError("marketplace down")
        stop.set()

    await asyncio.wait_for(run_periodically(pool, "flaky", 0.01, flaky, stop), 5)
    assert attempts == 2
