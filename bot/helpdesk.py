"""/help: what the bot can do and how to reach the seller: the shop's profile, as the admins wrote it with /shop."""

from __future__ import annotations

import asyncpg
from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.access import is_admin
from bot.texts import language
from core import shop
from core.settings import Settings
from core.users import User

router = Router(name=__name__)


@router.message(Command("help"))
async def show_help(message: Message, pool: asyncpg.Pool, settings: Settings, user: User | None = None) -> None:
    async with pool.acquire() as conn:
        profile = await shop.profile(conn)
    # The menu button is the Mini App's (set at start, bot.commands.publish) only when there is a Mini App.
    opening = (
        _("Tap the menu button to open the store.")
        if settings.mini_app_url
        else _("The store is not open yet. We will be back soon!")
    )
    lines = [f"{profile.name}: {opening}" if profile.name else opening]
    about = profile.about(language())
    if about:
        lines += ["", about]
    lines += ["", _("/orders — your latest orders"), _("/lang — change the language")]
    contact = [
        *([_("📞 Phone: {phone}").format(phone=profile.phone)] if profile.phone else []),
        *([_("🕘 Working hours: {hours}").format(hours=profile.hours)] if profile.hours else []),
    ]
    if contact:
        lines += ["", _("To reach the seller:"), *contact]
    if is_admin(user, settings):
        lines += [
            "",
            _("For admins: /admin opens the seller's menu; /shop edits what this message says."),
            _("/picklist — what to pick for confirmed marketplace orders; /handover — hand them to the courier."),
            _("/money — packaging, the payout fee and VAT that profit counts; /rate — exchange rates."),
            _("/delivery — delivery zones: fee, free delivery from a sum, delivery time."),
            _("/post SKU @channel — post a product with a Buy button in the shop's channel."),
            _("/synonyms — words that mean the same to the store's search."),
        ]
    await message.answer("\n".join(lines))
