"""Orders for admins: /orders with filters, each order's card and its status buttons."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command

from bot.access import IsAdmin
from bot.callbacks import OrderCb, OrdersCb
from bot.order_desk import card, listing


def create_router() -> Router:
    router = Router(name="order_desk")
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
    router.message.register(listing.command, Command("orders"))
    router.callback_query.register(listing.filtered, OrdersCb.filter())
    router.callback_query.register(card.open_card, OrderCb.filter(F.action == "open"))
    router.callback_query.register(card.ask_cancel, OrderCb.filter(F.action == "ask"))
    router.callback_query.register(card.move, OrderCb.filter(F.action == "to"))
    return router
