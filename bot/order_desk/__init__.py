"""Orders for admins: /orders with filters, each order's card and its status buttons."""

from __future__ import annotations

from aiogram import Router

from bot.order_desk import card, listing

router = Router(name=__name__)
router.include_routers(listing.router, card.router)
