"""A customer in a real browser (headless Chromium driven by Playwright): browse, search, fill the cart,
check out, find the order in the history. Screenshots of each step are saved for a person to look at."""

import re
import shutil
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis

from amazing_store.app import create_app
from core import shop as profile
from core.embedded import ServiceUrls
from core.settings import Settings
from core.shop import ProfileField
from core.unit_of_work import Effects
from tests.builders import Shop
from tests.support import changed

CHROMIUM = "/usr/bin/chromium"
# The flags this machine needs: no sandbox as root, and no background traffic to a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
async def browser_page() -> AsyncIterator[Any]:
    if shutil.which("chromium") is None and shutil.which(CHROMIUM) is None:
        pytest.skip("Chromium is not installed: `apt-get install chromium` to run the storefront browser test")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 400, "height": 860})
        yield page
        await browser.close()


async def test_customer_browses_searches_and_orders_in_the_mini_app(
    aiohttp_server: Callable[..., Any],
    settings: Settings,
    service_urls: ServiceUrls,
    shop: Shop,
    pool: asyncpg.Pool,
    redis: Redis,
    browser_page: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    server: TestServer = await aiohttp_server(create_app(changed(settings, bot_token=None), service_urls))
    shots = tmp_path_factory.mktemp("storefront-screenshots")
    page = browser_page

    async def snap(name: str) -> None:
        await page.screenshot(path=str(shots / f"{name}.png"))

    def cards() -> Any:
        return page.locator('[data-testid="product-card"]')

    await page.goto(str(server.make_url("/app/dev")))
    await cards().first.wait_for()
    assert await cards().count() == 3
    await snap("1-home")

    await page.click(f'[data-testid="category-tab"][data-id="{shop.clothes}"]')
    await page.wait_for_function("document.querySelectorAll('[data-testid=product-card]').length === 1")
    assert "Ko'ylak" in await cards().first.inner_text()
    await snap("2-category")

    await page.click('[data-testid="category-tab"][data-id=""]')
    await page.fill('[data-testid="search"]', "telefon")
    await page.wait_for_function("document.querySelectorAll('[data-testid=product-card]').length === 1")
    found = cards().first
    assert await found.get_attribute("data-id") == str(shop.telefon)
    await snap("3-search")
    await found.locator('[data-testid="add-to-cart"]').click()
    await page.wait_for_function("document.querySelector('[data-testid=cart-count]')?.textContent === '1'")

    await page.fill('[data-testid="search"]', "")
    await page.wait_for_function("document.querySelectorAll('[data-testid=product-card]').length === 3")
    await page.locator(f'[data-testid="product-card"][data-id="{shop.phone}"] [data-testid="add-to-cart"]').click()
    await page.wait_for_function("document.querySelector('[data-testid=cart-count]')?.textContent === '2'")

    await page.click('[data-testid="nav-cart"]')
    total = page.locator('[data-testid="cart-total"]')
    await total.wait_for()
    assert re.sub(r"\D", "", await total.inner_text()) == "3250000"
    await snap("4-cart")

    await page.click('[data-testid="checkout"]')
    await page.fill('[data-testid="checkout-name"]', "Aziza Karimova")
    await page.fill('[data-testid="checkout-phone"]', "90 123 45 67")
    await page.fill('[data-testid="checkout-address"]', "Toshkent, Yunusobod 4")
    await snap("5-checkout")
    await page.click('[data-testid="place-order"]')

    async with pool.acquire() as conn:
        for _ in range(50):
            order = await conn.fetchrow("SELECT id, order_number, total, customer_phone FROM orders")
            if order is not None:
                break
            await page.wait_for_timeout(100)
        assert order is not None, "the order did not reach the database"
        lines = await conn.fetchval("SELECT count(*) FROM order_items WHERE order_id = $1", order["id"])
    assert (str(order["total"]), order["customer_phone"], lines) == ("3250000.00", "+998901234567", 2)

    await page.click('[data-testid="nav-orders"]')
    row = page.locator('[data-testid="order-row"]').first
    await row.wait_for()
    assert order["order_number"] in await row.inner_text()
    await snap("6-orders")
    print(f"storefront screenshots: {shots}")


async def test_the_shop_page_shows_what_the_seller_wrote(
    aiohttp_server: Callable[..., Any],
    settings: Settings,
    service_urls: ServiceUrls,
    shop: Shop,
    pool: asyncpg.Pool,
    effects: Effects,
    redis: Redis,
    browser_page: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        for field, value in (
            (ProfileField.NAME, "Zebo Butik"),
            (ProfileField.PHONE, "90 123 45 67"),
            (ProfileField.HOURS, "Du–Sha 9:00–20:00"),
            (ProfileField.ABOUT_UZ, "Ayollar kiyimi, Toshkent bo'ylab yetkazib beramiz."),
        ):
            await profile.set_profile_field(uow, field, value, None)
    server: TestServer = await aiohttp_server(create_app(changed(settings, bot_token=None), service_urls))
    page = browser_page

    await page.goto(str(server.make_url("/app/dev")))
    await page.wait_for_function("document.querySelector('[data-testid=screen-title]')?.textContent === 'Zebo Butik'")
    await page.click('[data-testid="shop-info"]')
    await page.locator('[data-testid="shop-about"]').wait_for()
    assert "Toshkent bo'ylab" in await page.locator('[data-testid="shop-about"]').inner_text()
    assert await page.locator('[data-testid="shop-phone"]').get_attribute("href") == "tel:+998901234567"
    assert "Du–Sha 9:00–20:00" in await page.locator('[data-testid="shop-hours"]').inner_text()
    shots = tmp_path_factory.mktemp("shop-page-screenshots")
    await page.screenshot(path=str(shots / "shop.png"))
    print(f"shop page screenshot: {shots}")
