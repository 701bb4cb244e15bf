"""The "Notify me" of a sold-out product: the bot tells the customer once, in their language, when it is back."""

from __future__ import annotations

from aiohttp import web

from core import back_in_stock
from webapp.api import Api
from webapp.auth import caller
from webapp.keys import POOL
from webapp.models import BackInStockRequest

api = Api("back-in-stock")


@api.route(
    "POST",
    "/api/products/{product_id:\\d+}/notify-me",
    summary="Be told in the bot when a sold-out product is back",
    response=BackInStockRequest,
)
async def request_news(request: web.Request, product_id: int) -> BackInStockRequest:
    async with request.app[POOL].acquire() as conn:
        await back_in_stock.request(conn, caller(request).id, product_id)
    return BackInStockRequest(requested=True)


@api.route(
    "DELETE",
    "/api/products/{product_id:\\d+}/notify-me",
    summary="No longer wait for a product's return",
    response=BackInStockRequest,
)
async def withdraw(request: web.Request, product_id: int) -> BackInStockRequest:
    async with request.app[POOL].acquire() as conn:
        await back_in_stock.withdraw(conn, caller(request).id, product_id)
    return BackInStockRequest(requested=False)
