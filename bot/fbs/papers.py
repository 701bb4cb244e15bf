"""The button of an FbsPaperReady alert: the labels or the courier's paper an action brought back after the admin
who asked for it stopped waiting, sent into the chat of the alert."""

from __future__ import annotations

import contextlib

import asyncpg
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.callbacks import SendActionPaper
from bot.fbs.running import send_document
from bot.forms import tell
from core import fbs

router = admin_router(__name__)


@router.callback_query(SendActionPaper.filter())
async def send_paper(callback: CallbackQuery, callback_data: SendActionPaper, pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        paper = await fbs.paper(conn, callback_data.action_id)
    if paper is None:
        await tell(callback, _("This file is no longer kept. Ask for it again from the order."))
        return
    with contextlib.suppress(TelegramBadRequest):
        await callback.answer()
    await send_document(callback, paper.content, paper.filename)
