import asyncio
import time

import asyncpg
from aiohttp.test_utils import TestClient

from amazing_store.app import create_app
from core.embedded import ServiceUrls, free_port
from core.settings import Settings
from tests.fake_telegram import FakeTelegram
from tests.support import changed


async def test_start_over_polling_registers_user_and_offers_the_mini_app(
    aiohttp_client, settings: Settings, service_urls: ServiceUrls, fake_telegram: FakeTelegram, pool: asyncpg.Pool
) -> None:
    app = create_app(changed(settings, telegram_api_url=fake_telegram.base_url), service_urls)
    client: TestClient = await aiohttp_client(app)
    fake_telegram.queue_update(
        fake_telegram.message_update("/start", user_id=4242, first_name="Dilnoza", language_code="ru")
    )

    [reply] = await fake_telegram.wait_for_call("sendMessage", timeout=10)

    assert reply.params["chat_id"] == "4242"
    assert reply.params["text"].startswith("Здравствуйте, Dilnoza!")
    [[button]] = reply.params["reply_markup"]["inline_keyboard"]
    assert button["web_app"]["url"] == "https://shop.example.test/app"
    user = await pool.fetchrow("SELECT first_name, language, last_login_at FROM users WHERE telegram_id = 4242")
    assert user["first_name"] == "Dilnoza" and user["language"] == "ru" and user["last_login_at"] is not None
    assert fake_telegram.calls_to("deleteWebhook"), "polling must drop a webhook left from webhook mode"
    await client.close()


async def test_start_in_webhook_mode_needs_the_secret_token(
    aiohttp_client, settings: Settings, service_urls: ServiceUrls, fake_telegram: FakeTelegram, pool: asyncpg.Pool
) -> None:
    webhook_settings = changed(
        settings, telegram_api_url=fake_telegram.base_url, bot_mode="webhook", webhook_secret="hook-secret"
    )
    client: TestClient = await aiohttp_client(create_app(webhook_settings, service_urls))
    [registered] = await fake_telegram.wait_for_call("setWebhook")  # registered in the background
    assert registered.params["url"] == "https://shop.example.test/telegram/webhook"
    assert registered.params["secret_token"] == "hook-secret"
    update = fake_telegram.message_update("/start", user_id=77, first_name="Aziz")

    refused = await client.post("/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "x"})
    assert refused.status == 401
    assert await pool.fetchval("SELECT count(*) FROM users") == 0

    accepted = await client.post(
        "/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "hook-secret"}
    )
    assert accepted.status == 200
    [reply] = await fake_telegram.wait_for_call("sendMessage")
    assert reply.params["text"].startswith("Assalomu alaykum, Aziz!")


async def test_webhook_mode_starts_without_telegram_and_registers_once_telegram_answers(
    aiohttp_client, settings: Settings, service_urls: ServiceUrls
) -> None:
    telegram_port = free_port()  # nothing listens there yet
    webhook_settings = changed(
        settings,
        telegram_api_url=f"http://127.0.0.1:{telegram_port}",
        bot_mode="webhook",
        webhook_secret="hook-secret",
    )
    client: TestClient = await aiohttp_client(create_app(webhook_settings, service_urls))
    ready = await client.get("/readyz")
    assert (ready.status, await ready.json()) == (
        200,
        {"status": "degraded", "postgres": "ok", "redis": "ok", "bot": "degraded"},
    )
    assert (await client.get("/api/shop")).status == 200

    telegram = FakeTelegram()
    await telegram.start(port=telegram_port)
    try:
        [registered] = await telegram.wait_for_call("setWebhook", timeout=40)  # the next try, after its backoff
        assert registered.params["url"] == "https://shop.example.test/telegram/webhook"
        deadline = time.monotonic() + 10
        while (body := await (await client.get("/readyz")).json())["bot"] != "ready":
            assert time.monotonic() < deadline, body
            await asyncio.sleep(0.1)
        assert body["status"] == "ok"
    finally:
        await client.close()
        await telegram.stop()
