"""The shop's profile as the admins wrote it in the bot (/shop): the Mini App's title and its shop page."""

from __future__ import annotations

from aiohttp import web

from core import shop
from webapp.api import Api
from webapp.keys import BOT, POOL, SETTINGS
from webapp.models import LangQuery, ShopProfile
from webapp.pages import STORE_ADDRESS

api = Api("shop")


# Public: a person who opens /app in a plain browser sees the shop's name and the way to its bot.
@api.route(
    "GET",
    "/api/shop",
    summary="The shop's name, contact and about text",
    access="public",
    query=LangQuery,
    response=ShopProfile,
)
async def read_profile(request: web.Request, query: LangQuery) -> ShopProfile:
    async with request.app[POOL].acquire() as conn:
        profile = await shop.profile(conn)
    return ShopProfile(
        name=profile.name,
        phone=profile.phone,
        hours=profile.hours,
        about=profile.about(query.lang),
        bot_link=request.app[STORE_ADDRESS].bot_link,
        card_payment=card_payment(request.app),
    )


def card_payment(app: web.Application) -> bool:
    """Card payment needs a payment provider and the bot that issues the invoice (none in the trial)."""
    return app[SETTINGS].payment_provider_token is not None and app.get(BOT) is not None
