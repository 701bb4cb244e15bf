"""The home screen's best sellers and sale badges, "Notify me", and links that open a product, in headless
Chromium at a phone's width (390 px)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import asyncpg
import pytest
from aiohttp.test_utils import TestServer

from amazing_store.app import create_app
from core import catalog, inventory, orders
from core.embedded import ServiceUrls
from core.inventory import Source
from core.settings import Settings
from tests.browser import launched
from tests.builders import Shop
from tests.support import changed
from webapp.keys import EFFECTS
from webapp.pages import STORE_ADDRESS

BOT_LINK = "https://t.me/zebo_butik_bot"


@pytest.fixture
async def phone_page() -> AsyncIterator[Any]:
    """A page as wide as a phone; telegram.org is out of reach, as the page must cope with."""
    async with launched() as browser:
        page = await browser.new_page(viewport={"width": 390, "height": 844})
        await page.route("https://telegram.org/**", lambda route: route.abort())
        yield page


@pytest.fixture
async def server(
    aiohttp_server: Callable[..., Any], settings: Settings, service_urls: ServiceUrls, shop: Shop, pool: asyncpg.Pool
) -> TestServer:
    """The store with a sale on the smartphone (−15 %), two of them sold, and the button phone sold out."""
    running: TestServer = await aiohttp_server(create_app(changed(settings, bot_token=None), service_urls))
    async with pool.acquire() as conn, running.app[EFFECTS].transaction(conn) as uow:
        await catalog.update_product(uow, shop.phone, {"sale_price": Decimal("2550000")})
        await orders.place(
            uow, orders.NewOrder(shop.own, (orders.Line(shop.phone, 2),), orders.Customer("Ali", "+998901234567"))
        )
        await inventory.adjust(uow, shop.telefon, -3, Source("adjustment", notes="sold elsewhere"))
    return running


async def test_best_sellers_and_the_sale_badge_fit_the_phone(server: TestServer, shop: Shop, phone_page: Any) -> None:
    page = phone_page
    await page.goto(str(server.make_url("/app/dev")))
    row = page.locator('[data-testid="best-sellers"]')
    await row.locator('[data-testid="product-card"]').first.wait_for()

    assert await row.locator("h2").inner_text() == "Ko'p sotilganlar"
    assert await row.locator('[data-testid="product-card"]').count() == 1, "only what sold"
    assert await row.locator('[data-testid="discount"]').inner_text() == "−15 %"
    grid_card = page.locator(f'[data-testid="product-grid"] [data-testid="product-card"][data-id="{shop.phone}"]')
    assert await grid_card.locator('[data-testid="discount"]').inner_text() == "−15 %"
    assert await page.locator('[data-testid="product-grid"] [data-testid="discount"]').count() == 1
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390, "nothing sticks out sideways"

    await page.click('[data-testid="lang-toggle"]')
    await page.wait_for_function(
        "document.querySelector('[data-testid=best-sellers] h2')?.textContent === 'Хиты продаж'"
    )

    await row.locator(".card-open").first.click()
    await page.locator('[data-testid="screen-product"] [data-testid="discount"]').wait_for()
    assert await page.locator('[data-testid="screen-product"] [data-testid="old-price"]').count() == 1
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390

    await page.click('[data-testid="back"]')
    await page.fill('[data-testid="search"]', "ko'ylak")
    await page.wait_for_function("document.querySelector('[data-testid=best-sellers]').hidden")


async def test_a_shared_link_opens_the_product_and_share_offers_that_link(
    server: TestServer, shop: Shop, phone_page: Any
) -> None:
    """Telegram gives the page the link's start parameter in initDataUnsafe; its share sheet is openTelegramLink."""
    page = phone_page
    server.app[STORE_ADDRESS].bot_link = BOT_LINK
    await page.add_init_script(
        "window.__opened = [];"
        f"window.Telegram = {{ WebApp: {{ initData: '', initDataUnsafe: {{ start_param: 'p{shop.phone}' }},"
        " isVersionAtLeast: () => true, openTelegramLink: (url) => window.__opened.push(url) } };"
    )
    await page.goto(str(server.make_url("/app/dev")))

    name = page.locator('[data-testid="product-name"]')
    await name.wait_for()
    assert await name.inner_text() == "Samsung Galaxy smartfoni"
    await page.click('[data-testid="share"]')
    [opened] = await page.evaluate("window.__opened")
    link = quote(f"{BOT_LINK}?startapp=p{shop.phone}", safe="")
    assert opened == f"https://t.me/share/url?url={link}&text=Samsung%20Galaxy%20smartfoni"

    await page.click('[data-testid="back"]')
    await page.locator('[data-testid="product-grid"] [data-testid="product-card"]').first.wait_for()


async def test_notify_me_on_a_sold_out_product_opened_from_the_bots_button(
    server: TestServer, shop: Shop, pool: asyncpg.Pool, phone_page: Any
) -> None:
    """The bot's "back in stock" button opens the page's own address with tgWebAppStartParam; no bot link, no Share."""
    page = phone_page
    await page.goto(str(server.make_url("/app/dev")))
    await page.locator('[data-testid="product-card"]').first.wait_for()
    await page.goto(page.url.replace("/app/#", f"/app/?tgWebAppStartParam=p{shop.telefon}#"))

    await page.locator('[data-testid="notify-me"]').click()
    await page.locator('[data-testid="notify-on"]').wait_for()
    assert "xabar beramiz" in await page.locator('[data-testid="notify-on"]').inner_text()
    assert await pool.fetchval("SELECT product_id FROM back_in_stock_requests") == shop.telefon
    assert await page.locator('[data-testid="share"]').count() == 0
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390

    await page.reload()  # the wish is the customer's, kept by the server
    await page.locator('[data-testid="notify-on"]').wait_for()
    await page.click('[data-testid="notify-off"]')
    await page.locator('[data-testid="notify-me"]').wait_for()
    assert await pool.fetchval("SELECT count(*) FROM back_in_stock_requests") == 0
