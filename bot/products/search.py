"""/products: find a product by name, SKU or barcode and open its card."""

from __future__ import annotations

import asyncpg
from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.callbacks import OpenProduct, OpenScreen, Screen
from bot.forms import TYPED, Event, keyboard, nav_row, new_form_id, show
from bot.menu_buttons import menu_button
from bot.products.card import show_card
from bot.products.states import ProductForm
from bot.texts import money, product_name
from core import admin_products

router = admin_router(__name__)


@router.callback_query(OpenScreen.filter(F.screen == Screen.PRODUCTS))
async def ask(event: Event, state: FSMContext) -> None:
    form = new_form_id(Screen.PRODUCTS)
    await state.clear()
    await state.set_state(ProductForm.search)
    await state.set_data({"form": form})
    await show(event, _("🔍 Send the product's name, SKU or barcode."), keyboard(nav_row(form, back=False)))


@router.message(Command("products"))
async def command(message: Message, command: CommandObject, state: FSMContext, pool: asyncpg.Pool) -> None:
    if command.args:
        await state.clear()
        await results(message, pool, command.args)
    else:
        await ask(message, state)


@router.message(ProductForm.search, TYPED)
async def typed(message: Message, state: FSMContext, pool: asyncpg.Pool) -> None:
    await state.clear()
    await results(message, pool, message.text or "")


async def results(message: Message, pool: asyncpg.Pool, needle: str) -> None:
    async with pool.acquire() as conn:
        found = await admin_products.search(conn, needle)
    again = [
        InlineKeyboardButton(text=_("🔍 Search again"), callback_data=OpenScreen(screen=Screen.PRODUCTS).pack()),
        menu_button(),
    ]
    if not found:
        text = _("Nothing found for «{needle}».").format(needle=needle.strip()[:50])
        await message.answer(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=[again]))
        return
    exact = [row for row in found if row.exact]
    if len(exact) == 1:  # a typed or scanned SKU or barcode names one product: its card, not look-alikes
        await show_card(message, pool, exact[0].id)
        return
    rows = [
        [
            InlineKeyboardButton(
                text=_("{name} · {sku} · {available} left · {price}").format(
                    name=product_name(row), sku=row.sku, available=row.available, price=money(row.display_price)
                )
                + ("" if row.is_active else " · 💤"),
                callback_data=OpenProduct(product_id=row.id).pack(),
            )
        ]
        for row in found
    ]
    await message.answer(_("Found:"), reply_markup=InlineKeyboardMarkup(inline_keyboard=[*rows, again]))
