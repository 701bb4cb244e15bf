"""An admin's button that no handler took: a form's button after its form was finished, cancelled or replaced,
or a button drawn before a deploy changed its callback data."""

from __future__ import annotations

import contextlib

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery

from bot.access import admin_router
from bot.texts import stale_button

router = admin_router(__name__)


@router.callback_query()
async def answer_stale(callback: CallbackQuery) -> None:
    with contextlib.suppress(TelegramBadRequest):
        await callback.answer(stale_button(), show_alert=True)
