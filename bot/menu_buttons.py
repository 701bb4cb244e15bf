"""The way back to the admin menu, shared by every admin screen."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _

from bot.callbacks import OpenScreen


def menu_button(text: str | None = None, callback: CallbackData | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text or _("🏠 Menu"), callback_data=(callback or OpenScreen()).pack())
