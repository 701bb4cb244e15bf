"""Marketplace sync for admins: /sync, the board of every API marketplace, Run now, Pause / Resume and the
key check."""

from __future__ import annotations

from aiogram import Router

from bot.sync_desk import board, key_check

router = Router(name=__name__)
router.include_routers(board.router, key_check.router)
