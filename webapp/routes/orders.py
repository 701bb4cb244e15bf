"""Checkout and the customer's orders."""

from __future__ import annotations

from datetime import timedelta

from aiogram.types import LabeledPrice
from aiohttp import web

from core import checkout, customer_orders, order_status, orders
from core.customer_orders import CustomerOrder
from core.errors import OutOfStock, ProductInactive
from core.order_status import Status
from webapp.api import Api
from webapp.auth import caller
from webapp.errors import ApiError
from webapp.keys import BOT, EFFECTS, POOL, SETTINGS
from webapp.models import Checkout, LangQuery, Order, OrderPlaced, Orders
from webapp.routes.shop import card_payment

api = Api("orders")

# The invoice's lines as Telegram shows them to the customer: the goods, and the delivery fee on its own line.
_INVOICE_LABELS = {
    "uz": {"items": "Mahsulotlar", "delivery": "Yetkazib berish"},
    "ru": {"items": "Товары", "delivery": "Доставка"},
}


async def _order(request: web.Request, order_id: int, lang: str) -> CustomerOrder:
    async with request.app[POOL].acquire() as conn:
        found = await customer_orders.read(conn, caller(request).id, lang, order_id)
    if not found:
        raise ApiError(404, "not_found", f"order {order_id} not found")
    return found[0]


def _model(order: CustomerOrder) -> Order:
    return Order.model_validate(order, from_attributes=True)


@api.route(
    "POST",
    "/api/orders",
    summary="Turn the cart into an order",
    query=LangQuery,
    body=Checkout,
    response=OrderPlaced,
    status=201,
)
async def place(request: web.Request, query: LangQuery, body: Checkout) -> OrderPlaced:
    settings = request.app[SETTINGS]
    bot = request.app.get(BOT)
    if body.payment_method == "card" and not card_payment(request.app):
        raise ApiError(409, "card_payment_unavailable", "card payment is not available; please choose cash")
    customer = orders.Customer(body.customer_name, body.customer_phone, body.customer_address)
    try:
        async with request.app[POOL].acquire() as conn, request.app[EFFECTS].transaction(conn) as uow:
            result = await checkout.place_from_cart(
                uow,
                caller(request).id,
                customer,
                payment_method=body.payment_method,
                note=body.note,
                delivery_zone_id=body.delivery_zone_id,
                reservation_ttl=timedelta(seconds=settings.reservation_ttl),
            )
    except (OutOfStock, ProductInactive) as error:
        raise checkout.race_conflict(error) from None
    if result.order is None:
        raise checkout.CartConflict(result.conflicts)
    order = await _order(request, result.order.id, query.lang)
    invoice_url = None
    if body.payment_method == "card":
        assert bot is not None and settings.payment_provider_token is not None
        labels = _INVOICE_LABELS[query.lang]
        # The lines add up to the order's total: the pre-checkout check (core.holds.payable) compares them.
        prices = [LabeledPrice(label=labels["items"], amount=int(order.subtotal * 100))]
        if order.delivery_fee > 0:
            prices.append(LabeledPrice(label=labels["delivery"], amount=int(order.delivery_fee * 100)))
        invoice_url = await bot.create_invoice_link(
            title=f"Amazing Store {order.order_number}",
            description=f"{order.order_number}",
            payload=str(order.id),
            provider_token=settings.payment_provider_token.get_secret_value(),
            currency="UZS",
            prices=prices,
        )
    return OrderPlaced(order=_model(order), invoice_url=invoice_url)


@api.route("GET", "/api/orders", summary="The caller's orders, newest first", query=LangQuery, response=Orders)
async def list_orders(request: web.Request, query: LangQuery) -> Orders:
    async with request.app[POOL].acquire() as conn:
        mine = await customer_orders.read(conn, caller(request).id, query.lang)
    return Orders(items=[_model(order) for order in mine])


@api.route("GET", "/api/orders/{order_id:\\d+}", summary="One of the caller's orders", query=LangQuery, response=Order)
async def get_order(request: web.Request, order_id: int, query: LangQuery) -> Order:
    return _model(await _order(request, order_id, query.lang))


@api.route(
    "POST", "/api/orders/{order_id:\\d+}/cancel", summary="Cancel a pending order", query=LangQuery, response=Order
)
async def cancel(request: web.Request, order_id: int, query: LangQuery) -> Order:
    order = await _order(request, order_id, query.lang)  # 404 for another customer's order
    if order.status != Status.PENDING:
        raise ApiError(
            409,
            "invalid_transition",
            "only a pending order can be cancelled here; please call the shop",
            {"from": order.status, "to": "cancelled"},
        )
    async with request.app[POOL].acquire() as conn, request.app[EFFECTS].transaction(conn) as uow:
        await order_status.change_status(
            uow, order_id, Status.CANCELLED, changed_by=caller(request).id, note="cancelled by the customer"
        )
    return _model(await _order(request, order_id, query.lang))
