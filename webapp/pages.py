"""The Mini App page at /app, and in demo mode (no BOT_TOKEN) /app/dev, which opens it as a demo user; `/` leads
a person who opens the server's address to the store.

The page carries the home screen's first page of products as JSON: on a phone each request is a round trip of
its own, and asking for the first cards only once the scripts have run put one more before the first card. The
page is the same for every reader (no hearts: the favorites come with the login), in the language the phone
prefers (Accept-Language); a reader of the other language, or of a shop whose catalogue cannot be read just now,
asks the API as before."""

from __future__ import annotations

import html
import logging
import time
from dataclasses import dataclass
from urllib.parse import quote

from aiohttp import web
from yarl import URL

from webapp import assets
from webapp.assets import STATIC
from webapp.initdata import sign_init_data
from webapp.keys import INIT_DATA_TOKEN, SETTINGS
from webapp.models import Language, ProductQuery
from webapp.routes.catalog import product_page

log = logging.getLogger(__name__)


@dataclass
class StoreAddress:
    """Where the store is for a person: the bot's link (t.me), known once the bot has said its name at start."""

    bot_link: str | None = None


STORE_ADDRESS = web.AppKey("store_address", StoreAddress)
INDEX_PAGE = web.AppKey("index_page", bytes)
DEMO_USER = {"id": 100000001, "first_name": "Demo", "last_name": "Mijoz", "username": "demo", "language_code": "uz"}


# The home screen's first request (catalog.js pageUrl: the newest first, 20 a page), as the page asks for it.
FIRST_PAGE_SIZE = 20
FIRST_PAGE_PATH = "/api/products?lang={lang}&page=1&per_page={per_page}&sort=new"


async def index(request: web.Request) -> web.Response:
    page = request.app[INDEX_PAGE]
    first = await first_page_script(request)
    response = web.Response(
        body=page.replace(b"</body>", first + b"</body>", 1),
        content_type="text/html",
        charset="utf-8",
        headers={"Cache-Control": "no-cache"},
    )
    response.enable_compression()
    return response


def preferred_language(request: web.Request) -> Language:
    """ru when the phone names Russian before Uzbek among its languages, else the shop's first language, uz."""
    for entry in request.headers.get("Accept-Language", "").split(","):
        code = entry.split(";")[0].strip().lower().split("-")[0]
        if code == "ru":
            return "ru"
        if code == "uz":
            return "uz"
    return "uz"


async def first_page_script(request: web.Request) -> bytes:
    """<script type="application/json" id="first-page" data-for="<the API address it answers>">, or nothing."""
    lang = preferred_language(request)
    try:
        cards = await product_page(request.app, ProductQuery(lang=lang, per_page=FIRST_PAGE_SIZE, sort="new"))
    except Exception:  # the page must open even when the catalogue cannot be read: the app asks the API then
        log.warning("the store page goes out without its first products", exc_info=True)
        return b""
    address = html.escape(FIRST_PAGE_PATH.format(lang=lang, per_page=FIRST_PAGE_SIZE))
    # "<" only occurs inside JSON strings, where \u003c means the same: no "</script>" in a name ends the script.
    body = cards.heartless().replace(b"<", b"\\u003c")
    return f'<script type="application/json" id="first-page" data-for="{address}">'.encode() + body + b"</script>\n"


async def dev(request: web.Request) -> web.Response:
    init_data = sign_init_data(request.app[INIT_DATA_TOKEN], DEMO_USER, auth_date=int(time.time()))
    # encoded=True: yarl would otherwise unescape & and = in the fragment and split the init data apart.
    raise web.HTTPFound(URL(f"/app/#tgWebAppData={quote(init_data, safe='')}", encoded=True))


async def root(request: web.Request) -> web.Response:
    """The trial opens the store as the demo customer; with a bot, customers log in through Telegram, so the
    address leads to the bot (the page itself, until the bot's name is known)."""
    if request.app[SETTINGS].bot_token is None:
        raise web.HTTPFound("/app/dev")
    raise web.HTTPFound(request.app[STORE_ADDRESS].bot_link or "/app")


def setup_routes(app: web.Application) -> None:
    app[STORE_ADDRESS] = StoreAddress()
    assets.setup_routes(app)
    app[INDEX_PAGE] = assets.index_page(app[assets.ASSETS])
    app.router.add_get("/", root)
    app.router.add_get("/app", index)
    app.router.add_get("/app/", index)
    if app[SETTINGS].bot_token is None:
        app.router.add_get("/app/dev", dev)
    app.router.add_static("/app/", STATIC, append_version=True)
