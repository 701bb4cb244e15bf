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


async def test_a_job_cancelled_mid_statement_leaves_no_lock_behind(pool: asyncpg.Pool, database_url: str) -> None:
    started = asyncio.Event()

    async def slow(conn: asyncpg.Connection) -> None:
        started.set()
        await conn.execute("SELECT pg_sleep(30)")

    running = asyncio.create_task(run_once(pool, "slow", slow))
    await asyncio.wait_for(started.wait(), 5)
    await asyncio.sleep(0.1)  # inside pg_sleep
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)

    # Pooled connections are not reset on release (core.db): the lock must not survive on one of them.
    other_replica = await asyncpg.connect(database_url)
    try:
        assert await other_replica.fetchval("SELECT pg_try_advisory_lock($1)", lock_key("slow"))
    finally:
        await other_replica.close()


async def test_a_transaction_left_open_is_rolled_back_when_its_connection_returns(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute("BEGIN")
        await conn.execute("INSERT INTO categories (name_uz) VALUES ('Yarim yozilgan')")
    async with pool.acquire() as conn:
        assert not conn.is_in_transaction()
    assert await pool.fetchval("SELECT count(*) FROM categories WHERE name_uz = 'Yarim yozilgan'") == 0


async def test_a_run_waiting_on_a_platform_is_abandoned_when_the_process_stops(pool: asyncpg.Pool) -> None:
    stop, started, finished = asyncio.Event(), asyncio.Event(), []

    async def waits_a_minute(conn: asyncpg.Connection) -> None:  # a report the platform allows once a minute
        started.set()
        await asyncio.sleep(60)
        finished.append(True)

    running = asyncio.create_task(run_periodically(pool, "reads", 60, waits_a_minute, stop, abandon_on_stop=True))
    await asyncio.wait_for(started.wait(), 5)
    stop.set()
    await asyncio.wait_for(running, 2)  # not the minute
    assert finished == []
    # The abandoned run released its lock: the next process's run takes it.
    assert await run_once(pool, "reads", lambda conn: asyncio.sleep(0)) is True
