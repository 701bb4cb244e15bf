"""Registers the web face on the process's aiohttp application: middlewares, the API, the page, health."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from webapp import api, auth, health, media, observability, pages
from webapp.errors import errors_middleware
from webapp.keys import EFFECTS, LIVE_STOCK, NEAR_CACHE, SUBSCRIBER
from webapp.live import LiveStock
from webapp.near_cache import NearCache
from webapp.observability import observe_middleware
from webapp.ratelimit import request_budget, spend_budget
from webapp.routes import back_in_stock, banners, cart, catalog, delivery, live, orders, shop, users, webhooks

API_TITLE = "Amazing Store Mini App API"
API_VERSION = "1.0"


def setup(app: web.Application) -> None:
    app.middlewares.extend([observe_middleware, errors_middleware])
    observability.setup(app)
    auth.setup(app)
    health.setup_routes(app)
    endpoints = api.setup(
        app,
        [
            users.api,
            catalog.api,
            back_in_stock.api,
            cart.api,
            orders.api,
            banners.api,
            shop.api,
            delivery.api,
            live.api,
        ],
        guard=_guard,
    )
    document = api.openapi_document(endpoints, API_TITLE, API_VERSION)

    async def openapi(request: web.Request) -> web.Response:
        return web.json_response(document)

    app.router.add_get("/api/openapi.json", openapi)
    webhooks.setup_routes(app)
    pages.setup_routes(app)
    media.setup_routes(app)
    app.cleanup_ctx.append(_live_stock)
    app.cleanup_ctx.append(_near_cache)
    app.cleanup_ctx.append(request_budget)


async def _live_stock(app: web.Application) -> AsyncIterator[None]:
    app[LIVE_STOCK] = LiveStock(app[SUBSCRIBER])
    app[LIVE_STOCK].start()
    yield
    app[LIVE_STOCK].stop()


async def _near_cache(app: web.Application) -> AsyncIterator[None]:
    app[NEAR_CACHE] = NearCache(app[SUBSCRIBER], app[EFFECTS])
    app[NEAR_CACHE].start()
    yield
    app[NEAR_CACHE].stop()


async def _guard(request: web.Request, access: api.Access) -> None:
    await auth.authenticate(request, access)
    spend_budget(request)
