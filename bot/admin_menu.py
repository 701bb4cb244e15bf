"""/admin: the seller's menu of everything the bot does for admins; /cancel closes any open form."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.callbacks import MenuCb, OrdersCb
from bot.forms import show

router = admin_router(__name__)


def menu_markup() -> InlineKeyboardMarkup:
    def item(text: str, name: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=text, callback_data=MenuCb(item=name).pack())

    orders = InlineKeyboardButton(text=_("🧾 Orders"), callback_data=OrdersCb().pack())
    return InlineKeyboardMarkup(inline_keyboard=[
        [item(_("📝 New manual order"), "order")],
        [item(_("📦 Products and stock"), "products"), item(_("➕ New product"), "newproduct")],
        [orders, item(_("📊 Reports"), "reports")],
        [item(_("🔄 Marketplace sync"), "sync"), item(_("👥 Admins"), "admins")],
    ])


@router.message(Command("admin"))
@router.callback_query(MenuCb.filter(F.item == "main"))
async def open_menu(event: Message | CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await show(event, _("Seller menu. What shall we do?"), menu_markup())


@router.message(Command("cancel"))
async def cancel_form(message: Message, state: FSMContext) -> None:
    had_form = await state.get_state() is not None
    await state.clear()
    await message.answer(_("Cancelled; nothing was saved.") if had_form else _("There is nothing to cancel."),
                         reply_markup=menu_markup())
