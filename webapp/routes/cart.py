"""The customer's cart."""

from __future__ import annotations

from aiohttp import web

from core import cart
from webapp.api import Api
from webapp.auth import caller
from webapp.keys import POOL
from webapp.models import Cart, CartItem, CartPut, CartQuantity, LangQuery

api = Api("cart")


async def _cart(request: web.Request, lang: str) -> Cart:
    async with request.app[POOL].acquire() as conn:
        current = await cart.view(conn, caller(request).id, lang)
    items = [CartItem.model_validate(line) for line in current.items]
    return Cart(
        items=items, total_quantity=current.total_quantity, subtotal=current.subtotal, has_changes=current.has_changes
    )


@api.route("GET", "/api/cart", summary="The cart with today's prices and stock", query=LangQuery, response=Cart)
async def get_cart(request: web.Request, query: LangQuery) -> Cart:
    return await _cart(request, query.lang)


@api.route(
    "POST",
    "/api/cart",
    summary="Put a product in the cart (sets its quantity)",
    query=LangQuery,
    body=CartPut,
    response=Cart,
)
async def put_item(request: web.Request, query: LangQuery, body: CartPut) -> Cart:
    async with request.app[POOL].acquire() as conn:
        await cart.put(conn, caller(request).id, body.product_id, body.quantity)
    return await _cart(request, query.lang)


@api.route(
    "PATCH",
    "/api/cart/{item_id:\\d+}",
    summary="Change a line's quantity",
    query=LangQuery,
    body=CartQuantity,
    response=Cart,
)
async def change_item(request: web.Request, item_id: int, query: LangQuery, body: CartQuantity) -> Cart:
    async with request.app[POOL].acquire() as conn:
        await cart.update(conn, caller(request).id, item_id, body.quantity)
    return await _cart(request, query.lang)


@api.route("DELETE", "/api/cart/{item_id:\\d+}", summary="Remove a line", query=LangQuery, response=Cart)
async def remove_item(request: web.Request, item_id: int, query: LangQuery) -> Cart:
    async with request.app[POOL].acquire() as conn:
        await cart.remove(conn, caller(request).id, item_id)
    return await _cart(request, query.lang)


@api.route("DELETE", "/api/cart", summary="Empty the cart", query=LangQuery, response=Cart)
async def clear(request: web.Request, query: LangQuery) -> Cart:
    async with request.app[POOL].acquire() as conn:
        await cart.clear(conn, caller(request).id)
    return await _cart(request, query.lang)
