"""Marketplace sync for admins: /sync, the board of every API marketplace, Run now, Pause / Resume and the
key check."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command

from bot.access import IsAdmin
from bot.callbacks import MenuCb, SyncCb
from bot.sync_desk import board, key_check


def create_router() -> Router:
    router = Router(name="sync_desk")
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
    router.message.register(board.board, Command("sync"))
    router.callback_query.register(board.from_button, MenuCb.filter(F.item == "sync"))
    router.callback_query.register(board.from_button, SyncCb.filter(F.action == "show"))
    router.callback_query.register(board.run_now, SyncCb.filter(F.action == "run"))
    router.callback_query.register(board.pause, SyncCb.filter(F.action.in_({"pause", "resume"})))
    router.callback_query.register(key_check.check, SyncCb.filter(F.action == "check"))
    return router
