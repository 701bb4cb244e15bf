"""Delivery in a real browser at a phone's width (390 px): the product page states the zones' terms, checkout asks
for a zone, shows its fee and the total with it before the customer confirms, fills the phone in one tap, offers
no card payment the shop cannot take, and the order placed carries the zone and the fee."""

import re
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis

from amazing_store.app import create_app
from core import delivery
from core.delivery import ZoneField
from core.embedded import ServiceUrls
from core.settings import Settings
from core.unit_of_work import Effects
from tests.browser import launched
from tests.builders import Shop
from tests.support import changed

# Telegram's bridge as a client at Bot API 7 gives it (telegram-web-app.js cannot load here): the user shares the
# phone when asked. initData stays empty, so the page logs in from the URL fragment as without the bridge.
TELEGRAM_BRIDGE = """
window.Telegram = { WebApp: {
  initData: '', ready() {}, expand() {}, isVersionAtLeast: () => true,
  MainButton: { onClick() {}, setText() {}, show() {}, hide() {}, showProgress() {}, hideProgress() {} },
  BackButton: { onClick() {}, show() {}, hide() {} },
  requestContact(callback) {
    callback(true, { status: 'sent', responseUnsafe: { contact: { phone_number: '998901112233', user_id: 1 } } });
  },
} };
"""


@pytest.fixture
async def phone_page() -> AsyncIterator[Any]:
    async with launched() as browser:
        page = await browser.new_page(viewport={"width": 390, "height": 844})
        await page.add_init_script(TELEGRAM_BRIDGE)
        yield page


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


async def test_checkout_with_a_delivery_zone_its_fee_and_the_phone_in_one_tap_at_390_px(
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
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        city = await delivery.add(uow, "Toshkent shahri", "город Ташкент", Decimal(20000), None)
        await delivery.set_field(uow, city.id, ZoneField.FREE_FROM, Decimal(300000), None)
        await delivery.set_field(uow, city.id, ZoneField.TIME_UZ, "1 kun", None)
        await delivery.add(uow, "Toshkent viloyati", "Ташкентская область", Decimal(35000), None)
    server: TestServer = await aiohttp_server(create_app(changed(settings, bot_token=None), service_urls))
    shots = tmp_path_factory.mktemp("delivery-screenshots")
    page = phone_page

    async def fits() -> None:
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390, "nothing sticks out sideways"

    await page.goto(str(server.make_url("/app/dev")))
    await page.click(f'[data-testid="product-card"][data-id="{shop.shirt}"] .card-open')
    terms = page.locator('[data-testid="delivery-zone"]')
    await terms.first.wait_for()
    assert [await row.inner_text() for row in await terms.all()] == [
        "Toshkent shahri\n20\u2009000\u00a0so'm, 300\u2009000\u00a0so'm dan bepul · 1 kun",
        "Toshkent viloyati\n35\u2009000\u00a0so'm",
    ]
    await fits()
    await page.screenshot(path=str(shots / "1-product-terms.png"), full_page=True)

    await page.click('[data-testid="product-add-to-cart"]')
    await page.wait_for_function("document.querySelector('[data-testid=cart-count]')?.textContent === '1'")
    await page.click('[data-testid="nav-cart"]')
    await page.click('[data-testid="checkout"]')
    await page.locator(f'[data-testid="zone-{city.id}"]').wait_for()
    assert await page.locator('[data-testid="payment-card"]').count() == 0, "no card payment the shop cannot take"
    await page.fill('[data-testid="checkout-name"]', "Aziza Karimova")
    await page.fill('[data-testid="checkout-phone"]', "")
    await page.click('[data-testid="share-phone"]')
    assert await page.input_value('[data-testid="checkout-phone"]') == "+998901112233"
    await page.fill('[data-testid="checkout-address"]', "Toshkent, Chilonzor 5")

    await page.click('[data-testid="place-order"]')  # no zone chosen yet
    assert await page.locator('[data-testid="checkout-zones"] .warning').inner_text() == (
        "Yetkazib berish hududini tanlang"
    )
    assert await pool.fetchval("SELECT count(*) FROM orders") == 0

    await page.click(f'[data-testid="zone-{city.id}"]')
    assert _digits(await page.inner_text('[data-testid="delivery-fee"]')) == "20000"
    assert _digits(await page.inner_text('[data-testid="checkout-total"]')) == "170000"
    await fits()
    await page.screenshot(path=str(shots / "2-checkout-zone-fee.png"), full_page=True)
    await page.click('[data-testid="place-order"]')

    for _ in range(50):
        order = await pool.fetchrow("SELECT delivery_zone_id, delivery_fee, total, customer_phone FROM orders")
        if order is not None:
            break
        await page.wait_for_timeout(100)
    assert order is not None, "the order did not reach the database"
    assert tuple(order) == (city.id, Decimal("20000.00"), Decimal("170000.00"), "+998901112233")
    await page.locator('[data-testid="order-detail"], [data-testid="order-row"]').first.wait_for()
    await page.screenshot(path=str(shots / "3-order.png"), full_page=True)
    print(f"delivery screenshots: {shots}")
