"""The product card: stock, our prices, every channel's listing, and the buttons that act on them."""

from __future__ import annotations

import contextlib

import asyncpg
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.callbacks import (
    AdjustStock,
    ChangePhotos,
    CountStock,
    EditPrice,
    ExplainMarketplacePrice,
    OpenListings,
    OpenProduct,
    OpenScreen,
    PriceField,
    Screen,
    SetOnSale,
)
from bot.errors import describe
from bot.forms import Event, show, tell
from bot.menu_buttons import menu_button
from bot.texts import money, number, product_name, sync_label
from core import admin_products
from core.admin_products import Listing, ProductCard
from core.errors import DomainError
from core.unit_of_work import Effects
from core.users import User

router = admin_router(__name__)


def _button(text: str, callback: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=callback.pack())


def _visibility(card: ProductCard) -> str:
    product = card.product
    if product.is_active:
        return _("on sale")
    if product.inactive_reason == "admin":
        return _("switched off by an admin")
    return _("hidden until stock arrives")


def _listing_line(listing: Listing) -> str:
    kind = listing.integration_type
    price = money(listing.marketplace_price) if listing.marketplace_price is not None else "—"
    if kind == "api":
        price = _("{price} (theirs, read-only)").format(price=price)
    line = _("• {channel}: SKU {sku}, their stock {stock}, price {price}, sync: {sync}").format(
        channel=listing.channel,
        sku=listing.marketplace_sku or listing.marketplace_product_id,
        stock=listing.marketplace_stock,
        price=price,
        sync=sync_label(listing.sync_status),
    )
    if listing.sync_error:
        line += f" ({listing.sync_error[:80]})"
    return line


def render(card: ProductCard) -> tuple[str, InlineKeyboardMarkup]:
    product = card.product
    names = product.name_uz + (f" / {product.name_ru}" if product.name_ru else "")
    category = product_name(card.category) if card.category else "—"
    profitability = f"{number(product.profitability_percentage)}%" if product.profitability_percentage else "—"
    lines = [
        f"📦 {names}",
        _("SKU: {sku} · barcode: {barcode}").format(sku=product.sku, barcode=product.barcode or "—"),
        _("Category: {category}").format(category=category),
        _("Stock: on hand {quantity} · reserved {reserved} · available {available} (low at {threshold})").format(
            quantity=product.quantity,
            reserved=product.reserved,
            available=product.available,
            threshold=card.low_stock_threshold,
        ),
        _("Our price: {price} · sale price: {sale} · cost: {cost} · profitability: {profitability}").format(
            price=money(product.price),
            sale=money(product.sale_price),
            cost=money(product.cost_price),
            profitability=profitability,
        ),
        _("Own store: {visibility}").format(visibility=_visibility(card)),
        _("Channels:"),
        *([_listing_line(listing) for listing in card.listings] or [_("• not listed on any marketplace")]),
    ]
    lines.append(_("🖼 Photos: {count}").format(count=card.photo_count))
    product_id = product.id
    locked = [
        _button(
            _("🔒 {channel} price").format(channel=listing.channel),
            ExplainMarketplacePrice(product_id=product_id, marketplace_id=listing.marketplace_id),
        )
        for listing in card.listings
        if listing.integration_type == "api"
    ]
    switch = (
        _button(_("🚫 Take off sale"), SetOnSale(product_id=product_id, on_sale=False))
        if product.inactive_reason != "admin"
        else _button(_("✅ Put on sale"), SetOnSale(product_id=product_id, on_sale=True))
    )
    rows = [
        [
            _button(_("➕➖ Adjust stock"), AdjustStock(product_id=product_id)),
            _button(_("🔢 Counted stock"), CountStock(product_id=product_id)),
        ],
        [
            _button(_("💰 Price"), EditPrice(product_id=product_id, field=PriceField.PRICE)),
            _button(_("🏷 Sale price"), EditPrice(product_id=product_id, field=PriceField.SALE_PRICE)),
            _button(_("📉 Cost"), EditPrice(product_id=product_id, field=PriceField.COST_PRICE)),
        ],
        *[locked[index : index + 2] for index in range(0, len(locked), 2)],
        [switch, _button(_("🔗 Marketplace listings"), OpenListings(product_id=product_id))],
        [_button(_("🖼 Change photos"), ChangePhotos(product_id=product_id))],
        [
            _button(_("🔄 Refresh"), OpenProduct(product_id=product_id)),
            _button(_("🔍 Search"), OpenScreen(screen=Screen.PRODUCTS)),
            menu_button(),
        ],
    ]
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


async def load(pool: asyncpg.Pool, product_id: int) -> tuple[str, InlineKeyboardMarkup]:
    async with pool.acquire() as conn:
        return render(await admin_products.card(conn, product_id))


async def send_card(bot: Bot, chat_id: int, pool: asyncpg.Pool, product_id: int, note: str = "") -> None:
    text, markup = await load(pool, product_id)
    await bot.send_message(chat_id, f"{note}\n\n{text}".strip(), reply_markup=markup)


def in_private(callback: CallbackQuery) -> bool:
    return isinstance(callback.message, Message) and callback.message.chat.type == "private"


@router.callback_query(OpenProduct.filter())
async def open_card(callback: CallbackQuery, callback_data: OpenProduct, pool: asyncpg.Pool, bot: Bot) -> None:
    """From the alert group the card goes to the admin's private chat: forms cannot run in a group."""
    try:
        if in_private(callback):
            text, markup = await load(pool, callback_data.product_id)
            await show(callback, text, markup)
        else:
            await send_card(bot, callback.from_user.id, pool, callback_data.product_id)
            with contextlib.suppress(TelegramBadRequest):
                await callback.answer(_("I sent the card to our private chat."))
    except DomainError as error:
        await tell(callback, describe(error))


async def show_card(event: Event, pool: asyncpg.Pool, product_id: int, note: str = "") -> None:
    text, markup = await load(pool, product_id)
    await show(event, f"{note}\n\n{text}".strip(), markup)


@router.callback_query(ExplainMarketplacePrice.filter())
async def read_only_price(callback: CallbackQuery, callback_data: ExplainMarketplacePrice, pool: asyncpg.Pool) -> None:
    try:
        async with pool.acquire() as conn:
            listing = await admin_products.listing(conn, callback_data.product_id, callback_data.marketplace_id)
    except DomainError as error:
        await tell(callback, describe(error))
        return
    price = money(listing.marketplace_price) if listing.marketplace_price is not None else "—"
    await tell(
        callback,
        _(
            "{channel} sets this price itself ({price}). We only show it here: change it in {channel}'s seller cabinet."
        ).format(channel=listing.channel, price=price),
    )


@router.callback_query(SetOnSale.filter())
async def switch(
    callback: CallbackQuery, callback_data: SetOnSale, pool: asyncpg.Pool, effects: Effects, admin: User
) -> None:
    wanted = callback_data.on_sale
    try:
        async with pool.acquire() as conn, effects.transaction(conn) as uow:
            visible = await admin_products.set_active(uow, callback_data.product_id, wanted, admin.id)
    except DomainError as error:
        await tell(callback, describe(error))
        return
    if not wanted:
        note = _("Taken off sale in the store.")
    elif visible:
        note = _("On sale in the store now.")
    else:
        note = _("Switched on: it shows itself in the store when stock arrives.")
    await show_card(callback, pool, callback_data.product_id, note)
