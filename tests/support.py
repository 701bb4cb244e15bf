"""Small helpers shared by tests."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from core.settings import Settings
from sync.fbs_worker import FbsWorker
from webapp.initdata import sign_init_data
from webapp.keys import INIT_DATA_TOKEN

TEST_BOT_TOKEN = "123456:TEST-token"


def changed(settings: Settings, **changes: object) -> Settings:
    """A validated copy of settings with some values changed (model_copy would skip validation)."""
    return Settings(_env_file=None, **{**settings.model_dump(), **changes})


CUSTOMER = {"id": 5001, "first_name": "Aziza", "last_name": "Karimova", "username": "aziza", "language_code": "uz"}
ADMIN = {"id": 9001, "first_name": "Boss", "language_code": "ru"}


def login(client: TestClient, user: dict[str, Any] = CUSTOMER, **fields: Any) -> dict[str, str]:
    """Authorization headers for `user`, signed like Telegram would for this app's bot."""
    return {"Authorization": "tma " + sign_init_data(client.app[INIT_DATA_TOKEN], user, **fields)}


async def well_inside_a_budget_window(margin: float = 5.0) -> None:
    """The API's request budget counts in fixed one-minute windows (webapp.ratelimit): a burst that straddles
    a window's end is counted half in each and never refused. Starts the burst in a window with time to spare."""
    left = 60 - time.time() % 60
    if left < margin:
        await asyncio.sleep(left + 0.1)


async def subscriber_connections(redis: Redis) -> list[dict[str, Any]]:
    """The pub/sub connections on this client's database: the server's list holds every test worker's
    (tests/databases.py)."""
    db = str(redis.connection_pool.connection_kwargs.get("db", 0))
    return [client for client in await redis.client_list(_type="pubsub") if client["db"] == db]


async def wait_ready(url: str, process: asyncio.subprocess.Process, within: float = 30) -> None:
    """Until a started process answers 200 at url; fails at once if it exits during start-up."""
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            assert process.returncode is None, "the process exited during start-up"
            try:
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"{url} did not answer 200 within {within}s")


@contextlib.asynccontextmanager
async def running(worker: FbsWorker) -> AsyncIterator[FbsWorker]:
    """The sync's FBS worker running beside the bot, woken by each request as in the process."""
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    await asyncio.sleep(0.2)  # subscribed before the first request
    try:
        yield worker
    finally:
        stop.set()
        await task
