"""A product's listings on the API marketplaces: map one by its platform keys (a small form asking the keys each
platform declares in core.listings: Wildberries chrtId, Uzum skuId and barcode, Ozon offer_id and product_id), or
unmap it. Both audited by core."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiogram import F
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.callbacks import (
    AskToUnmapListing,
    FormAction,
    FormButton,
    MapListing,
    OpenListings,
    OpenProduct,
    Screen,
    UnmapListing,
)
from bot.errors import describe
from bot.forms import TYPED, CurrentForm, Event, keyboard, nav_row, new_form_id, show, tell
from bot.menu_buttons import menu_button
from bot.products.states import ProductForm
from bot.texts import language, product_name, sync_label
from core import sync_status
from core.errors import DomainError, NotFound, ValidationError
from core.listings import PLATFORMS, KeySpec
from core.sync_status import ListingTaken
from core.users import User

router = admin_router(__name__)


def _button(text: str, callback: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=callback.pack())


def _asked(api_type: str) -> tuple[KeySpec, ...]:
    return PLATFORMS[api_type].asked()


def _question(spec: KeySpec, channel: str) -> str:
    return _("{channel}: {key}?").format(channel=channel, key=spec.ask[language()])


def _invalid(spec: KeySpec) -> str:
    return _("Send a whole number, like 123456.") if spec.kind == "integer" else _("Up to 100 characters, please.")


def _problem(error: DomainError) -> str:
    if isinstance(error, ListingTaken):
        return _("This listing is already mapped to {sku}: unmap it there first.").format(sku=error.owner_sku)
    if isinstance(error, ValidationError) and error.field == "keys":
        return _("This listing is already mapped to another product: unmap it there first.")
    return describe(error)


async def show_listings(event: Event, pool: asyncpg.Pool, product_id: int, note: str = "") -> None:
    try:
        async with pool.acquire() as conn:
            product, rows = await sync_status.product_listings(conn, product_id)
    except NotFound as error:
        await tell(event, describe(error))
        return
    lines = [_("🔗 «{name}» ({sku}) on the marketplaces:").format(name=product_name(product), sku=product.sku)]
    buttons = []
    for row in rows:
        if row.marketplace_product_id is None:
            lines.append(_("• {channel}: not mapped").format(channel=row.channel))
            buttons.append(
                [
                    _button(
                        _("🔗 Map on {channel}").format(channel=row.channel),
                        MapListing(product_id=product_id, marketplace_id=row.marketplace_id),
                    )
                ]
            )
        else:
            lines.append(
                _("• {channel}: listing {listing}, sync: {sync}").format(
                    channel=row.channel, listing=row.marketplace_product_id, sync=sync_label(row.sync_status)
                )
            )
            buttons.append(
                [
                    _button(
                        _("✂️ Unmap from {channel}").format(channel=row.channel),
                        AskToUnmapListing(product_id=product_id, marketplace_id=row.marketplace_id),
                    )
                ]
            )
    if not rows:
        lines.append(_("No API marketplace is connected."))
    buttons.append([_button(_("⬅️ Back to the card"), OpenProduct(product_id=product_id)), menu_button()])
    text = "\n".join(lines)
    await show(event, f"{note}\n\n{text}".strip(), InlineKeyboardMarkup(inline_keyboard=buttons))


@router.callback_query(OpenListings.filter())
async def open_listings(
    callback: CallbackQuery, callback_data: OpenListings, state: FSMContext, pool: asyncpg.Pool
) -> None:
    await state.clear()
    await show_listings(callback, pool, callback_data.product_id)


@router.callback_query(MapListing.filter())
async def start_map(callback: CallbackQuery, callback_data: MapListing, state: FSMContext, pool: asyncpg.Pool) -> None:
    try:
        async with pool.acquire() as conn:
            channel = await sync_status.api_channel(conn, callback_data.marketplace_id)
    except DomainError as error:
        await tell(callback, describe(error))
        return
    if channel.api_type not in PLATFORMS:
        await tell(callback, _("I cannot map listings of {channel} yet.").format(channel=channel.name))
        return
    await state.set_state(ProductForm.listing_key)
    await state.set_data(
        {
            "form": new_form_id(Screen.PRODUCTS),
            "product_id": callback_data.product_id,
            "marketplace_id": channel.id,
            "channel": channel.name,
            "api_type": channel.api_type,
            "keys": {},
        }
    )
    await _ask(callback, await state.get_data())


async def _ask(event: Event, draft: dict[str, Any], note: str = "") -> None:
    text = _question(_asked(draft["api_type"])[len(draft["keys"])], draft["channel"])
    await show(event, f"{note}\n\n{text}".strip(), keyboard(nav_row(draft["form"])))


@router.message(ProductForm.listing_key, TYPED)
async def key_typed(message: Message, state: FSMContext, pool: asyncpg.Pool, admin: User) -> None:
    draft = await state.get_data()
    needed = _asked(draft["api_type"])
    spec = needed[len(draft["keys"])]
    try:
        value = spec.check(message.text or "")
    except ValidationError:
        await _ask(message, draft, "⚠️ " + _invalid(spec))
        return
    draft = await state.update_data(keys={**draft["keys"], spec.name: value})
    if len(draft["keys"]) < len(needed):
        await _ask(message, draft)
        return
    try:
        async with pool.acquire() as conn, conn.transaction():
            await sync_status.map_listing(
                conn,
                draft["product_id"],
                draft["marketplace_id"],
                PLATFORMS[draft["api_type"]].parse(draft["keys"]),
                admin.id,
            )
    except DomainError as error:  # e.g. the listing is another product's: ask the keys again
        draft = await state.update_data(keys={})
        await _ask(message, draft, "⚠️ " + _problem(error))
        return
    await state.clear()
    await show_listings(
        message,
        pool,
        draft["product_id"],
        _("✅ Mapped on {channel}: it gets our stock with the next push.").format(channel=draft["channel"]),
    )


@router.callback_query(ProductForm.listing_key, FormButton.filter(F.action == FormAction.BACK), CurrentForm())
async def back(callback: CallbackQuery, state: FSMContext, pool: asyncpg.Pool, draft: dict[str, Any]) -> None:
    """One key back; from the first key, back to the listings."""
    if not draft["keys"]:
        await state.clear()
        await show_listings(callback, pool, draft["product_id"])
        return
    keys = dict(draft["keys"])
    keys.pop(_asked(draft["api_type"])[len(keys) - 1].name)
    await _ask(callback, await state.update_data(keys=keys))


@router.callback_query(AskToUnmapListing.filter())
async def ask_unmap(callback: CallbackQuery, callback_data: AskToUnmapListing) -> None:
    """Unmapping stops our stock reaching that listing: worth one more tap."""
    yes = UnmapListing(product_id=callback_data.product_id, marketplace_id=callback_data.marketplace_id)
    await show(
        callback,
        _("Unmap this listing? Our stock is no longer sent to it."),
        InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    _button(_("Yes, unmap it"), yes),
                    _button(_("No, keep it"), OpenListings(product_id=callback_data.product_id)),
                ]
            ]
        ),
    )


@router.callback_query(UnmapListing.filter())
async def unmap(callback: CallbackQuery, callback_data: UnmapListing, pool: asyncpg.Pool, admin: User) -> None:
    try:
        async with pool.acquire() as conn, conn.transaction():
            removed = await sync_status.unmap_listing(
                conn, callback_data.product_id, callback_data.marketplace_id, admin.id
            )
    except DomainError as error:
        await tell(callback, describe(error))
        return
    note = _("✅ Unmapped.") if removed else _("Nothing to change: it was not mapped there.")
    await show_listings(callback, pool, callback_data.product_id, note)
