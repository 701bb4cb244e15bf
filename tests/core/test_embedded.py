"""The embedded servers of a machine without DATABASE_URL / REDIS_URL: restarted when they die, and Redis keeps
what it acknowledged through a kill -9. Each test has servers of its own (never the session's shared ones)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest
from aiogram.fsm.storage.base import StorageKey
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from amazing_store.app import create_app
from bot.dispatcher import create_dispatcher
from core.embedded import ServiceUrls, embedded_postgres, embedded_redis, services
from core.settings import Settings
from tests.support import changed

# How long a wait may last before the test fails: generous, the machine may be busy (not a speed claim).
PATIENCE = 60.0
FORM_KEY = StorageKey(bot_id=123456, chat_id=9001, user_id=9001)


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {PATIENCE}s: {what}")
        await asyncio.sleep(0.1)


async def redis_pid(url: str) -> int:
    client = Redis.from_url(url)
    try:
        return int((await client.info("server"))["process_id"])
    finally:
        await client.aclose()


async def test_a_killed_embedded_redis_is_restarted_on_its_port_and_the_store_is_ready_again(
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    settings: Settings,
    service_urls: ServiceUrls,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="core.supervision")
    # The app's own wiring: no REDIS_URL, so services() starts (and supervises) an embedded Redis.
    with services(service_urls.database_url, None, tmp_path) as urls:
        client = await aiohttp_client(create_app(changed(settings, bot_token=None), urls))
        assert (await client.get("/readyz")).status == 200
        first = await redis_pid(urls.redis_url)

        os.kill(first, signal.SIGKILL)

        async def ready_on_a_new_server() -> bool:
            if (await client.get("/readyz")).status != 200:
                return False
            return await redis_pid(urls.redis_url) != first

        await eventually(ready_on_a_new_server, "the store is ready on a restarted Redis")
    told = [record.getMessage() for record in caplog.records if record.name == "core.supervision"]
    assert any("embedded Redis died" in line for line in told) and "embedded Redis restarted" in told


async def test_a_killed_embedded_postgres_is_restarted_with_the_same_address(
    redis_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="core.supervision")
    with services(None, redis_url, tmp_path) as urls:
        conn = await asyncpg.connect(urls.database_url)
        await conn.execute("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('written before the kill')")
        await conn.close()
        postmaster = int((tmp_path / "pg" / "postmaster.pid").read_text().split()[0])

        os.kill(postmaster, signal.SIGKILL)

        async def answers_again() -> bool:
            try:
                conn = await asyncpg.connect(urls.database_url, timeout=5)
            except (OSError, asyncpg.PostgresError, TimeoutError):
                return False
            try:
                return await conn.fetchval("SELECT note FROM kept") == "written before the kill"
            finally:
                await conn.close()

        await eventually(answers_again, "PostgreSQL answers again at the same address, with its data")
        assert int((tmp_path / "pg" / "postmaster.pid").read_text().split()[0]) != postmaster
    told = [record.getMessage() for record in caplog.records if record.name == "core.supervision"]
    assert any("embedded PostgreSQL died" in line for line in told) and "embedded PostgreSQL restarted" in told


async def test_an_open_form_survives_a_kill_9_of_the_embedded_redis(tmp_path: Path) -> None:
    with embedded_redis(tmp_path / "redis", supervised=True) as url:
        client = Redis.from_url(url)
        try:
            storage = create_dispatcher(client).storage
            await storage.set_state(FORM_KEY, "ManualOrder:quantity")
            await storage.set_data(FORM_KEY, {"form": "5eed1e55", "channel_id": 3, "items": [{"product_id": 7}]})
            first = await redis_pid(url)
            await asyncio.sleep(1.5)  # past the append-only file's fsync (every second): what a crash may keep

            os.kill(first, signal.SIGKILL)

            async def restarted() -> bool:
                try:
                    return await redis_pid(url) != first
                except (OSError, RedisConnectionError):
                    return False

            await eventually(restarted, "Redis is back")
            assert await storage.get_state(FORM_KEY) == "ManualOrder:quantity"
            assert await storage.get_data(FORM_KEY) == {
                "form": "5eed1e55",
                "channel_id": 3,
                "items": [{"product_id": 7}],
            }
        finally:
            await client.aclose()


async def test_a_data_directory_from_before_the_append_only_file_keeps_its_snapshot(tmp_path: Path) -> None:
    data_dir = tmp_path / "redis"
    with embedded_redis(data_dir) as url:
        client = Redis.from_url(url)
        await client.set("form", "kept in the snapshot")
        await client.aclose()
    # What an older release left: a snapshot only (SIGTERM saved it), no append-only file.
    (data_dir / "appendonly.aof").unlink()

    with embedded_redis(data_dir) as url:
        client = Redis.from_url(url)
        try:
            assert await client.get("form") == b"kept in the snapshot"
            assert (await client.config_get("appendonly"))["appendonly"] == "yes"
        finally:
            await client.aclose()
    assert (data_dir / "appendonly.aof").exists()


# A process that starts the embedded Redis and holds it, as `amazing-store run` does; it prints the URL.
REDIS_HOLDER = """
import sys, time
from pathlib import Path
from core.embedded import embedded_redis
with embedded_redis(Path(sys.argv[1])) as url:
    print(url, flush=True)
    time.sleep(60)
