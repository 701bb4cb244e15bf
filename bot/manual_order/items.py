"""Manual order, first half: the channel, then items in a loop (search, pick, quantity, price)."""

from __future__ import annotations

from decimal import Decimal

import asyncpg
from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.callbacks import FormAction, FormButton
from bot.errors import describe
from bot.forms import TYPED, CurrentForm, Event
from bot.manual_order import draft as drafts
from bot.manual_order import steps
from bot.manual_order.draft import OrderDraft, Picked, Product
from bot.manual_order.states import ManualOrder
from bot.texts import parse_amount, parse_quantity, product_name
from core import admin_orders, admin_products
from core.errors import DomainError

router = admin_router(__name__)


@router.callback_query(
    ManualOrder.channel, FormButton.filter(F.action == FormAction.CHOOSE_CHANNEL), CurrentForm(OrderDraft)
)
async def channel_chosen(
    callback: CallbackQuery, callback_data: FormButton, state: FSMContext, pool: asyncpg.Pool, draft: OrderDraft
) -> None:
    async with pool.acquire() as conn:
        chosen = [row for row in await admin_orders.manual_channels(conn) if row.id == callback_data.value]
    if not chosen:
        await steps.channel(callback, state, pool)
        return
    draft.channel_id, draft.channel = chosen[0].id, chosen[0].name
    await drafts.save(state, draft)
    if draft.editing:
        await steps.summary(callback, state, pool)
    elif draft.lines:
        await steps.items(callback, state, pool)
    else:
        await steps.search(callback, state, pool)


@router.message(ManualOrder.search, TYPED)
async def searched(message: Message, state: FSMContext, pool: asyncpg.Pool) -> None:
    needle = (message.text or "").strip()
    async with pool.acquire() as conn:
        found = await admin_products.search(conn, needle)
    if not found:
        await steps.search(message, state, pool, _("Nothing found for «{needle}».").format(needle=needle[:50]))
        return
    draft = await drafts.load(state)
    draft.found = [
        Product(
            product_id=row.id, name=product_name(row), sku=row.sku, available=row.available, price=row.display_price
        )
        for row in found
    ]
    await drafts.save(state, draft)
    await steps.pick(message, state, pool)


@router.callback_query(
    ManualOrder.pick, FormButton.filter(F.action == FormAction.PICK_PRODUCT), CurrentForm(OrderDraft)
)
async def picked(
    callback: CallbackQuery, callback_data: FormButton, state: FSMContext, pool: asyncpg.Pool, draft: OrderDraft
) -> None:
    chosen = [product for product in draft.found if product.product_id == callback_data.value]
    if not chosen:
        await steps.search(callback, state, pool)
        return
    draft.pending = Picked(**chosen[0].model_dump())
    await drafts.save(state, draft)
    await steps.quantity(callback, state, pool)


@router.message(ManualOrder.quantity, TYPED)
async def quantity_typed(message: Message, state: FSMContext, pool: asyncpg.Pool) -> None:
    await _take_quantity(message, state, pool, parse_quantity(message.text or ""))


@router.callback_query(
    ManualOrder.quantity, FormButton.filter(F.action == FormAction.QUANTITY), CurrentForm(OrderDraft)
)
async def quantity_tapped(
    callback: CallbackQuery, callback_data: FormButton, state: FSMContext, pool: asyncpg.Pool
) -> None:
    await _take_quantity(callback, state, pool, callback_data.value)


async def _take_quantity(event: Event, state: FSMContext, pool: asyncpg.Pool, quantity: int | None) -> None:
    draft = await drafts.load(state)
    pending = draft.picked()
    if quantity is None or quantity < 1:
        await steps.quantity(event, state, pool, _("Send a whole number, like 2."))
        return
    if quantity > pending.available:
        note = _("Only {available} available.").format(available=pending.available)
        await steps.quantity(event, state, pool, note)
        return
    pending.quantity = quantity
    await drafts.save(state, draft)
    await steps.price(event, state, pool)


@router.message(ManualOrder.price, TYPED)
async def price_typed(message: Message, state: FSMContext, pool: asyncpg.Pool) -> None:
    price = parse_amount(message.text or "")
    if price is None:
        await steps.price(message, state, pool, _("Send the price as a number, like 120000."))
        return
    await _add_line(message, state, pool, price)


@router.callback_query(ManualOrder.price, FormButton.filter(F.action == FormAction.KEEP_PRICE), CurrentForm(OrderDraft))
async def price_kept(callback: CallbackQuery, state: FSMContext, pool: asyncpg.Pool, draft: OrderDraft) -> None:
    await _add_line(callback, state, pool, draft.picked().price)


async def _add_line(event: Event, state: FSMContext, pool: asyncpg.Pool, price: Decimal) -> None:
    draft = await drafts.load(state)
    line = draft.picked().line(price)
    draft.add(line)
    try:  # the stock may have gone while the admin typed: better to hear it now than at Confirm
        async with pool.acquire() as conn, conn.transaction():
            await admin_orders.quote_manual(conn, draft.channel_id, draft.core_lines())
    except DomainError as error:
        await steps.quantity(event, state, pool, "⚠️ " + describe(error))
        return
    draft.pending, draft.found = None, []
    await drafts.save(state, draft)
    added = _("Added: {name} × {quantity}.").format(name=line.name, quantity=line.quantity)
    await steps.items(event, state, pool, added)


@router.callback_query(ManualOrder.items, FormButton.filter(F.action == FormAction.ADD_ITEM), CurrentForm(OrderDraft))
async def add_another(callback: CallbackQuery, state: FSMContext, pool: asyncpg.Pool) -> None:
    await steps.search(callback, state, pool)


@router.callback_query(
    ManualOrder.items, FormButton.filter(F.action == FormAction.REMOVE_ITEM), CurrentForm(OrderDraft)
)
async def remove_line(
    callback: CallbackQuery, callback_data: FormButton, state: FSMContext, pool: asyncpg.Pool, draft: OrderDraft
) -> None:
    draft.remove(callback_data.value)
    await drafts.save(state, draft)
    await steps.items(callback, state, pool)


@router.callback_query(
    ManualOrder.items, FormButton.filter(F.action == FormAction.TO_CUSTOMER), CurrentForm(OrderDraft)
)
async def items_done(callback: CallbackQuery, state: FSMContext, pool: asyncpg.Pool, draft: OrderDraft) -> None:
    if draft.editing and draft.phone:
        await steps.summary(callback, state, pool)
    else:
        await steps.name(callback, state, pool)
