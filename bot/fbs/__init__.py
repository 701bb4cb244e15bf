"""The FBS work of marketplace orders from chat: an order's steps (confirm, cancel, labels), returns, the pick
list and the hand-over, and the papers that came back after nobody waited for them."""

from __future__ import annotations

from aiogram import Router

from bot.fbs import handover, papers, picklist, returns, steps

router = Router(name=__name__)
router.include_routers(steps.router, papers.router, returns.router, picklist.router, handover.router)
