"""The real `amazing-store` process: starts, answers, and stops cleanly on SIGTERM."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from redis.asyncio import Redis

from amazing_store import cli
from core import events
from core.embedded import ServiceUrls, free_port
from tests.fake_telegram import FakeTelegram
from tests.support import TEST_BOT_TOKEN, subscriber_connections, wait_ready


def _env(service_urls: ServiceUrls, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "ADMIN_IDS", "PUBLIC_URL"}}
    env.update(
        DATABASE_URL=service_urls.database_url,
        REDIS_URL=service_urls.redis_url,
        DATA_DIR=str(tmp_path / "data"),
        **extra,
    )
    return env


async def test_run_serves_the_bot_and_stops_gracefully_on_sigterm(
    service_urls: ServiceUrls, tmp_path: Path, fake_telegram: FakeTelegram, pool: asyncpg.Pool
) -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "amazing_store",
        "run",
        env=_env(
            service_urls,
            tmp_path,
            HTTP_PORT=str(port),
            BOT_TOKEN=TEST_BOT_TOKEN,
            TELEGRAM_API_URL=fake_telegram.base_url,
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        await wait_ready(f"http://127.0.0.1:{port}/readyz", process)
        fake_telegram.queue_update(fake_telegram.message_update("/start", user_id=31337))
        await fake_telegram.wait_for_call("sendMessage", timeout=10)
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/", allow_redirects=False) as root,
        ):
            assert (root.status, root.headers["Location"]) == (302, "https://t.me/test_shop_bot")

        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        output, _ = await asyncio.wait_for(process.communicate(), 15)
        stopped_in = time.monotonic() - started
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = output.decode()
    assert process.returncode == 0, log
    assert stopped_in < 10, f"shutdown took {stopped_in:.1f}s"
    assert "bot: polling" in log and "PostgreSQL:" in log and "Redis:" in log
    assert "store: https://t.me/test_shop_bot" in log
    assert TEST_BOT_TOKEN not in log, "the bot token must never reach the log"
    assert await pool.fetchval("SELECT count(*) FROM users WHERE telegram_id = 31337") == 1


async def test_run_without_bot_token_serves_web_and_says_bot_is_off(service_urls: ServiceUrls, tmp_path: Path) -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "amazing_store",
        "run",
        env=_env(service_urls, tmp_path, HTTP_PORT=str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        await wait_ready(f"http://127.0.0.1:{port}/readyz", process)
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), 15)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0
    assert "the bot is off" in output.decode()
    assert f"store: http://127.0.0.1:{port}/app/dev" in output.decode()


async def test_every_part_of_a_running_process_hears_its_channels_on_one_redis_connection(
    service_urls: ServiceUrls, tmp_path: Path, redis: Redis
) -> None:
    channels = [
        events.STOCK_CHANGED,
        events.SYNC_REQUESTED,
        events.WEBHOOK_RECEIVED,
        events.MARKETPLACE_CHANGED,
        events.CATALOG_CHANGED,
        events.FAVORITES_CHANGED,
        events.FBS_REQUESTED,
    ]
    before = {client["id"] for client in await subscriber_connections(redis)}
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "amazing_store",
        "run",
        env=_env(service_urls, tmp_path, HTTP_PORT=str(port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await wait_ready(f"http://127.0.0.1:{port}/readyz", process)
        deadline = time.monotonic() + 10
        # The jobs (push, webhooks) start listening a moment after the web parts.
        on_the_wire = [events.scoped(redis, channel) for channel in channels]
        while [count for _, count in await redis.pubsub_numsub(*on_the_wire)] != [1] * len(channels):
            assert time.monotonic() < deadline, await redis.pubsub_numsub(*on_the_wire)
            await asyncio.sleep(0.1)
        subscribers = [client for client in await subscriber_connections(redis) if client["id"] not in before]
        assert [client["sub"] for client in subscribers] == [str(len(channels))]
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 15)


def test_malformed_setting_stops_start_up_with_one_line_naming_it(service_urls: ServiceUrls, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "amazing_store", "run"],
        env=_env(service_urls, tmp_path, HTTP_PORT="eighty"),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "amazing-store: setting HTTP_PORT is invalid: Input should be a valid integer, unable to parse string as an "
        "integer"
    ]


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    # In this process: the entry point is `python -m amazing_store` -> cli.main, which argparse ends on --help.
    for command in ([], ["run"], ["migrate"], ["seed-demo"], ["admin"], ["admin", "add"], ["marketplace", "finance"]):
        with pytest.raises(SystemExit) as ended:
            cli.main([*command, "--help"])
        assert ended.value.code == 0, command
        assert "usage: amazing-store" in capsys.readouterr().out


async def _bot_becomes(url: str, process: asyncio.subprocess.Process, wanted: str, within: float = 60) -> dict:
    """Read /readyz until it reports the bot `wanted` (the bot's retries wait up to 30 s between two tries)."""
    deadline = time.monotonic() + within
    body: dict = {}
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            assert process.returncode is None, "the process exited"
            async with http.get(url) as response:
                body = await response.json()
                if body.get("bot") == wanted:
                    assert response.status == 200, body
                    return body
            await asyncio.sleep(0.2)
    raise AssertionError(f"the bot was not {wanted} within {within}s: {body}")


async def test_run_serves_the_store_while_telegram_is_unreachable_and_the_bot_follows_telegram(
    service_urls: ServiceUrls, tmp_path: Path
) -> None:
    port, telegram_port = free_port(), free_port()  # nothing listens on telegram_port yet
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "amazing_store",
        "run",
        env=_env(
            service_urls,
            tmp_path,
            HTTP_PORT=str(port),
            METRICS_PORT="0",
            BOT_TOKEN=TEST_BOT_TOKEN,
            TELEGRAM_API_URL=f"http://127.0.0.1:{telegram_port}",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    telegram = FakeTelegram()
    ready = f"http://127.0.0.1:{port}/readyz"
    try:
        await wait_ready(ready, process)
        degraded = await _bot_becomes(ready, process, "degraded")
        assert degraded == {"status": "degraded", "postgres": "ok", "redis": "ok", "bot": "degraded"}
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/api/shop") as shop:
            assert shop.status == 200, "the store serves while Telegram is out of reach"

        await telegram.start(port=telegram_port)  # Telegram comes back
        assert await _bot_becomes(ready, process, "ready") == {
            "status": "ok",
            "postgres": "ok",
            "redis": "ok",
            "bot": "ready",
        }
        telegram.queue_update(telegram.message_update("/start", user_id=4711))
        await telegram.wait_for_call("sendMessage", timeout=20)

        await telegram.stop()  # and goes away again
        assert (await _bot_becomes(ready, process, "degraded"))["status"] == "degraded"

        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), 15)
    finally:
        await telegram.stop()
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = output.decode()
    assert process.returncode == 0, log
    assert "bot: Telegram cannot be reached" in log and "bot: polling" in log
    assert TEST_BOT_TOKEN not in log, "the bot token must never reach the log"
