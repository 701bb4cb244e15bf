"""The manual order form (/order): a buyer phoned in from OLX or Bir-Bir and an admin types the order."""

from __future__ import annotations

from aiogram import Router

from bot.manual_order import customer, flow, items

router = Router(name=__name__)
router.include_routers(flow.router, items.router, customer.router)
