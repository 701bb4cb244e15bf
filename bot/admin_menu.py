"""/admin: the seller's menu of everything the bot does for admins; /cancel closes any open form."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.callbacks import OpenScreen, OrderList, Screen
from bot.forms import show

router = admin_router(__name__)


def menu_markup() -> InlineKeyboardMarkup:
    def item(text: str, screen: Screen) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=text, callback_data=OpenScreen(screen=screen).pack())

    orders = InlineKeyboardButton(text=_("🧾 Orders"), callback_data=OrderList().pack())
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [item(_("📝 New manual order"), Screen.MANUAL_ORDER)],
            [item(_("📦 Products and stock"), Screen.PRODUCTS), item(_("➕ New product"), Screen.NEW_PRODUCT)],
            [item(_("📥 Catalogue from a file"), Screen.CATALOG_FILE)],
            [orders, item(_("📊 Reports"), Screen.REPORTS)],
            [item(_("📋 Pick list"), Screen.PICK_LIST), item(_("🚚 Hand over"), Screen.HAND_OVER)],
            [item(_("🔄 Marketplace sync"), Screen.SYNC), item(_("🛒 Sales channels"), Screen.CHANNELS)],
            [item(_("🏪 Shop profile"), Screen.SHOP), item(_("👥 Admins"), Screen.ADMINS)],
        ]
    )


@router.message(Command("admin"))
@router.callback_query(OpenScreen.filter(F.screen == Screen.MENU))
async def open_menu(event: Message | CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await show(event, _("Seller menu. What shall we do?"), menu_markup())


@router.message(Command("cancel"))
async def cancel_form(message: Message, state: FSMContext) -> None:
    had_form = await state.get_state() is not None
    await state.clear()
    await message.answer(
        _("Cancelled; nothing was saved.") if had_form else _("There is nothing to cancel."), reply_markup=menu_markup()
    )
