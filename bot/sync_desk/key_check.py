"""The /sync board's 🔑 button: the marketplace's word on its key (whose it is, the warehouses or shops it sees,
until when it works) or its refusal. The bot cannot call a marketplace: it asks the sync over Redis."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import asyncpg
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from redis.asyncio import Redis

from bot.access import admin_router
from bot.callbacks import CheckMarketplaceKey, OpenScreen, Screen
from bot.forms import show, tell
from core import analytics, key_checks, sync_status, unreadable_keys
from core.key_checks import Answer, KeyCheck

LOCAL = ZoneInfo(analytics.DEFAULT_TIMEZONE)
# The sync retries a slow platform once: this covers two calls' timeouts, not its minutes of patience.
WAIT_SECONDS = 40.0
MAX_REASON = 300

router = admin_router(__name__)


def _places(check: KeyCheck) -> list[str]:
    if not check.places:
        return [_("🏬 It sees no warehouse or shop.")]
    lines = [_("🏬 Warehouses and shops it sees:")]
    # Ids, names and notes are the marketplace's own (WB's deliveryType, Ozon's warehouse status).
    lines += ["• " + " · ".join(part for part in (place.id, place.name, place.note) if part) for place in check.places]
    return lines


def _expiry(check: KeyCheck) -> str:
    if check.expires_at is None:
        return _("⌛ Valid until: the marketplace does not say.")
    days = max(0, (check.expires_at - datetime.now(UTC)).days)
    return ngettext(
        "⌛ Valid until {date} ({days} day left).", "⌛ Valid until {date} ({days} days left).", days
    ).format(date=check.expires_at.astimezone(LOCAL).strftime("%d.%m.%Y"), days=days)


def reason(refused: str) -> str:
    """The sync's refusal as the reader reads it: ours in words of the reader's language, the platform's as it is."""
    if refused == unreadable_keys.REFUSED:
        return _(
            "its saved keys do not open with this SECRET_KEY: enter its keys again or restore the previous SECRET_KEY"
        )
    return refused[:MAX_REASON]


def render(name: str, answer: Answer | None) -> str:
    if answer is None:
        return _(
            "⚠️ No answer about the {name} key: the sync is not running or the marketplace is slow. "
            "Try again in a minute."
        ).format(name=name)
    if answer.check is None:
        return _("❌ {name} did not accept the key check:\n{reason}").format(
            name=name, reason=reason(answer.refused or "")
        )
    account = answer.check.account
    lines = [
        _("🔑 {name}: the key works.").format(name=name),
        _("👤 Account: {account}").format(account=account)
        if account
        else _("👤 Account: the marketplace does not name it."),
        _expiry(answer.check),
        *_places(answer.check),
    ]
    return "\n".join(lines)


@router.callback_query(CheckMarketplaceKey.filter())
async def check(callback: CallbackQuery, callback_data: CheckMarketplaceKey, pool: asyncpg.Pool, redis: Redis) -> None:
    async with pool.acquire() as conn:
        markets = await sync_status.overview(conn)
    market = next((m for m in markets if m.marketplace_id == callback_data.marketplace_id), None)
    if market is None:
        await tell(callback, _("Not found: it may have been deleted meanwhile."))
        return
    with contextlib.suppress(TelegramBadRequest):  # a toast now: the answer may take seconds
        await callback.answer(_("⏳ Asking {name} about the key…").format(name=market.name))
    answer = await key_checks.ask(redis, market.marketplace_id, WAIT_SECONDS)
    back = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("⬅️ Back"), callback_data=OpenScreen(screen=Screen.SYNC).pack())]]
    )
    await show(callback, render(market.name, answer), back, answer=False)
