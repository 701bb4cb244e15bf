"""The screen walker: a customer walks every screen of the Mini App in headless Chromium, in Uzbek and in Russian,
in the light and the dark theme; on each screen the page must fit a 360 and a 390 px wide phone (nothing sticks
out sideways) and show no English word.

One walk per language and theme (four browser contexts of one browser); each screen is measured at both widths by
resizing the viewport, so every width x language x theme is seen. A screen is one line of walk_of: its name and
the taps that lead to it from the screen before."""

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import TimeoutError as PlaywrightTimeout

from amazing_store.app import create_app
from core import orders
from core.embedded import ServiceUrls
from core.settings import Settings
from core.unit_of_work import Effects
from demo.catalog import BANNERS, CATEGORIES, DELIVERY_ZONES
from demo.products import build_products
from demo.seeding import seed_demo
from tests.browser import launched
from tests.builders import Shop
from tests.e2e.test_home_browser import BOT_LINK
from tests.e2e.test_storefront_browser import DARK_THEME
from tests.support import changed
from webapp.pages import STORE_ADDRESS

WIDTHS = (360, 390)
HEIGHT = 780

# Words of the page's own vocabulary in English: statuses, payment states, the server's error messages and
# the words of buttons and titles. None may reach a customer. Brand and model names of the catalog are English
# too ("Smart Watch", "Power Bank"), so the list holds no word a product of the demo uses;
# test_no_word_of_the_list_is_in_the_demo_catalog checks that, so a trip is the page's, not a product's.
ENGLISH = (
    "unpaid", "pending", "paid", "awaiting", "refunded", "cancelled", "canceled", "delivered", "shipped",
    "confirmed", "processing", "error", "failed", "not available", "not found", "please", "cash", "card",
    "order", "orders", "status", "success", "invalid", "unauthorized", "forbidden", "required", "cart",
    "checkout", "total", "payment", "loading", "undefined", "null", "NaN", "object", "favorites", "search",
    "retry", "cancel", "confirm", "delivery", "available", "quantity", "price", "something went wrong",
)  # fmt: skip
ENGLISH_WORD = re.compile(r"\b(" + "|".join(re.escape(word) for word in ENGLISH) + r")\b", re.IGNORECASE)

# What a customer reads on the screen: the visible text, the titles of the tab and controls, the placeholders.
READ_PAGE = """() => [document.title, document.body.innerText,
  ...[...document.querySelectorAll('[placeholder], [aria-label], [title], img[alt]')].flatMap((el) =>
    ['placeholder', 'aria-label', 'title', 'alt'].map((name) => el.getAttribute(name) || ''))].join('\\n')"""

