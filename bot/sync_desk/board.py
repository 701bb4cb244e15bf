"""The /sync board: each API marketplace's last pull and push, errors, pending pushes and pause state, with its
Run now, Pause / Resume and key check buttons."""

from __future__ import annotations

import contextlib
from zoneinfo import ZoneInfo

import asyncpg
from aiogram import F
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot import fbs_texts
from bot.access import admin_router
from bot.callbacks import CheckMarketplaceKey, OpenScreen, PauseSync, RunSyncNow, Screen
from bot.errors import describe
from bot.forms import Event, show, tell
from bot.menu_buttons import menu_button
from core import analytics, sync_status
from core.errors import DomainError
from core.sync_status import MarketplaceSync, Run
from core.unit_of_work import Effects
from core.users import User

LOCAL = ZoneInfo(analytics.DEFAULT_TIMEZONE)
MAX_ERROR = 200

router = admin_router(__name__)


def _outcome(status: str) -> str:
    return {"success": _("ok"), "partial": _("partly failed"), "error": _("failed")}.get(status, status)


def _what(sync_type: str) -> str:
    return {"stock": _("stock"), "orders": _("orders"), "prices": _("prices"), "reconcile": _("stock check")}.get(
        sync_type, sync_type
    )


def _run(run: Run | None) -> str:
    if run is None:
        return _("never")
    line = _("{when} ({what}), {outcome}, {processed} items").format(
        when=run.at.astimezone(LOCAL).strftime("%d.%m %H:%M"),
        what=_what(run.sync_type),
        outcome=_outcome(run.status),
        processed=run.processed,
    )
    if run.failed:
        line += _(", {failed} failed").format(failed=run.failed)
    return line


def _block(market: MarketplaceSync) -> str:
    lines = [
        f"🛒 {market.name} — " + (_("⏸ paused") if market.paused else _("▶️ syncing automatically")),
        _("⬇️ Last pull: {run}").format(run=_run(market.last_pull)),
        _("⬆️ Last push: {run}").format(run=_run(market.last_push)),
        _("⏳ Pending pushes: {count}").format(count=market.pending_pushes),
    ]
    if market.failing_listings:
        lines.append(_("❗ Listings in error: {count}").format(count=market.failing_listings))
    if market.last_error is not None:
        lines.append(
            _("❗ Last error ({when}): {error}").format(
                when=market.last_error.at.astimezone(LOCAL).strftime("%d.%m %H:%M"),
                # An FBS action's refusal is logged as the bot's tokens (core.fbs.refusal): worded here too.
                error=fbs_texts.refusal_text(market.last_error.error or "")[:MAX_ERROR],
            )
        )
    elif not market.failing_listings:
        lines.append(_("✅ No errors"))
    return "\n".join(lines)


def render(markets: list[MarketplaceSync]) -> tuple[str, InlineKeyboardMarkup]:
    def button(text: str, market: MarketplaceSync, callback: CallbackData) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=text.format(name=market.name), callback_data=callback.pack())

    rows = []
    for market in markets:
        marketplace_id = market.marketplace_id
        rows.append(
            [
                button(_("🔄 Run {name} now"), market, RunSyncNow(marketplace_id=marketplace_id)),
                button(_("▶️ Resume {name}"), market, PauseSync(marketplace_id=marketplace_id, paused=False))
                if market.paused
                else button(_("⏸ Pause {name}"), market, PauseSync(marketplace_id=marketplace_id, paused=True)),
            ]
        )
        rows.append([button(_("🔑 Check the {name} key"), market, CheckMarketplaceKey(marketplace_id=marketplace_id))])
    rows.append(
        [InlineKeyboardButton(text=_("🔃 Refresh"), callback_data=OpenScreen(screen=Screen.SYNC).pack()), menu_button()]
    )
    blocks = [_("🔄 Marketplace sync")]
    blocks += [_block(market) for market in markets] or [_("No API marketplace is connected.")]
    return "\n\n".join(blocks), InlineKeyboardMarkup(inline_keyboard=rows)


@router.message(Command("sync"))
@router.callback_query(OpenScreen.filter(F.screen == Screen.SYNC))
async def board(event: Event, pool: asyncpg.Pool, note: str = "") -> None:
    async with pool.acquire() as conn:
        text, markup = render(await sync_status.overview(conn))
    await show(event, f"{note}\n\n{text}".strip(), markup, answer=not note)


async def _noted(callback: CallbackQuery, pool: asyncpg.Pool, note: str) -> None:
    with contextlib.suppress(TelegramBadRequest):
        await callback.answer(note)
    await board(callback, pool, note)


@router.callback_query(RunSyncNow.filter())
async def run_now(
    callback: CallbackQuery, callback_data: RunSyncNow, pool: asyncpg.Pool, effects: Effects, admin: User
) -> None:
    try:
        async with pool.acquire() as conn, conn.transaction():
            asked = await sync_status.run_now(conn, effects, callback_data.marketplace_id, admin.id)
    except DomainError as error:
        await tell(callback, describe(error))
        return
    await _noted(
        callback,
        pool,
        _("✅ Sync requested: it starts in a few seconds.")
        if asked
        else _("⚠️ The request did not go through; the regular sync will run it soon."),
    )


@router.callback_query(PauseSync.filter())
async def pause(callback: CallbackQuery, callback_data: PauseSync, pool: asyncpg.Pool, admin: User) -> None:
    paused = callback_data.paused
    try:
        async with pool.acquire() as conn, conn.transaction():
            changed = await sync_status.set_paused(conn, callback_data.marketplace_id, paused, admin.id)
    except DomainError as error:
        await tell(callback, describe(error))
        return
    if not changed:
        note = _("Nothing to change: it already was so.")
    elif paused:
        note = _("⏸ Paused: stock is not sent there until you resume.")
    else:
        note = _("▶️ Resumed: stock is sent there again.")
    await _noted(callback, pool, note)