"""


async def test_a_redis_a_killed_process_left_running_is_stopped_before_the_next_starts(tmp_path: Path) -> None:
    data_dir = tmp_path / "redis"
    killed = await asyncio.create_subprocess_exec(
        sys.executable, "-c", REDIS_HOLDER, str(data_dir), stdout=asyncio.subprocess.PIPE
    )
    try:
        assert killed.stdout is not None
        left_url = (await killed.stdout.readline()).decode().strip()
        client = Redis.from_url(left_url)
        await client.set("form", "written to the server left running")
        left_pid = await redis_pid(left_url)
        await client.aclose()
    finally:
        killed.kill()  # the redis-server it started outlives it
        await killed.wait()
    os.kill(left_pid, 0)  # still running, serving no one

    with embedded_redis(data_dir) as url:
        with pytest.raises(ProcessLookupError):
            os.kill(left_pid, 0)  # stopped, not left writing the same files beside the new one
        client = Redis.from_url(url)
        try:
            assert await client.get("form") == b"written to the server left running", "it saved before it went"
        finally:
            await client.aclose()


# A process that starts the embedded PostgreSQL and holds it, as `amazing-store run` does.
HOLDER = """
import sys, time
from pathlib import Path
from core.embedded import embedded_postgres
with embedded_postgres(Path(sys.argv[1])):
    print("up", flush=True)
    time.sleep(60)
"""


async def test_a_postmaster_pid_whose_number_is_another_process_by_now_does_not_stop_the_start(tmp_path: Path) -> None:
    data_dir = tmp_path / "pg"
    with embedded_postgres(data_dir) as url:
        conn = await asyncpg.connect(url)
        await conn.execute("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('written before')")
        await conn.close()
        _pid, _, rest = (data_dir / "postmaster.pid").read_text().partition("\n")  # what a kill -9 leaves behind
    # After a reboot or a container restart, the number in it belongs to another process.
    other = await asyncio.create_subprocess_exec("sleep", "60")
    try:
        (data_dir / "postmaster.pid").write_text(f"{other.pid}\n{rest}")

        with embedded_postgres(data_dir) as url:
            conn = await asyncpg.connect(url)
            assert await conn.fetchval("SELECT note FROM kept") == "written before"
            await conn.close()
    finally:
        other.kill()
        await other.wait()


async def test_after_a_kill_9_of_the_process_the_next_one_takes_the_running_postgres_and_stops_it_on_exit(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "pg"
    killed = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLDER, str(data_dir), stdout=asyncio.subprocess.PIPE
    )
    try:
        assert killed.stdout is not None and await killed.stdout.readline() == b"up\n"
    finally:
        killed.kill()  # the server it started outlives it
        await killed.wait()
    left_running = int((data_dir / "postmaster.pid").read_text().split()[0])

    with embedded_postgres(data_dir) as url:
        assert int((data_dir / "postmaster.pid").read_text().split()[0]) == left_running, "taken, not restarted"
        conn = await asyncpg.connect(url)
        assert await conn.fetchval("SELECT 1") == 1
        await conn.close()

    assert not (data_dir / "postmaster.pid").exists(), "stopped on exit, as a server it started itself"
