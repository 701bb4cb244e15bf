"""Cancel and Back of the product forms: an edit goes back to its product's card."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiogram import F
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.callbacks import FormAction, FormButton
from bot.forms import CurrentForm, keyboard, nav_row, show
from bot.menu_buttons import menu_button
from bot.products.card import show_card
from bot.products.states import ProductForm

router = admin_router(__name__)


@router.callback_query(StateFilter(ProductForm), FormButton.filter(F.action == FormAction.CANCEL), CurrentForm())
async def cancel(callback: CallbackQuery, state: FSMContext, pool: asyncpg.Pool, draft: dict[str, Any]) -> None:
    await state.clear()
    if draft.get("product_id"):
        await show_card(callback, pool, draft["product_id"], _("Cancelled; nothing was changed."))
    else:
        await show(callback, _("Cancelled; nothing was saved."), keyboard([menu_button()]))


@router.callback_query(ProductForm.adjust_reason, FormButton.filter(F.action == FormAction.BACK), CurrentForm())
async def back_to_change(callback: CallbackQuery, state: FSMContext, draft: dict[str, Any]) -> None:
    await state.set_state(ProductForm.adjust_change)
    await show(
        callback,
        _("Send the change: +5 when goods arrive, -2 when some are damaged."),
        keyboard(nav_row(draft["form"], back=False)),
    )
