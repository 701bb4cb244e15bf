"""Manual order, second half: who buys (name, phone), where it goes (address) and the delivery fee."""

from __future__ import annotations

from decimal import Decimal

import asyncpg
from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.callbacks import FormAction, FormButton
from bot.errors import describe
from bot.forms import TYPED, CurrentForm, Event
from bot.manual_order import draft as drafts
from bot.manual_order import steps
from bot.manual_order.draft import OrderDraft
from bot.manual_order.states import ManualOrder
from bot.texts import parse_amount
from core.errors import ValidationError
from core.phones import normalize_phone

MAX_NAME = 200
MAX_ADDRESS = 500

router = admin_router(__name__)


async def _next(event: Event, state: FSMContext, pool: asyncpg.Pool, draft: OrderDraft, following: State) -> None:
    """After a field: back to the summary when editing, else on to the following step."""
    await drafts.save(state, draft)
    await steps.STEPS[ManualOrder.summary if draft.editing else following].draw(event, state, pool)


@router.message(ManualOrder.name, TYPED)
async def name_typed(message: Message, state: FSMContext, pool: asyncpg.Pool) -> None:
    name = " ".join((message.text or "").split())
    if not name or len(name) > MAX_NAME:
        await steps.name(message, state, pool, _("Send the customer's name (up to 200 characters)."))
        return
    draft = await drafts.load(state)
    draft.customer_name = name
    await _next(message, state, pool, draft, ManualOrder.phone)


@router.message(ManualOrder.phone, TYPED)
async def phone_typed(message: Message, state: FSMContext, pool: asyncpg.Pool) -> None:
    try:
        phone = normalize_phone(message.text or "")
    except ValidationError as error:
        await steps.phone(message, state, pool, "⚠️ " + describe(error))
        return
    draft = await drafts.load(state)
    draft.phone = phone
    await _next(message, state, pool, draft, ManualOrder.address)


@router.message(ManualOrder.address, TYPED)
async def address_typed(message: Message, state: FSMContext, pool: asyncpg.Pool) -> None:
    draft = await drafts.load(state)
    draft.address = (message.text or "").strip()[:MAX_ADDRESS] or None
    await _next(message, state, pool, draft, ManualOrder.fee)


@router.callback_query(ManualOrder.address, FormButton.filter(F.action == FormAction.SKIP), CurrentForm(OrderDraft))
async def address_skipped(callback: CallbackQuery, state: FSMContext, pool: asyncpg.Pool, draft: OrderDraft) -> None:
    draft.address = None
    await _next(callback, state, pool, draft, ManualOrder.fee)


@router.message(ManualOrder.fee, TYPED)
async def fee_typed(message: Message, state: FSMContext, pool: asyncpg.Pool) -> None:
    fee = parse_amount(message.text or "")
    if fee is None:
        await steps.fee(message, state, pool, _("Send the fee as a number, like 20000."))
        return
    draft = await drafts.load(state)
    draft.fee = fee
    await drafts.save(state, draft)
    await steps.summary(message, state, pool)


@router.callback_query(ManualOrder.fee, FormButton.filter(F.action == FormAction.SKIP), CurrentForm(OrderDraft))
async def fee_skipped(callback: CallbackQuery, state: FSMContext, pool: asyncpg.Pool, draft: OrderDraft) -> None:
    draft.fee = Decimal(0)
    await drafts.save(state, draft)
    await steps.summary(callback, state, pool)
