"""A marketplace return's alert: back to stock, or written off with a reason; the ledger records either
(core.fbs.decide_return) and the alert then says who decided what."""

from __future__ import annotations

import contextlib

import asyncpg
from aiogram import F
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import fbs_texts
from bot.access import admin_router
from bot.callbacks import DecideReturn, ReturnStep, WriteOffReturn
from bot.forms import show, tell
from core import fbs
from core.errors import ValidationError
from core.unit_of_work import Effects
from core.users import User

router = admin_router(__name__)


async def _change_buttons(callback: CallbackQuery, markup: InlineKeyboardMarkup) -> None:
    """The alert's text stays; only its buttons turn into the next step."""
    with contextlib.suppress(TelegramBadRequest):
        if isinstance(callback.message, Message):
            await callback.message.edit_reply_markup(reply_markup=markup)
        await callback.answer()


async def _decide(
    callback: CallbackQuery,
    pool: asyncpg.Pool,
    effects: Effects,
    admin: User,
    return_id: int,
    *,
    restock: bool,
    reason: str | None,
    note: str,
) -> None:
    try:
        async with pool.acquire() as conn, effects.transaction(conn) as unit:
            await fbs.decide_return(unit, return_id, restock=restock, reason=reason, actor_id=admin.id)
    except ValidationError as error:
        if error.field != "state":  # "product_id": restocking an item none of our products matches
            await tell(callback, _("This item matches none of our products: map its listing, or write it off."))
            return
        note = _("This return was already decided; nothing was changed.")  # another admin, or a second tap
    alert = callback.message.text if isinstance(callback.message, Message) and callback.message.text else ""
    await show(callback, f"{alert}\n\n{note}".strip(), None)


@router.callback_query(DecideReturn.filter(F.step == ReturnStep.RESTOCK))
async def restock(
    callback: CallbackQuery, callback_data: DecideReturn, pool: asyncpg.Pool, effects: Effects, admin: User
) -> None:
    note = _("↩️ Back in stock ({name}).").format(name=admin.first_name)
    await _decide(callback, pool, effects, admin, callback_data.return_id, restock=True, reason=None, note=note)


@router.callback_query(DecideReturn.filter(F.step == ReturnStep.WRITE_OFF))
async def ask_reason(callback: CallbackQuery, callback_data: DecideReturn) -> None:
    await _change_buttons(callback, fbs_texts.write_off_buttons(callback_data.return_id))


@router.callback_query(DecideReturn.filter(F.step == ReturnStep.BACK))
async def back(callback: CallbackQuery, callback_data: DecideReturn) -> None:
    await _change_buttons(callback, fbs_texts.return_buttons(callback_data.return_id))


@router.callback_query(WriteOffReturn.filter())
async def write_off(
    callback: CallbackQuery, callback_data: WriteOffReturn, pool: asyncpg.Pool, effects: Effects, admin: User
) -> None:
    # The ledger's note is read by admins: the reason in the words of the admin who chose it.
    reason = fbs_texts.write_off_reason(callback_data.reason)
    note = _("🗑 Written off: {reason} ({name}).").format(reason=reason, name=admin.first_name)
    await _decide(callback, pool, effects, admin, callback_data.return_id, restock=False, reason=reason, note=note)
