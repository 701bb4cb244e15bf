"""Sales reports for admins: /report and the Reports buttons of the menu."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command

from bot.access import IsAdmin
from bot.callbacks import MenuCb, ReportCb
from bot.reports import handlers


def create_router() -> Router:
    router = Router(name="reports")
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
    router.message.register(handlers.command, Command("report"))
    router.callback_query.register(handlers.choose, MenuCb.filter(F.item == "reports"))
    router.callback_query.register(handlers.named_period, ReportCb.filter())
    return router
