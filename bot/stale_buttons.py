"""An admin's button that no handler took: a form's button after its form was finished, cancelled or replaced,
or whose form's state is gone (lost with a Redis's data, or expired), or a button drawn before a deploy changed
its callback data."""

from __future__ import annotations

import contextlib

from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import or_f
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from bot.access import admin_router
from bot.callbacks import ChangeOrderPart, FormButton, OpenScreen
from bot.form_storage import FormStorage
from bot.forms import keyboard, restart_screen, show
from bot.menu_buttons import menu_button
from bot.texts import lost_form, stale_button, start_form_again

router = admin_router(__name__)


@router.callback_query(or_f(FormButton.filter(), ChangeOrderPart.filter()))
async def answer_form_button(
    callback: CallbackQuery, callback_data: FormButton | ChangeOrderPart, state: FSMContext
) -> None:
    if await _form_is_gone(state, callback_data.form):
        # The form's message turns into the truth, with the way to the same form (its old buttons go with it).
        again = menu_button(start_form_again(), OpenScreen(screen=restart_screen(callback_data.form)))
        await show(callback, lost_form(), keyboard([again], [menu_button()]))
        return
    await answer_stale(callback)


@router.callback_query()
async def answer_stale(callback: CallbackQuery) -> None:
    with contextlib.suppress(TelegramBadRequest):
        await callback.answer(stale_button(), show_alert=True)


async def _form_is_gone(state: FSMContext, form: str) -> bool:
    """No form open now and this one never stored here: what a finished or replaced form never looks like."""
    if await state.get_data():
        return False
    storage = state.storage
    return isinstance(storage, FormStorage) and not await storage.held(state.key, form)
