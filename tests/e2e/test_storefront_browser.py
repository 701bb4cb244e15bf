"""A customer in a real browser (headless Chromium driven by Playwright): browse, search, fill the cart,
check out, find the order in the history. Screenshots of each step are saved for a person to look at."""

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis

from amazing_store.app import create_app
from core import media, photos
from core import shop as profile
from core.embedded import ServiceUrls
from core.settings import Settings
from core.shop import ProfileField
from core.unit_of_work import Effects
from demo import pictures
from tests.browser import launched
from tests.builders import Shop
from tests.support import changed
from webapp.keys import EFFECTS, MEDIA


@pytest.fixture
async def browser_page() -> AsyncIterator[Any]:
    async with launched() as browser:
        page = await browser.new_page(viewport={"width": 400, "height": 860})
        yield page


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
    # Both phones are in "Telefonlar"; the one whose name has the word comes first.
    await page.wait_for_function("document.querySelectorAll('[data-testid=product-card]').length === 2")
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


DARK_THEME = {  # Telegram's night theme, as its client sets the variables
    "--tg-theme-bg-color": "#17212b",
    "--tg-theme-secondary-bg-color": "#0e1621",
    "--tg-theme-text-color": "#f5f5f5",
    "--tg-theme-hint-color": "#708499",
    "--tg-theme-link-color": "#6ab3f3",
    "--tg-theme-button-color": "#5288c1",
    "--tg-theme-button-text-color": "#ffffff",
}


async def test_photos_show_in_the_list_and_a_swipeable_gallery_at_phone_width(
    aiohttp_server: Callable[..., Any],
    settings: Settings,
    service_urls: ServiceUrls,
    shop: Shop,
    pool: asyncpg.Pool,
    redis: Redis,
    browser_page: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    app = create_app(changed(settings, bot_token=None), service_urls)
    server: TestServer = await aiohttp_server(app)
    store = app[MEDIA]
    drawings = [("Samsung Galaxy", "#2563EB"), ("Orqa tomoni", "#7C3AED"), ("Quti", "#16A34A")]
    phone = [await media.keep(store, pictures.draw(label, color)) for label, color in drawings]
    shirt = [await media.keep(store, pictures.draw("Ko'ylak", "#DB2777"))]
    async with pool.acquire() as conn, app[EFFECTS].transaction(conn) as unit:
        await photos.replace(unit, shop.phone, phone)
        await photos.replace(unit, shop.shirt, shirt)
    shots = tmp_path_factory.mktemp("photo-screenshots")
    page = browser_page
    await page.set_viewport_size({"width": 390, "height": 844})

    async def snap(name: str) -> None:
        await page.screenshot(path=str(shots / f"{name}.png"))

    async def shown(selector: str) -> None:
        """Every image under the selector has loaded (a broken one would fall back to the placeholder)."""
        await page.wait_for_function(
            """(selector) => { const images = [...document.querySelectorAll(selector)];
                 return images.length > 0 && images.every((img) => img.complete && img.naturalWidth > 0); }""",
            arg=selector,
        )

    await page.goto(str(server.make_url("/app/dev")))
    card = f'[data-testid="product-card"][data-id="{shop.phone}"]'
    await shown(f'{card} [data-testid="photo"]')
    listed = page.locator(f'{card} [data-testid="photo"]')
    assert await listed.get_attribute("loading") == "lazy"
    assert "/media/" in await listed.evaluate("(img) => img.currentSrc")
    assert await listed.evaluate("(img) => img.currentSrc.endsWith('.webp')"), "Chromium takes the WebP"
    await shown(f'[data-testid="product-card"][data-id="{shop.shirt}"] [data-testid="photo"]')
    assert await page.locator(f'[data-testid="product-card"][data-id="{shop.telefon}"] .img-none').count() == 1
    await snap("1-list-light")

    await page.click(f"{card} .card-open")
    await page.wait_for_function("document.querySelectorAll('[data-testid=gallery-photo]').length === 3")
    await shown('[data-testid="gallery-photo"]:first-child [data-testid="photo"]')
    track = page.locator('[data-testid="gallery"]')
    assert await track.evaluate("(el) => Math.round(el.clientWidth)") == 390, "one photo fills the phone's width"
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390, "nothing sticks out sideways"
    await snap("2-gallery-light")

    await track.evaluate("(el) => el.scrollTo({ left: el.clientWidth })")  # a swipe to the second photo
    await page.wait_for_function("document.querySelectorAll('[data-testid=gallery-dot]')[1].classList.contains('on')")
    await shown('[data-testid="gallery-photo"]:nth-child(2) [data-testid="photo"]')
    await snap("3-gallery-second-light")

    await page.evaluate(
        "(vars) => Object.entries(vars).forEach(([k, v]) => document.documentElement.style.setProperty(k, v))",
        DARK_THEME,
    )
    await snap("4-gallery-dark")
    await page.click("header .back")
    await shown(f'{card} [data-testid="photo"]')
    await snap("5-list-dark")
    print(f"photo screenshots: {shots}")


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
