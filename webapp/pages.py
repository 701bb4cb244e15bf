"""The Mini App page at /app, and in demo mode (no BOT_TOKEN) /app/dev, which opens it as a demo user; `/` leads
a person who opens the server's address to the store."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import quote

from aiohttp import web
from yarl import URL

from webapp import assets
from webapp.assets import STATIC
from webapp.initdata import sign_init_data
from webapp.keys import INIT_DATA_TOKEN, SETTINGS


@dataclass
class StoreAddress:
    """Where the store is for a person: the bot's link (t.me), known once the bot has said its name at start."""

    bot_link: str | None = None


STORE_ADDRESS = web.AppKey("store_address", StoreAddress)
INDEX_PAGE = web.AppKey("index_page", bytes)
DEMO_USER = {"id": 100000001, "first_name": "Demo", "last_name": "Mijoz", "username": "demo", "language_code": "uz"}


async def index(request: web.Request) -> web.Response:
    return web.Response(
        body=request.app[INDEX_PAGE], content_type="text/html", charset="utf-8", headers={"Cache-Control": "no-cache"}
    )


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
