"""The store page carries the home screen's first page of products, so a phone shows the first cards without a
round trip to the API and without waiting for the login (headless Chromium at 390 px)."""

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import aiohttp
import asyncpg
from aiohttp.test_utils import TestServer

from amazing_store.app import create_app
from core import catalog
from core.embedded import ServiceUrls
from core.settings import Settings
from tests.builders import Shop
from tests.e2e.test_store_on_a_phone import CARDS, TELEGRAM_SCRIPT, Held, chromium, phone
from tests.support import changed
from webapp.keys import EFFECTS

__all__ = ["chromium"]  # the browser fixture, shared with the phone tests

FIRST_PAGE = re.compile(r'<script type="application/json" id="first-page" data-for="([^"]*)">(.*?)</script>', re.S)


async def test_the_page_carries_the_first_products_in_the_phones_language(
    aiohttp_server: Callable[..., Any], settings: Settings, service_urls: ServiceUrls, shop: Shop
) -> None:
    server: TestServer = await aiohttp_server(create_app(changed(settings, bot_token=None), service_urls))
    async with aiohttp.ClientSession() as session:
        async with session.get(server.make_url("/app/"), headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"}) as r:
            russian = await r.text()
        async with session.get(server.make_url("/app/")) as r:
            unknown = await r.text()

    found = FIRST_PAGE.search(russian)
    assert found is not None, "the page carries the first products"
    assert found.group(1) == "/api/products?lang=ru&amp;page=1&amp;per_page=20&amp;sort=new"
    assert "Смартфон Samsung Galaxy" in found.group(2) and "Рубашка" in found.group(2)
    assert '"is_favorite":true' not in found.group(2), "no one's favorites in a page that is the same for everyone"
    default = FIRST_PAGE.search(unknown)
    assert default is not None and "lang=uz" in default.group(1) and "Samsung Galaxy smartfoni" in default.group(2)


async def test_the_first_cards_show_from_the_page_before_the_login_answers(
    aiohttp_server: Callable[..., Any],
    settings: Settings,
    service_urls: ServiceUrls,
    shop: Shop,
    pool: asyncpg.Pool,
    chromium: Any,
) -> None:
    app = create_app(changed(settings, bot_token=None), service_urls)
    server: TestServer = await aiohttp_server(app)
    # A name that would end the page's script early were it copied in as it is.
    tricky = "Qalam </script><b>qalin</b>"
    async with pool.acquire() as conn, app[EFFECTS].transaction(conn) as uow:
        await catalog.create_product(
            uow,
            catalog.NewProduct(
                sku="PEN-1",
                name_uz=tricky,
                name_ru="Ручка",
                category_id=shop.clothes,
                price=Decimal("5000"),
                cost_price=Decimal("3000"),
                initial_stock=4,
            ),
            low_stock_threshold=1,
        )
    page = await phone(chromium)
    await page.route(TELEGRAM_SCRIPT, Held("").handle)
    login = Held()
    await page.route("**/api/users/validate", login.handle)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))

    await page.goto(str(server.make_url("/app/dev")), wait_until="domcontentloaded")
    await page.locator(CARDS).nth(3).wait_for(timeout=10_000)
    assert login.asked.is_set() and not login.released.is_set(), "the cards came while the login was held"
    names = await page.locator(f"{CARDS} .name").all_text_contents()
    assert tricky in names and "Samsung Galaxy smartfoni" in names
    assert not [address for address in asked if "/api/products?" in address], "no API request for the first page"

    login.release()
    await page.locator('[data-testid="cart-count"]').wait_for(state="attached")
    # Any other list asks the API as before: the page carried only the first one.
    await page.fill('[data-testid="search"]', "Рубашка")
    await page.wait_for_function("document.querySelectorAll('[data-testid=\"product-card\"]').length === 1")
    assert [address for address in asked if "/api/products?" in address], "a search still asks the API"
