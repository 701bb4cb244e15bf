"""The Mini App's "Ask the seller" in a real browser (headless Chromium at a phone's width): on the shop page and
on an order's page it opens the chat with the shop's bot through Telegram; without a bot (the trial) it is not
there at all."""

from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis

from amazing_store.app import create_app
from core import orders
from core.embedded import ServiceUrls
from core.settings import Settings
from core.unit_of_work import Effects
from tests.browser import launched
from tests.builders import Shop
from tests.support import changed
from webapp.pages import DEMO_USER, STORE_ADDRESS

BOT_LINK = "https://t.me/zebo_butik_bot"
# Telegram's WebApp object as a client of Bot API 7 gives it, keeping the links the page asks it to open. Its
# initData is empty: the page then reads the login from the address, as /app/dev gives it.
TELEGRAM_STUB = """
window.openedInTelegram = [];
const noop = () => {};
window.Telegram = { WebApp: {
  initData: '', ready: noop, expand: noop, isVersionAtLeast: () => true,
  MainButton: { onClick: noop, setText: noop, show: noop, hide: noop, showProgress: noop, hideProgress: noop },
  BackButton: { onClick: noop, show: noop, hide: noop },
  openLink: noop, openTelegramLink: (href) => window.openedInTelegram.push(href),
} };
"""


@pytest.fixture
async def phone_page() -> AsyncIterator[Any]:
    async with launched() as browser:
        page = await browser.new_page(viewport={"width": 390, "height": 844})
        await page.add_init_script(TELEGRAM_STUB)
        yield page


async def _order_of_the_demo_customer(pool: asyncpg.Pool, effects: Effects, shop: Shop) -> int:
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        user_id = await conn.fetchval("SELECT id FROM users WHERE telegram_id = $1", DEMO_USER["id"])
        placed = await orders.place(
            uow,
            orders.NewOrder(
                shop.own,
                (orders.Line(shop.shirt, 1),),
                orders.Customer("Demo", "+998901234567"),
                user_id=user_id,
                payment_method="cash",
            ),
        )
    return placed.id


async def _open_shop_page(page: Any, server: TestServer) -> None:
    await page.goto(str(server.make_url("/app/dev")))
    await page.click('[data-testid="shop-info"]')
    await page.locator('[data-testid="screen-shop"] .empty, [data-testid="screen-shop"] .shop-info').wait_for()


async def _open_order_page(page: Any, order_id: int) -> None:
    await page.click('[data-testid="nav-orders"]')
    await page.click(f'[data-testid="order-row"][data-id="{order_id}"]')
    await page.locator('[data-testid="order-detail"]').wait_for()


async def test_ask_the_seller_opens_the_bots_chat_from_the_shop_and_the_order_pages(
    aiohttp_server: Callable[..., Any],
    settings: Settings,
    service_urls: ServiceUrls,
    shop: Shop,
    pool: asyncpg.Pool,
    effects: Effects,
    redis: Redis,
    phone_page: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    app = create_app(changed(settings, bot_token=None), service_urls)
    app[STORE_ADDRESS].bot_link = BOT_LINK  # as the bot's start gives it once Telegram told its name
    server: TestServer = await aiohttp_server(app)
    page = phone_page
    shots = tmp_path_factory.mktemp("ask-seller-screenshots")

    await _open_shop_page(page, server)
    ask = page.locator('[data-testid="ask-seller"]')
    await ask.wait_for()
    assert await ask.inner_text() == "Sotuvchiga yozish"
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390, "nothing sticks out sideways"
    await page.screenshot(path=str(shots / "shop.png"))
    await ask.click()
    assert await page.evaluate("window.openedInTelegram") == [BOT_LINK]

    order_id = await _order_of_the_demo_customer(pool, effects, shop)
    await _open_order_page(page, order_id)
    await ask.wait_for()
    await page.click('[data-testid="lang-toggle"]')
    await page.wait_for_function(
        "document.querySelector('[data-testid=ask-seller]')?.textContent === 'Написать продавцу'"
    )
    await page.screenshot(path=str(shots / "order-ru.png"))
    await ask.click()
    assert await page.evaluate("window.openedInTelegram") == [BOT_LINK, BOT_LINK]
    print(f"ask-the-seller screenshots: {shots}")


async def test_without_a_bot_there_is_no_ask_the_seller(
    aiohttp_server: Callable[..., Any],
    settings: Settings,
    service_urls: ServiceUrls,
    shop: Shop,
    pool: asyncpg.Pool,
    effects: Effects,
    redis: Redis,
    phone_page: Any,
) -> None:
    server: TestServer = await aiohttp_server(create_app(changed(settings, bot_token=None), service_urls))
    page = phone_page

    await _open_shop_page(page, server)
    order_id = await _order_of_the_demo_customer(pool, effects, shop)
    assert await page.locator('[data-testid="ask-seller"]').count() == 0
    await _open_order_page(page, order_id)
    await page.wait_for_load_state("networkidle")  # the shop's answer (no bot link) is in
    assert await page.locator('[data-testid="ask-seller"]').count() == 0
