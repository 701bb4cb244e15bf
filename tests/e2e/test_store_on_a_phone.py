"""The store on a phone whose connection to telegram.org is slow or dead, and its photos as a phone downloads them
(headless Chromium at 390 px). Speed itself is measured by tests/bench/bench_phone.py, not here."""

import asyncio
import io
import time
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import quote

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from PIL import Image

from amazing_store.app import create_app
from core import media, photos
from core.embedded import ServiceUrls
from core.settings import Settings
from tests.browser import launched
from tests.builders import Shop
from tests.support import changed
from webapp.initdata import sign_init_data
from webapp.keys import EFFECTS, INIT_DATA_TOKEN, MEDIA
from webapp.pages import DEMO_USER

TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js"
CARDS = '[data-testid="product-card"]'

# A stand-in for Telegram's bridge as telegram-web-app.js sets it up: it records what the page asks of it, and
# its buttons' handlers can be pressed from the test. Served late in place of the real script.
TELEGRAM_STAND_IN = """
(() => {
  const calls = [];
  const button = (name) => {
    const self = { text: '', isVisible: false, handlers: [],
      setText(text) { self.text = text; calls.push(name + '.setText'); return self; },
      show() { self.isVisible = true; return self; }, hide() { self.isVisible = false; return self; },
      showProgress() { return self; }, hideProgress() { return self; },
      onClick(fn) { self.handlers.push(fn); return self; },
      press() { self.handlers.forEach((fn) => fn()); } };
    return self;
  };
  window.Telegram = { WebApp: {
    initData: window.STAND_IN_INIT_DATA ?? '', version: '7.0', calls,
    isVersionAtLeast: () => true,
    ready() { calls.push('ready'); }, expand() { calls.push('expand'); },
    MainButton: button('MainButton'), BackButton: button('BackButton'),
  } };
})();
"""


@pytest.fixture
async def chromium() -> AsyncIterator[Any]:
    async with launched() as browser:
        yield browser


async def phone(chromium: Any, scale: float = 3) -> Any:
    context = await chromium.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=scale, is_mobile=True
    )
    return await context.new_page()


class Held:
    """Answers held until release() (never, unless released): `script` in place of telegram.org's, or without one
    the server's own answer."""

    def __init__(self, script: str | None = None) -> None:
        self.script = script
        self.released = asyncio.Event()
        self.asked = asyncio.Event()

    async def handle(self, route: Any) -> None:
        self.asked.set()
        await self.released.wait()
        if self.script is None:
            await route.continue_()
        else:
            await route.fulfill(status=200, content_type="application/javascript", body=self.script)

    def release(self) -> None:
        self.released.set()


async def store(aiohttp_server: Callable[..., Any], settings: Settings, service_urls: ServiceUrls) -> TestServer:
    server: TestServer = await aiohttp_server(create_app(changed(settings, bot_token=None), service_urls))
    return server


async def test_the_first_cards_show_while_telegram_web_app_js_never_answers(
    aiohttp_server: Callable[..., Any], settings: Settings, service_urls: ServiceUrls, shop: Shop, chromium: Any
) -> None:
    server = await store(aiohttp_server, settings, service_urls)
    page = await phone(chromium)
    telegram = Held("")
    await page.route(TELEGRAM_SCRIPT, telegram.handle)

    await page.goto(str(server.make_url("/app/dev")), wait_until="domcontentloaded")
    await page.locator(CARDS).first.wait_for(timeout=10_000)
    assert await page.locator(CARDS).count() == 3
    assert telegram.asked.is_set() and not telegram.released.is_set(), "the script was asked for and is still held"
    assert await page.evaluate("window.Telegram === undefined")
    telegram.release()  # lets the browser close cleanly


async def test_telegram_arriving_late_is_taken_up_by_the_screen_on_top(
    aiohttp_server: Callable[..., Any], settings: Settings, service_urls: ServiceUrls, shop: Shop, chromium: Any
) -> None:
    server = await store(aiohttp_server, settings, service_urls)
    page = await phone(chromium)
    telegram = Held(TELEGRAM_STAND_IN)
    await page.route(TELEGRAM_SCRIPT, telegram.handle)

    await page.goto(str(server.make_url("/app/dev")), wait_until="domcontentloaded")
    await page.click(f'{CARDS}[data-id="{shop.phone}"] .card-open')
    await page.locator('[data-testid="screen-product"]').wait_for()
    telegram.release()
    await page.wait_for_function("window.Telegram?.WebApp?.calls.includes('ready')")
    main_button = await page.evaluate("(({ text, isVisible }) => ({ text, isVisible }))(Telegram.WebApp.MainButton)")
    assert main_button == {"text": "Savatga qo'shish", "isVisible": True}, "the product screen's button, in Uzbek"
    assert await page.evaluate("Telegram.WebApp.BackButton.isVisible"), "a screen to go back from"

    await page.evaluate("Telegram.WebApp.MainButton.press()")
    await page.wait_for_function("document.querySelector('[data-testid=cart-count]')?.textContent === '1'")
    await page.evaluate("Telegram.WebApp.BackButton.press()")
    await page.locator('[data-testid="screen-home"]').wait_for()


