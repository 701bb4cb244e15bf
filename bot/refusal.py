"""The polite refusal: what a non-admin gets for an admin command or button. Included after every other
router, so it only sees what the admin routers (filtered to admins) let fall through: every button that reaches
it is an admin's (customers' own buttons are taken before), or one that no longer parses."""

from __future__ import annotations

import contextlib

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.texts import refusal

ADMIN_COMMANDS = (
    "admin",
    "order",
    "products",
    "newproduct",
    "admins",
    "grant",
    "revoke",
    "report",
    "sync",
    "catalog",
    "export",
    "template",
    "channels",
    "alerts_here",
    "shop",
    "picklist",
    "handover",
    "rate",
    "money",
    "delivery",
    "post",
    "synonyms",
)

router = Router(name=__name__)


@router.message(Command(*ADMIN_COMMANDS))
async def refuse_message(message: Message) -> None:
    await message.answer(refusal())


@router.callback_query()
async def refuse_button(callback: CallbackQuery) -> None:
    with contextlib.suppress(TelegramBadRequest):
        await callback.answer(refusal(), show_alert=True)
