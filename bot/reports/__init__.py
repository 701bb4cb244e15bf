"""Sales reports for admins: /report and the Reports buttons of the menu."""

from __future__ import annotations

from aiogram import Router

from bot.reports import handlers

router = Router(name=__name__)
router.include_router(handlers.router)