async def test_without_init_data_in_the_address_the_store_waits_for_telegram_to_bring_them(
    aiohttp_server: Callable[..., Any], settings: Settings, service_urls: ServiceUrls, shop: Shop, chromium: Any
) -> None:
    server = await store(aiohttp_server, settings, service_urls)
    signed = sign_init_data(server.app[INIT_DATA_TOKEN], DEMO_USER, auth_date=int(time.time()))
    page = await phone(chromium)
    await page.add_init_script(f"window.STAND_IN_INIT_DATA = decodeURIComponent('{quote(signed, safe='')}');")
    telegram = Held(TELEGRAM_STAND_IN)
    await page.route(TELEGRAM_SCRIPT, telegram.handle)

    await page.goto(str(server.make_url("/app/")), wait_until="domcontentloaded")
    await telegram.asked.wait()
    await asyncio.sleep(0.5)  # Telegram's server is slow, within the store's patience
    assert await page.locator('[data-testid="outside-telegram"]').count() == 0, "no login error while the script comes"
    telegram.release()
    await page.locator(CARDS).first.wait_for()

    # With neither init data nor the script the customer is told to open the store from the bot.
    alone = await phone(chromium)
    await alone.route(TELEGRAM_SCRIPT, Held("").handle)
    await alone.goto(str(server.make_url("/app/")), wait_until="domcontentloaded")
    await alone.locator('[data-testid="outside-telegram"]').wait_for(timeout=10_000)


def camera_photo() -> bytes:
    """A photo larger than every rendition, as a phone's camera takes (a drawing would stop at its own size)."""
    image = Image.linear_gradient("L").resize((1600, 1200)).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


async def test_list_photos_are_lazy_square_and_the_smallest_rendition_that_fills_the_card(
    aiohttp_server: Callable[..., Any],
    settings: Settings,
    service_urls: ServiceUrls,
    shop: Shop,
    pool: asyncpg.Pool,
    chromium: Any,
) -> None:
    app = create_app(changed(settings, bot_token=None), service_urls)
    server: TestServer = await aiohttp_server(app)
    key = await media.keep(app[MEDIA], camera_photo())
    async with pool.acquire() as conn, app[EFFECTS].transaction(conn) as unit:
        await photos.replace(unit, shop.phone, [key])
    card_photo = f'{CARDS}[data-id="{shop.phone}"] [data-testid="photo"]'

    async def shown_photo(scale: float) -> dict[str, Any]:
        page = await phone(chromium, scale)
        photos_held = Held()
        await page.route("**/media/**", photos_held.handle)
        await page.goto(str(server.make_url("/app/dev")))
        await page.locator(card_photo).wait_for(state="attached")
        box_before = await page.locator(f'{CARDS}[data-id="{shop.phone}"]').bounding_box()
        photos_held.release()
        await page.wait_for_function(
            "(sel) => { const img = document.querySelector(sel); return img.complete && img.naturalWidth > 0; }",
            arg=card_photo,
        )
        box_after = await page.locator(f'{CARDS}[data-id="{shop.phone}"]').bounding_box()
        shown: dict[str, Any] = await page.locator(card_photo).evaluate(
            """(img) => ({ src: img.currentSrc, shown: img.clientWidth,
                           loading: img.loading, width: img.getAttribute('width'),
                           height: img.getAttribute('height') })"""
        )
        await page.context.close()
        async with aiohttp.ClientSession() as client, client.get(shown["src"]) as answer:
            assert answer.status == 200
            with Image.open(io.BytesIO(await answer.read())) as served:
                edge = max(served.size)
        # Its size, not its place: the card may move while the page above it settles (a loaded machine lays the
        # list out later), which is not the photo's doing.
        assert box_before is not None and box_after is not None
        same_size = (box_before["width"], box_before["height"]) == (box_after["width"], box_after["height"])
        return {**shown, "edge": edge, "same_box": same_size}

    plain = await shown_photo(scale=1)
    assert plain["src"].endswith(media.file_name(key, "thumb")), "a 1x screen gets the thumbnail"
    assert plain["edge"] == media.SIZES["thumb"] >= plain["shown"], "served at its size, enough for the card"
    assert (plain["loading"], plain["width"], plain["height"]) == ("lazy", "320", "320")
    assert plain["same_box"], "the card keeps its size when the photo arrives"

    sharp = await shown_photo(scale=3)
    assert sharp["src"].endswith(media.file_name(key, "card")), "a 3x screen gets the next size, not the largest"
    assert media.SIZES["card"] == sharp["edge"] >= sharp["shown"] * 3
    assert sharp["same_box"]
