"""Our own prices of a product: price, sale price and cost (marketplace prices are theirs: see card.py)."""

from __future__ import annotations

from decimal import Decimal

import asyncpg
from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.callbacks import EditPrice, FormAction, FormButton, Screen
from bot.errors import describe
from bot.forms import TYPED, CurrentForm, Event, button, keyboard, nav_row, new_form_id, show
from bot.products.card import show_card
from bot.products.states import ProductForm
from bot.texts import money, parse_amount
from core import admin_products, catalog
from core.errors import DomainError
from core.unit_of_work import Effects
from core.users import User

router = admin_router(__name__)


def _label(field: str) -> str:
    return {"price": _("our price"), "sale_price": _("the sale price"), "cost_price": _("the cost")}[field]


@router.callback_query(EditPrice.filter())
async def start(callback: CallbackQuery, callback_data: EditPrice, state: FSMContext, pool: asyncpg.Pool) -> None:
    field = callback_data.field.value
    try:
        async with pool.acquire() as conn:
            product = await catalog.admin_view(conn, callback_data.product_id)
    except DomainError as error:
        await callback.answer(describe(error), show_alert=True)
        return
    form = new_form_id(Screen.PRODUCTS)
    await state.set_state(ProductForm.price)
    await state.set_data({"form": form, "product_id": callback_data.product_id, "field": field})
    text = _("«{name}»: {what} is {value} now. Send the new amount.").format(
        name=product.name_uz, what=_label(field), value=money(product.our_price(field))
    )
    rows = [[button(_("Remove it"), form, FormAction.REMOVE_PRICE)]] if field != "price" else []
    await show(callback, text, keyboard(*rows, nav_row(form, back=False)))


@router.message(ProductForm.price, TYPED)
async def typed(message: Message, state: FSMContext, pool: asyncpg.Pool, effects: Effects, admin: User) -> None:
    amount = parse_amount(message.text or "")
    if amount is None:
        draft = await state.get_data()
        await message.answer(
            _("Send the amount as a number, like 120000."), reply_markup=keyboard(nav_row(draft["form"], back=False))
        )
        return
    await _save(message, state, pool, effects, admin, str(amount))


@router.callback_query(ProductForm.price, FormButton.filter(F.action == FormAction.REMOVE_PRICE), CurrentForm())
async def cleared(
    callback: CallbackQuery, state: FSMContext, pool: asyncpg.Pool, effects: Effects, admin: User
) -> None:
    await _save(callback, state, pool, effects, admin, None)


async def _save(
    event: Event, state: FSMContext, pool: asyncpg.Pool, effects: Effects, admin: User, value: str | None
) -> None:
    draft = await state.get_data()
    try:
        async with pool.acquire() as conn, effects.transaction(conn) as uow:
            await admin_products.set_price(
                uow, draft["product_id"], draft["field"], None if value is None else Decimal(value), admin.id
            )
    except DomainError as error:
        await show(
            event,
            "⚠️ " + describe(error) + "\n\n" + _("Send another amount, or cancel."),
            keyboard(nav_row(draft["form"], back=False)),
        )
        return
    await state.clear()
    await show_card(event, pool, draft["product_id"], _("✅ Saved."))
