"""Stock by hand: +/- with a reason (core.inventory.adjust) and a stock take (core.inventory.set_count)."""

from __future__ import annotations

import asyncpg
from aiogram import Bot, F
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.callbacks import AdjustStock, CountStock, FormAction, FormButton, Screen
from bot.errors import describe
from bot.forms import TYPED, CurrentForm, Event, button, keyboard, nav_row, new_form_id, show
from bot.products.card import in_private, show_card
from bot.products.states import ProductForm
from bot.texts import parse_quantity
from core import admin_products, catalog
from core.errors import DomainError
from core.unit_of_work import Effects
from core.users import User

router = admin_router(__name__)


def reasons() -> list[str]:
    return [_("Goods arrived"), _("Damaged"), _("Returned by a customer"), _("Recount correction")]


async def _stock_line(pool: asyncpg.Pool, product_id: int) -> str:
    async with pool.acquire() as conn:
        product = await catalog.admin_view(conn, product_id)
    return _("«{name}»: on hand {quantity}, reserved {reserved}, available {available}.").format(
        name=product.name_uz,
        quantity=product.quantity,
        reserved=product.reserved,
        available=product.available,
    )


def _private_state(bot: Bot, storage: BaseStorage, user_id: int) -> FSMContext:
    return FSMContext(storage=storage, key=StorageKey(bot_id=bot.id, chat_id=user_id, user_id=user_id))


@router.callback_query(AdjustStock.filter())
async def start_adjust(
    callback: CallbackQuery,
    callback_data: AdjustStock,
    state: FSMContext,
    pool: asyncpg.Pool,
    bot: Bot,
    fsm_storage: BaseStorage,
) -> None:
    """From an alert in the admin group the form opens in the admin's private chat."""
    private = in_private(callback)
    if not private:
        state = _private_state(bot, fsm_storage, callback.from_user.id)
    form = new_form_id(Screen.PRODUCTS)
    await state.set_state(ProductForm.adjust_change)
    await state.set_data({"form": form, "product_id": callback_data.product_id})
    try:
        line = await _stock_line(pool, callback_data.product_id)
    except DomainError as error:
        await state.clear()
        await callback.answer(describe(error), show_alert=True)
        return
    text = line + "\n\n" + _("Send the change: +5 when goods arrive, -2 when some are damaged.")
    if private:
        await show(callback, text, keyboard(nav_row(form, back=False)))
    else:
        await bot.send_message(callback.from_user.id, text, reply_markup=keyboard(nav_row(form, back=False)))
        await callback.answer(_("I sent the form to our private chat."))


@router.message(ProductForm.adjust_change, TYPED)
async def change_typed(message: Message, state: FSMContext) -> None:
    change = parse_quantity(message.text or "", signed=True)
    draft = await state.get_data()
    if not change:
        await message.answer(
            _("Send a whole number with a sign, like +5 or -2."),
            reply_markup=keyboard(nav_row(draft["form"], back=False)),
        )
        return
    await state.update_data(change=change)
    await state.set_state(ProductForm.adjust_reason)
    rows = [[button(reason, draft["form"], FormAction.PICK_REASON, index)] for index, reason in enumerate(reasons())]
    await message.answer(
        _("Why does the stock change by {change:+d}? Tap a reason or type your own.").format(change=change),
        reply_markup=keyboard(*rows, nav_row(draft["form"])),
    )


@router.callback_query(ProductForm.adjust_reason, FormButton.filter(F.action == FormAction.PICK_REASON), CurrentForm())
async def reason_tapped(
    callback: CallbackQuery,
    callback_data: FormButton,
    state: FSMContext,
    pool: asyncpg.Pool,
    effects: Effects,
    admin: User,
    draft: dict,
) -> None:
    await _adjust(callback, state, pool, effects, admin, draft, reasons()[callback_data.value % len(reasons())])


@router.message(ProductForm.adjust_reason, TYPED)
async def reason_typed(message: Message, state: FSMContext, pool: asyncpg.Pool, effects: Effects, admin: User) -> None:
    await _adjust(message, state, pool, effects, admin, await state.get_data(), (message.text or "").strip()[:200])


async def _adjust(
    event: Event,
    state: FSMContext,
    pool: asyncpg.Pool,
    effects: Effects,
    admin: User,
    draft: dict,
    reason: str,
) -> None:
    try:
        async with pool.acquire() as conn, effects.transaction(conn) as uow:
            level = await admin_products.adjust_stock(uow, draft["product_id"], draft["change"], reason, admin.id)
    except DomainError as error:
        await state.set_state(ProductForm.adjust_change)
        await show(
            event,
            "⚠️ " + describe(error) + "\n\n" + _("Send another change, or cancel."),
            keyboard(nav_row(draft["form"], back=False)),
        )
        return
    await state.clear()
    note = _("✅ Stock changed by {change:+d} ({reason}): now {quantity} on hand.").format(
        change=draft["change"], reason=reason, quantity=level.quantity
    )
    await show_card(event, pool, draft["product_id"], note)


@router.callback_query(CountStock.filter())
async def start_count(
    callback: CallbackQuery, callback_data: CountStock, state: FSMContext, pool: asyncpg.Pool
) -> None:
    form = new_form_id(Screen.PRODUCTS)
    await state.set_state(ProductForm.count)
    await state.set_data({"form": form, "product_id": callback_data.product_id})
    try:
        line = await _stock_line(pool, callback_data.product_id)
    except DomainError as error:
        await state.clear()
        await callback.answer(describe(error), show_alert=True)
        return
    await show(
        callback,
        line + "\n\n" + _("How many are on the shelf? Send the counted number."),
        keyboard(nav_row(form, back=False)),
    )


@router.message(ProductForm.count, TYPED)
async def count_typed(message: Message, state: FSMContext, pool: asyncpg.Pool, effects: Effects, admin: User) -> None:
    draft = await state.get_data()
    counted = parse_quantity(message.text or "")
    if counted is None or counted < 0:
        await message.answer(
            _("Send a whole number, like 12."), reply_markup=keyboard(nav_row(draft["form"], back=False))
        )
        return
    try:
        async with pool.acquire() as conn, effects.transaction(conn) as uow:
            level = await admin_products.count_stock(uow, draft["product_id"], counted, admin.id)
    except DomainError as error:
        await message.answer("⚠️ " + describe(error), reply_markup=keyboard(nav_row(draft["form"], back=False)))
        return
    await state.clear()
    await show_card(
        message, pool, draft["product_id"], _("✅ Counted: {quantity} on hand.").format(quantity=level.quantity)
    )
