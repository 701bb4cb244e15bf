"""The FBS work of marketplace orders from chat: an order's steps (confirm, cancel, labels), returns, the pick
list and the hand-over, buyers' cancellation requests, and the papers that came back after nobody waited for them."""

from __future__ import annotations

from aiogram import Router

from bot.fbs import cancellation_requests, handover, papers, picklist, returns, steps

router = Router(name=__name__)
router.include_routers(
    steps.router, papers.router, returns.router, cancellation_requests.router, picklist.router, handover.router
)
