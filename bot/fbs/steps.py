"""A tap on a marketplace order's step (confirm, cancel with a reason, labels), on its alert or its order card:
the action is queued for the sync (core.fbs.request), its outcome awaited for a while, and the tapped message
drawn again with what came of it; labels arrive as a PDF document."""

from __future__ import annotations

import contextlib

import asyncpg
from aiogram import F
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from redis.asyncio import Redis

from bot import fbs_texts
from bot.access import admin_router
from bot.callbacks import CancelMarketplaceOrder, FbsStep, WorkOnOrder
from bot.errors import describe
from bot.fbs.running import WAIT_SECONDS, send_document
from bot.forms import show, tell
from bot.order_desk import card
from core import admin_orders, fbs
from core.errors import DomainError, ValidationError
from core.fbs import ActionKind, OrderWork
from core.unit_of_work import Effects
from core.users import User

router = admin_router(__name__)


async def _work(pool: asyncpg.Pool, order_id: int) -> OrderWork | None:
    async with pool.acquire() as conn:
        return await fbs.work_of(conn, order_id)


async def _draw(callback: CallbackQuery, pool: asyncpg.Pool, order_id: int, *, in_card: bool, note: str) -> None:
    """The order as it is now, under the note: its card, or its alert with the steps left."""
    try:
        if in_card:
            text, markup = await card.load(pool, order_id)
            await show(callback, f"{note}\n\n{text}", markup, answer=False)
            return
        async with pool.acquire() as conn:
            order = await admin_orders.order_card(conn, order_id)
            work = await fbs.work_of(conn, order_id)
    except DomainError as error:  # deleted meanwhile
        await show(callback, f"{note}\n\n{describe(error)}", None, answer=False)
        return
    if work is None:
        return
    text = fbs_texts.order_text(
        marketplace=work.marketplace_name,
        number=order.order.order_number,
        marketplace_order_id=work.marketplace_order_id,
        items=[(item.product_name, item.quantity) for item in order.items],
        total=order.order.total,
        currency=work.currency,
        when=work.deadline,
        state=work.state,
    )
    steps = fbs_texts.work_buttons(order_id, work.state, to_deliver=work.to_deliver)
    markup = InlineKeyboardMarkup(inline_keyboard=steps)
    await show(callback, f"{text}\n\n{note}", markup, answer=False)


async def _run(
    callback: CallbackQuery,
    pool: asyncpg.Pool,
    redis: Redis,
    effects: Effects,
    admin: User,
    *,
    order_id: int,
    kind: ActionKind,
    in_card: bool,
    reason: str | None = None,
) -> None:
    work = await _work(pool, order_id)
    if work is None:
        await tell(callback, _("This is not a marketplace order."))
        return
    try:
        async with pool.acquire() as conn, effects.transaction(conn) as unit:
            action_id = await fbs.request(
                unit,
                marketplace_id=work.marketplace_id,
                kind=kind,
                order_ids=[order_id],
                reason=reason,
                actor_id=admin.id,
            )
    except ValidationError:  # a second tap, or another admin was quicker: say what the order is now
        now = await _work(pool, order_id)
        state = fbs_texts.work_state(now.state if now else work.state)
        with contextlib.suppress(TelegramBadRequest):
            await callback.answer()
        await _draw(
            callback,
            pool,
            order_id,
            in_card=in_card,
            note=_("Nothing was sent: the order is {state}.").format(state=state),
        )
        return
    # The steps vanish while the platform answers: a second tap cannot send the action twice.
    await show(callback, fbs_texts.sending(work.marketplace_name))
    outcome = await fbs.outcome(pool, redis, action_id, wait=WAIT_SECONDS)
    if outcome is not None and outcome.document is not None:
        await send_document(callback, outcome.document, outcome.filename or f"labels-{order_id}.pdf")
    await _draw(callback, pool, order_id, in_card=in_card, note=fbs_texts.outcome_note(outcome, work.marketplace_name))


# The steps that need nothing more than the tap; a cancel asks for its reason first.
_STRAIGHT: dict[FbsStep, ActionKind] = {
    FbsStep.CONFIRM: "confirm",
    FbsStep.LABELS: "labels",
    FbsStep.DELIVERED: "deliver",
}


@router.callback_query(WorkOnOrder.filter(F.step.in_(_STRAIGHT)))
async def straight_step(
    callback: CallbackQuery, callback_data: WorkOnOrder, pool: asyncpg.Pool, redis: Redis, effects: Effects, admin: User
) -> None:
    await _run(
        callback,
        pool,
        redis,
        effects,
        admin,
        order_id=callback_data.order_id,
        kind=_STRAIGHT[callback_data.step],
        in_card=callback_data.card,
    )


@router.callback_query(WorkOnOrder.filter(F.step == FbsStep.CANCEL))
async def ask_reason(callback: CallbackQuery, callback_data: WorkOnOrder, pool: asyncpg.Pool) -> None:
    """The platform wants a reason: its adapter's reasons, in our words."""
    work = await _work(pool, callback_data.order_id)
    if work is None:
        await tell(callback, _("This is not a marketplace order."))
        return
    markup = fbs_texts.reason_buttons(callback_data.order_id, work.cancel_reasons, card=callback_data.card)
    text = _("Cancel this order on {marketplace}? Its items go back to stock. Why is it cancelled?").format(
        marketplace=work.marketplace_name
    )
    await show(callback, text, markup)


@router.callback_query(WorkOnOrder.filter(F.step == FbsStep.BACK))
async def back(callback: CallbackQuery, callback_data: WorkOnOrder, pool: asyncpg.Pool) -> None:
    with contextlib.suppress(TelegramBadRequest):
        await callback.answer()
    await _draw(callback, pool, callback_data.order_id, in_card=callback_data.card, note=_("Not cancelled."))


@router.callback_query(CancelMarketplaceOrder.filter())
async def cancel(
    callback: CallbackQuery,
    callback_data: CancelMarketplaceOrder,
    pool: asyncpg.Pool,
    redis: Redis,
    effects: Effects,
    admin: User,
) -> None:
    work = await _work(pool, callback_data.order_id)
    if work is not None and callback_data.reason not in work.cancel_reasons:
        await tell(callback, _("{marketplace} does not take this reason.").format(marketplace=work.marketplace_name))
        return
    await _run(
        callback,
        pool,
        redis,
        effects,
        admin,
        order_id=callback_data.order_id,
        kind="cancel",
        in_card=callback_data.card,
        reason=callback_data.reason,
    )