# Elements that stick out of the viewport sideways. An element inside a box that clips or scrolls (the banner
# and category strips, a photo gallery, a long title cut with an ellipsis) is that box's business: the box
# itself is measured.
STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  const clipped = (el) => { for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
    if (getComputedStyle(up).overflowX !== 'visible') return true; } return false; };
  const out = [];
  if (document.documentElement.scrollWidth !== width) out.push(`page ${document.documentElement.scrollWidth}`);
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (!box.width || (box.left >= -0.5 && box.right <= width + 0.5) || clipped(el)) continue;
    const name = `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;
    out.push(`${name} ${Math.round(box.left)}..${Math.round(box.right)}`);
  }
  return out;
}"""

Page = Any  # playwright.async_api.Page
Step = Callable[[Page], Awaitable[None]]


def by_id(name: str) -> str:
    return f'[data-testid="{name}"]'


def tap(*taps: str, shows: str | tuple[str, ...]) -> Step:
    """Tap each selector in turn (the first match), then wait until all of `shows` is on the screen."""

    async def step(page: Page) -> None:
        for selector in taps:
            await page.locator(selector).first.click()
        for selector in (shows,) if isinstance(shows, str) else shows:
            await page.locator(selector).first.wait_for()

    return step


def search(text: str) -> Step:
    """Type in the search box and wait until the list shows only what was asked for."""

    async def step(page: Page) -> None:
        await page.fill(by_id("search"), text)
        await page.wait_for_function(
            """(text) => { const cards = [...document.querySelectorAll('[data-testid=product-card]')];
                 return cards.length > 0 && cards.every((card) => card.innerText.includes(text)); }""",
            arg=text,
        )

    return step


async def choose_the_first_zone(page: Page) -> None:
    """The demo delivers to zones: checkout wants one (a shop without zones shows no choice)."""
    zones = page.locator(f'{by_id("checkout-zones")} input[type="radio"]')
    if await zones.count():
        await zones.first.check()


def money(amount: int, language: str) -> str:
    """An amount as the page prints it: "2\u2009550\u2009000\u00a0so'm"."""
    return f"{amount:,}".replace(",", "\u2009") + "\u00a0" + ("so'm" if language == "uz" else "сум")


def amount(printed: str) -> int:
    return int(re.sub(r"\D", "", printed))


# The demo's zone whose fee every cart pays (no free-delivery sum): its name in the walk's language.
ALWAYS_PAID_ZONE = next(zone for zone in DELIVERY_ZONES if zone.free_from is None)


async def checkout_with_the_zones_fee(page: Page) -> None:
    """Checkout in a zone with a fee: before confirming, the page shows the fee and the total with it."""
    await tap(by_id("checkout"), shows=by_id("place-order"))(page)
    language = await page.evaluate("document.documentElement.lang")
    name = ALWAYS_PAID_ZONE.name_uz if language == "uz" else ALWAYS_PAID_ZONE.name_ru
    await page.locator(f"{by_id('checkout-zones')} label", has_text=name).locator("input").check()
    fee = page.locator(by_id("delivery-fee"))
    await fee.wait_for()
    assert await fee.inner_text() == money(int(ALWAYS_PAID_ZONE.fee), language), "the zone's fee"
    items_row = page.locator(by_id("checkout-total")).locator(
        "xpath=ancestor::div[contains(@class, 'panel')][1]/div[1]"
    )
    subtotal = await items_row.locator("span").nth(1).inner_text()
    total = await page.locator(by_id("checkout-total")).inner_text()
    assert total == money(amount(subtotal) + int(ALWAYS_PAID_ZONE.fee), language), f"{subtotal} + fee != {total}"


async def place_order(page: Page) -> None:
    await page.fill(by_id("checkout-name"), "Aziza Karimova")
    await page.fill(by_id("checkout-phone"), "90 123 45 67")
    await page.fill(by_id("checkout-address"), "Toshkent, Yunusobod 4")
    await page.click(by_id("place-order"))
    await page.locator(by_id("order-success")).wait_for()


async def cancel_and_confirm(page: Page) -> None:
    await page.click(by_id("confirm-yes"))
    await page.locator(f'{by_id("order-detail")} [data-status="cancelled"]').wait_for()


async def open_by_start_parameter(product_id: int, page: Page) -> None:
    """Open the page afresh as Telegram does for a link "<bot link>?startapp=p<id>" (or the bot's button)."""
    now = urlsplit(page.url)
    await page.goto(now._replace(query=f"tgWebAppStartParam=p{product_id}").geturl())


async def share_and_open_the_link(page: Page) -> None:
    """Share the product (Telegram's share sheet opens a t.me address outside Telegram: it is noted, not opened),
    then open the link shared as the chat's reader would: the same product, in a fresh page."""
    await page.evaluate("window.open = (address) => { window.sharedAddress = address; }")
    name = await page.locator(by_id("product-name")).inner_text()
    await page.click(by_id("share"))
    shared = parse_qs(urlsplit(await page.evaluate("window.sharedAddress")).query)
    link = urlsplit(shared["url"][0])
    assert link.geturl().startswith(BOT_LINK), f"the shared link {link.geturl()} opens the shop's bot"
    [start] = parse_qs(link.query)["startapp"]
    await open_by_start_parameter(int(start.removeprefix("p")), page)
    await page.locator(by_id("product-add-to-cart")).wait_for()
    assert await page.locator(by_id("product-name")).inner_text() == name, "the shared link opens the product"


def sold_out(product_id: int) -> Step:
    """The bot's "back in stock" button opens the sold-out product by its start parameter."""

    async def step(page: Page) -> None:
        await open_by_start_parameter(product_id, page)
        await page.locator(by_id("notify-me")).wait_for()

    return step


heart_one_and_open_favorites = tap(
    by_id("nav-home"),
    f'{by_id("favorite-toggle")}[aria-pressed="false"]',
    by_id("nav-favorites"),
    shows=f"{by_id('favorites-grid')} {by_id('product-card')}",
)


@dataclass(frozen=True)
class Screen:
    name: str
    reach: Step


A_BEST_SELLER = f"{by_id('best-sellers')} {by_id('product-card')}"
AN_IN_STOCK_CARD = f"{by_id('product-grid')} {by_id('product-card')}:not(.out) .card-open"


def walk_of(sold_out_product: int) -> tuple[Screen, ...]:
    """home (with best sellers) -> search -> product (with delivery terms) -> its share link -> cart -> checkout in
    a zone with a fee -> order -> orders -> cancel (asked first) -> favorites -> shop (ask the seller) -> a sold-out
    product -> notify me (and undone, for the next walk)."""
    return (
        Screen("home", tap(by_id("nav-home"), shows=(".banner-title", A_BEST_SELLER))),
        Screen("search", search("Samsung")),
        Screen("product", tap(AN_IN_STOCK_CARD, shows=(by_id("product-add-to-cart"), by_id("delivery-terms")))),
        Screen("shared-product", share_and_open_the_link),
        Screen("cart", tap(by_id("product-add-to-cart"), by_id("nav-cart"), shows=by_id("checkout"))),
        Screen("checkout", checkout_with_the_zones_fee),
        Screen("order", place_order),
        Screen("orders", tap(by_id("nav-orders"), shows=by_id("order-row"))),
        Screen("order-detail", tap(by_id("order-row"), shows=(by_id("cancel-order"), by_id("ask-seller")))),
        Screen("cancel-asks-first", tap(by_id("cancel-order"), shows=by_id("confirm-dialog"))),
        Screen("cancelled", cancel_and_confirm),
        Screen("favorites", heart_one_and_open_favorites),
        Screen("shop", tap(by_id("shop-info"), shows=f"{by_id('screen-shop')} {by_id('ask-seller')}")),
        Screen("sold-out", sold_out(sold_out_product)),
        Screen("notify-on", tap(by_id("notify-me"), shows=by_id("notify-on"))),
        Screen("notify-off", tap(by_id("notify-off"), shows=by_id("notify-me"))),
    )  # fmt: skip


@pytest.fixture
async def browser() -> AsyncIterator[Any]:

    async with launched() as browser:
        yield browser


def test_no_word_of_the_list_is_in_the_demo_catalog() -> None:
    products = build_products()
    texts = {text for p in products for text in (p.name_uz, p.name_ru, p.description_uz, p.description_ru)}
    categories = [c for top in CATEGORIES for c in (top, *top.children)]
    texts |= {name for c in categories for name in (c.name_uz, c.name_ru)}
    texts |= {title for b in BANNERS for title in (b.title_uz, b.title_ru)}
    assert sorted(text for text in texts if ENGLISH_WORD.search(text)) == []


async def walk(browser: Any, base: str, screens: tuple[Screen, ...], language: str, theme: dict[str, str]) -> list[str]:
    """One customer's walk; the problems seen on each screen."""
    context = await browser.new_context(viewport={"width": WIDTHS[-1], "height": HEIGHT}, locale=language)
    # As Telegram's client does: the theme's colours as CSS variables on the root element.
    await context.add_init_script(
        f"""const paint = () => Object.entries({theme!r})
              .forEach(([name, value]) => document.documentElement.style.setProperty(name, value));
            if (document.documentElement) paint(); else document.addEventListener('DOMContentLoaded', paint);"""
    )
    page = await context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"{language}: script error {error}"))
    page.set_default_timeout(10_000)
    await page.goto(f"{base}/app/dev")
    await page.locator(by_id("product-card")).first.wait_for()
    if await page.evaluate("document.documentElement.lang") != language:
        await page.click(by_id("lang-toggle"))
        await page.wait_for_function(f"document.documentElement.lang === '{language}'")
    where = f"{language}/{'dark' if theme else 'light'}"
    titles = {b.title_uz if language == "uz" else b.title_ru for b in BANNERS}
    for screen in screens:
        try:
            await screen.reach(page)
        except PlaywrightTimeout as error:  # the screens after it cannot be reached either
            problems.append(f"{where} {screen.name}: not reached: {error.message.splitlines()[0]}")
            break
        except AssertionError as error:  # a screen that shows the wrong thing: the walk cannot go on from it
            problems.append(f"{where} {screen.name}: {error}")
            break
        english = sorted({match.lower() for match in ENGLISH_WORD.findall(await page.evaluate(READ_PAGE))})
        if english:
            problems.append(f"{where} {screen.name}: English {english}")
        if stray := set(await page.locator(".banner-title").all_inner_texts()) - titles:
            problems.append(f"{where} {screen.name}: banners in the other language {sorted(stray)}")
        for width in WIDTHS:
            await page.set_viewport_size({"width": width, "height": HEIGHT})
            if sticking_out := await page.evaluate(STICKING_OUT):
                problems.append(f"{where} {screen.name} at {width} px: wider than the phone: {sticking_out[:5]}")
    await context.close()
    return problems


async def test_every_screen_fits_the_phone_and_speaks_the_customers_language(
    aiohttp_server: Callable[..., Any],
    settings: Settings,
    service_urls: ServiceUrls,
    pool: asyncpg.Pool,
    effects: Effects,
    browser: Any,
) -> None:
    async with pool.acquire() as conn:
        await seed_demo(conn, effects)
        # The demo has sold nothing, so home would show no best sellers: one sale, by someone else, shows the row.
        own = await conn.fetchval("SELECT id FROM marketplaces WHERE integration_type = 'own'")
        best_seller = await conn.fetchval("SELECT product_id FROM inventory WHERE quantity > 0 ORDER BY product_id")
        sold_out = await conn.fetchval("SELECT product_id FROM inventory WHERE quantity = 0 ORDER BY product_id")
        async with effects.transaction(conn) as uow:
            customer = orders.Customer("Bobur", "+998901112233")
            await orders.place(uow, orders.NewOrder(own, (orders.Line(best_seller, 1),), customer))
    # No bot: the trial's /app/dev logs in as the demo customer. Four walks of one customer exceed a minute's
    # request budget, which is not what this test is about.
    app = create_app(changed(settings, bot_token=None, api_rate_limit=100_000), service_urls)
    # The bot's link, as the bot's start-up records it: sharing a product and "Ask the seller" need it.
    app[STORE_ADDRESS].bot_link = BOT_LINK
    server: TestServer = await aiohttp_server(app)
    base = str(server.make_url("")).rstrip("/")
    problems: list[str] = []
    for language in ("uz", "ru"):
        for theme in ({}, DARK_THEME):
            problems += await walk(browser, base, walk_of(sold_out), language, theme)
    assert problems == [], "\n".join(problems)
    async with pool.acquire() as conn:
        statuses = [row["status"] for row in await conn.fetch("SELECT status FROM orders ORDER BY id")]
        wishes = await conn.fetchval("SELECT count(*) FROM back_in_stock_requests")
    assert statuses == ["pending"] + ["cancelled"] * 4, "each walk placed an order and cancelled it after saying yes"
    assert wishes == 0, "each walk asked to be told when the sold-out product is back, then said it needs not"


async def test_a_plain_browser_sees_the_shop_and_a_link_to_open_it_in_telegram(
    aiohttp_server: Callable[..., Any], settings: Settings, service_urls: ServiceUrls, shop: Shop, browser: Any
) -> None:
    app = create_app(changed(settings, bot_token=None), service_urls)
    app[STORE_ADDRESS].bot_link = "https://t.me/zebo_butik_bot"  # as the bot's start-up records it
    server: TestServer = await aiohttp_server(app)
    page = await browser.new_page(viewport={"width": 360, "height": HEIGHT})
    await page.goto(str(server.make_url("/app")))  # no #tgWebAppData: not opened from Telegram
    link = page.locator(by_id("open-in-telegram"))
    await link.wait_for()
    assert await link.get_attribute("href") == "https://t.me/zebo_butik_bot"
    assert await page.locator(by_id("outside-shop-name")).inner_text() == "amazing-store"
    assert await page.title() == "amazing-store"
    assert not ENGLISH_WORD.search(await page.evaluate(READ_PAGE))
    assert await page.evaluate(STICKING_OUT) == []


async def test_an_error_of_the_api_reaches_the_customer_in_their_words(
    aiohttp_server: Callable[..., Any],
    settings: Settings,
    service_urls: ServiceUrls,
    shop: Shop,
    pool: asyncpg.Pool,
    browser: Any,
) -> None:
    """The last phone sells elsewhere while the customer is at checkout: the server refuses the order
    (cart_conflict, "some items in the cart changed; please check them" for the logs); the customer reads what
    happened in Uzbek."""
    server: TestServer = await aiohttp_server(create_app(changed(settings, bot_token=None), service_urls))
    page = await browser.new_page(viewport={"width": 390, "height": HEIGHT})
    await page.goto(str(server.make_url("/app/dev")))
    await page.locator(f'{by_id("product-card")}[data-id="{shop.phone}"] {by_id("add-to-cart")}').click()
    await page.wait_for_function("document.querySelector('[data-testid=cart-count]')?.textContent === '1'")
    await page.click(by_id("nav-cart"))
    await tap(by_id("checkout"), shows=by_id("place-order"))(page)
    await page.fill(by_id("checkout-address"), "Toshkent, Yunusobod 4")
    await page.fill(by_id("checkout-phone"), "90 123 45 67")
    await choose_the_first_zone(page)
    await pool.execute("UPDATE inventory SET quantity = 0 WHERE product_id = $1", shop.phone)
    await page.click(by_id("place-order"))
    problem = page.locator(by_id("problem"))
    await problem.wait_for()
    assert await problem.inner_text() == "Samsung Galaxy smartfoni: sotuvda yo'q"
    assert not ENGLISH_WORD.search(await page.evaluate(READ_PAGE))


# Telegram's client as the page sees it (telegram-web-app.js cannot load here): its confirmation popup answers
# what the test says and remembers what it asked.
TELEGRAM_CLIENT = """window.Telegram = { WebApp: {
  initData: '', version: '7.10', isVersionAtLeast: () => true, ready() {}, expand() {},
  MainButton: { onClick() {}, setText() {}, show() {}, hide() {}, showProgress() {}, hideProgress() {} },
  BackButton: { onClick() {}, show() {}, hide() {} },
  asked: [], answer: false,
  showConfirm(message, callback) { this.asked.push(message); setTimeout(() => callback(this.answer)); },
} };"""


async def test_in_telegram_cancelling_asks_with_telegrams_own_confirmation(
    aiohttp_server: Callable[..., Any],
    settings: Settings,
    service_urls: ServiceUrls,
    shop: Shop,
    pool: asyncpg.Pool,
    browser: Any,
) -> None:
    server: TestServer = await aiohttp_server(create_app(changed(settings, bot_token=None), service_urls))
    context = await browser.new_context(viewport={"width": 390, "height": HEIGHT})
    await context.route("https://telegram.org/**", lambda route: route.abort())
    await context.add_init_script(TELEGRAM_CLIENT)
    page = await context.new_page()
    await page.goto(str(server.make_url("/app/dev")))
    await page.locator(f'{by_id("product-card")}[data-id="{shop.phone}"] {by_id("add-to-cart")}').click()
    await page.wait_for_function("document.querySelector('[data-testid=cart-count]')?.textContent === '1'")
    await tap(by_id("nav-cart"), by_id("checkout"), shows=by_id("place-order"))(page)
    await page.fill(by_id("checkout-address"), "Toshkent, Yunusobod 4")
    await page.fill(by_id("checkout-phone"), "90 123 45 67")
    await place_order_and_open_it(page)

    await page.click(by_id("cancel-order"))  # "No"
    await page.wait_for_function("Telegram.WebApp.asked.length === 1")
    assert await page.evaluate("Telegram.WebApp.asked") == ["Buyurtma bekor qilinsinmi?"]
    assert await page.locator(by_id("confirm-dialog")).count() == 0, "Telegram's popup, not the page's"
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT status FROM orders") == "pending"

    await page.evaluate("Telegram.WebApp.answer = true")
    await page.click(by_id("cancel-order"))  # "Yes"
    await page.locator(f'{by_id("order-detail")} [data-status="cancelled"]').wait_for()
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT status FROM orders") == "cancelled"
    await context.close()


async def place_order_and_open_it(page: Page) -> None:
    await page.click(by_id("place-order"))
    await page.locator(by_id("cancel-order")).wait_for()
