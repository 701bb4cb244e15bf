"""Manual order: starting, Back, Cancel, Edit, and Confirm (the order goes through core.orders.place)."""

from __future__ import annotations

import asyncpg
from aiogram import F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.callbacks import ChangeOrderPart, FormAction, FormButton, OpenScreen, Screen
from bot.errors import describe
from bot.forms import CurrentForm, Event, keyboard, show
from bot.forms import new_form_id as new_form
from bot.manual_order import draft as drafts
from bot.manual_order import steps
from bot.manual_order.draft import OrderDraft
from bot.manual_order.states import ManualOrder
from bot.menu_buttons import menu_button
from bot.texts import money
from core import admin_orders
from core.errors import DomainError
from core.unit_of_work import Effects
from core.users import User

router = admin_router(__name__)


@router.message(Command("order"))
@router.callback_query(OpenScreen.filter(F.screen == Screen.MANUAL_ORDER))
async def start(event: Event, state: FSMContext, pool: asyncpg.Pool) -> None:
    """A new form replaces whatever form was open: its buttons go stale."""
    await state.clear()
    await drafts.save(state, OrderDraft(form=new_form(Screen.MANUAL_ORDER)))
    await steps.channel(event, state, pool)


@router.callback_query(
    StateFilter(ManualOrder), FormButton.filter(F.action == FormAction.CANCEL), CurrentForm(OrderDraft)
)
async def cancel(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await show(callback, _("Order cancelled; nothing was saved."), keyboard([menu_button()]))


@router.callback_query(
    StateFilter(ManualOrder), FormButton.filter(F.action == FormAction.BACK), CurrentForm(OrderDraft)
)
async def back(callback: CallbackQuery, state: FSMContext, pool: asyncpg.Pool, draft: OrderDraft) -> None:
    target = steps.previous(await state.get_state(), draft)
    if target is None:
        await cancel(callback, state)
    else:
        await steps.STEPS[target].draw(callback, state, pool)


@router.callback_query(ManualOrder.summary, FormButton.filter(F.action == FormAction.EDIT), CurrentForm(OrderDraft))
async def edit(callback: CallbackQuery, state: FSMContext, pool: asyncpg.Pool) -> None:
    await steps.edit(callback, state, pool)


@router.callback_query(ManualOrder.edit, ChangeOrderPart.filter(), CurrentForm(OrderDraft))
async def goto(callback: CallbackQuery, callback_data: ChangeOrderPart, state: FSMContext, pool: asyncpg.Pool) -> None:
    await steps.STEPS[steps.PARTS[callback_data.part]].draw(callback, state, pool)


@router.callback_query(ManualOrder.summary, FormButton.filter(F.action == FormAction.CONFIRM), CurrentForm(OrderDraft))
async def confirm(
    callback: CallbackQuery,
    state: FSMContext,
    pool: asyncpg.Pool,
    effects: Effects,
    admin: User,
    draft: OrderDraft,
) -> None:
    try:
        async with pool.acquire() as conn, effects.transaction(conn) as uow:
            placed = await admin_orders.place_manual(
                uow, draft.channel_id, draft.core_lines(), draft.customer(), admin.id, draft.fee
            )
    except DomainError as error:  # the form stays: the admin fixes it and confirms again
        await steps.summary(callback, state, pool, "⚠️ " + describe(error))
        return
    await state.clear()
    text = _("✅ Order {number} placed. Total: {total}. The stock is taken; marketplaces get it on the next push.")
    again = menu_button(_("📝 Another order"), OpenScreen(screen=Screen.MANUAL_ORDER))
    await show(
        callback, text.format(number=placed.order_number, total=money(placed.total)), keyboard([again, menu_button()])
    )
