"""A buyer's cancellation request's alert: Accept, or Reject with one of the platform's reasons. The answer is queued
for the sync (core.cancellation_requests.answer), its outcome awaited for a while, and the alert then says what came
of it; an answer the platform did not take brings the buttons back."""

from __future__ import annotations

import contextlib

import asyncpg
from aiogram import F
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from redis.asyncio import Redis

from bot import fbs_texts
from bot.access import admin_router
from bot.callbacks import AnswerCancellation, CancellationStep, RefuseCancellation
from bot.fbs.running import WAIT_SECONDS
from bot.forms import show, tell
from core import cancellation_requests, fbs
from core.cancellation_requests import CancellationRequest
from core.errors import ValidationError
from core.unit_of_work import Effects
from core.users import User

router = admin_router(__name__)


async def _request(pool: asyncpg.Pool, request_id: int) -> CancellationRequest | None:
    async with pool.acquire() as conn:
        return await cancellation_requests.of(conn, request_id)


def _alert_text(callback: CallbackQuery) -> str:
    return callback.message.text if isinstance(callback.message, Message) and callback.message.text else ""


async def _change_buttons(callback: CallbackQuery, markup: InlineKeyboardMarkup) -> None:
    """The alert's text stays; only its buttons turn into the next step."""
    with contextlib.suppress(TelegramBadRequest):
        if isinstance(callback.message, Message):
            await callback.message.edit_reply_markup(reply_markup=markup)
        await callback.answer()


async def _answer(
    callback: CallbackQuery,
    pool: asyncpg.Pool,
    redis: Redis,
    effects: Effects,
    admin: User,
    request: CancellationRequest,
    *,
    refusal: str | None,
) -> None:
    alert = _alert_text(callback)
    try:
        async with pool.acquire() as conn, effects.transaction(conn) as unit:
            action_id = await cancellation_requests.answer(
                unit, request.id, accept=refusal is None, refusal=refusal, actor_id=admin.id
            )
    except ValidationError as error:
        if error.field == "state":  # another admin, or a second tap
            note = _("This request was already answered; nothing was changed.")
        else:  # the order was cancelled meanwhile, or another action on it is still running
            note = _("Nothing was sent: the order cannot take an answer now.")
        await show(callback, f"{alert}\n\n{note}".strip(), None)
        return
    # The buttons vanish while the platform answers: a second tap cannot send the answer twice.
    await show(callback, fbs_texts.sending(request.marketplace_name))
    outcome = await fbs.outcome(pool, redis, action_id, wait=WAIT_SECONDS)
    if outcome is not None and outcome.state == "done":
        if refusal is None:
            note = _("✅ Accepted on {marketplace}: the order is cancelled and its items are back in stock ({name}).")
        else:
            note = _("✋ Rejected on {marketplace}: {reason} ({name}).")
        note = note.format(
            marketplace=request.marketplace_name,
            reason=fbs_texts.cancellation_refusal(refusal or ""),
            name=admin.first_name,
        )
    else:
        note = fbs_texts.outcome_note(outcome, request.marketplace_name)
    now = await _request(pool, request.id)
    waiting = now is not None and now.state == "pending" and now.order_live
    markup = fbs_texts.cancellation_buttons(request.id) if waiting else None
    await show(callback, f"{alert}\n\n{note}".strip(), markup, answer=False)


@router.callback_query(AnswerCancellation.filter(F.step == CancellationStep.ACCEPT))
async def accept(
    callback: CallbackQuery,
    callback_data: AnswerCancellation,
    pool: asyncpg.Pool,
    redis: Redis,
    effects: Effects,
    admin: User,
) -> None:
    request = await _request(pool, callback_data.request_id)
    if request is None:
        await tell(callback, _("This cancellation request is no longer known."))
        return
    await _answer(callback, pool, redis, effects, admin, request, refusal=None)


@router.callback_query(AnswerCancellation.filter(F.step == CancellationStep.REJECT))
async def ask_reason(callback: CallbackQuery, callback_data: AnswerCancellation, pool: asyncpg.Pool) -> None:
    """The platform wants a reason for a refusal: its reasons, in our words."""
    request = await _request(pool, callback_data.request_id)
    if request is None:
        await tell(callback, _("This cancellation request is no longer known."))
        return
    await _change_buttons(callback, fbs_texts.cancellation_refusal_buttons(request.id, request.refusals))


@router.callback_query(AnswerCancellation.filter(F.step == CancellationStep.BACK))
async def back(callback: CallbackQuery, callback_data: AnswerCancellation) -> None:
    await _change_buttons(callback, fbs_texts.cancellation_buttons(callback_data.request_id))


@router.callback_query(RefuseCancellation.filter())
async def refuse(
    callback: CallbackQuery,
    callback_data: RefuseCancellation,
    pool: asyncpg.Pool,
    redis: Redis,
    effects: Effects,
    admin: User,
) -> None:
    request = await _request(pool, callback_data.request_id)
    if request is None:
        await tell(callback, _("This cancellation request is no longer known."))
        return
    if callback_data.reason not in request.refusals:
        await tell(callback, _("{marketplace} does not take this reason.").format(marketplace=request.marketplace_name))
        return
    await _answer(callback, pool, redis, effects, admin, request, refusal=callback_data.reason)
