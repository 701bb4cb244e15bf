"""An admin's form button that no handler took: its form was finished, cancelled or replaced."""

from __future__ import annotations

from aiogram.types import CallbackQuery

from bot.access import admin_router
from bot.callbacks import FormCb
from bot.forms import answer_stale

router = admin_router(__name__)


@router.callback_query(FormCb.filter())
async def stale_form_button(callback: CallbackQuery) -> None:
    await answer_stale(callback)
