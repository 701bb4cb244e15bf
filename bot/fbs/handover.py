"""/handover: a button for each marketplace with confirmed orders; a tap hands them all to its courier (closing
a Wildberries supply) and sends back the paper the platform gives for it (the supply's QR code, an act)."""

from __future__ import annotations

import asyncpg
from aiogram import F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from redis.asyncio import Redis

from bot import fbs_texts
from bot.access import admin_router
from bot.callbacks import HandOverMarketplace, OpenScreen, Screen
from bot.fbs.running import WAIT_SECONDS, send_document
from bot.forms import show, tell
from bot.menu_buttons import menu_button
from core import fbs
from core.errors import ValidationError
from core.unit_of_work import Effects
from core.users import User

router = admin_router(__name__)


@router.message(Command("handover"))
@router.callback_query(OpenScreen.filter(F.screen == Screen.HAND_OVER))
async def choose(event: Message | CallbackQuery, pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        candidates = await fbs.handover_candidates(conn)
    if not candidates:
        text = _("🚚 Nothing to hand over: no marketplace has confirmed orders.")
        await show(event, text, InlineKeyboardMarkup(inline_keyboard=[[menu_button()]]))
        return
    rows = [
        [
            InlineKeyboardButton(
                text=ngettext("🚚 {marketplace}: {count} order", "🚚 {marketplace}: {count} orders", count).format(
                    marketplace=name, count=count
                ),
                callback_data=HandOverMarketplace(marketplace_id=marketplace_id).pack(),
            )
        ]
        for marketplace_id, name, count in candidates
    ]
    rows.append([menu_button()])
    text = _("🚚 Hand confirmed orders over to the marketplace's courier. Which marketplace?")
    await show(event, text, InlineKeyboardMarkup(inline_keyboard=rows))


@router.callback_query(HandOverMarketplace.filter())
async def hand_over(
    callback: CallbackQuery,
    callback_data: HandOverMarketplace,
    pool: asyncpg.Pool,
    redis: Redis,
    effects: Effects,
    admin: User,
) -> None:
    async with pool.acquire() as conn:
        groups = [group for group in await fbs.pick_list(conn) if group.marketplace_id == callback_data.marketplace_id]
    if not groups:
        await tell(callback, _("Nothing to hand over there any more."))
        return
    group = groups[0]
    order_ids = [order.order_id for order in group.orders]
    try:
        async with pool.acquire() as conn, effects.transaction(conn) as unit:
            action_id = await fbs.request(
                unit,
                marketplace_id=group.marketplace_id,
                kind="hand_over",
                order_ids=order_ids,
                actor_id=admin.id,
            )
    except ValidationError:  # another admin handed them over meanwhile
        await tell(callback, _("Nothing to hand over there any more."))
        return
    await show(callback, fbs_texts.sending(group.marketplace_name))
    outcome = await fbs.outcome(pool, redis, action_id, wait=WAIT_SECONDS)
    if outcome is not None and outcome.document is not None:  # done, or for some orders only
        await send_document(callback, outcome.document, outcome.filename or "handover.pdf")
    markup = InlineKeyboardMarkup(inline_keyboard=[[menu_button()]])
    await show(callback, fbs_texts.outcome_note(outcome, group.marketplace_name), markup, answer=False)
