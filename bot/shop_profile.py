"""/shop: the shop's profile an admin edits (name, phone, working hours, about texts in uz and ru), which /help
and the Mini App show to customers. The rules are core.shop's."""

from __future__ import annotations

import asyncpg
from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.callbacks import ClearShopProfile, EditShopProfile, OpenScreen, Screen
from bot.errors import describe
from bot.forms import TYPED, Event, show
from bot.menu_buttons import menu_button
from core import shop
from core.errors import DomainError
from core.shop import ProfileField
from core.unit_of_work import Effects
from core.users import User

router = admin_router(__name__)


class ShopForm(StatesGroup):
    value = State()


def _label(field: ProfileField) -> str:
    return {
        ProfileField.NAME: _("Name"),
        ProfileField.PHONE: _("Phone"),
        ProfileField.HOURS: _("Working hours"),
        ProfileField.ABOUT_UZ: _("About the shop (uz)"),
        ProfileField.ABOUT_RU: _("About the shop (ru)"),
    }[field]


def _button(text: str, data: EditShopProfile | ClearShopProfile | OpenScreen) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


async def _show_profile(event: Event, pool: asyncpg.Pool, note: str | None = None) -> None:
    async with pool.acquire() as conn:
        profile = await shop.profile(conn)
    lines = [note, ""] if note else []
    lines.append(_("🏪 Shop profile: customers see it in /help and in the store."))
    lines += [f"{_label(field)}: {getattr(profile, field.value) or '—'}" for field in ProfileField]
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            *([_button("✏️ " + _label(field), EditShopProfile(field=field))] for field in ProfileField),
            [menu_button()],
        ]
    )
    await show(event, "\n".join(lines), markup)


@router.message(Command("shop"))
@router.callback_query(OpenScreen.filter(F.screen == Screen.SHOP))
async def opened(event: Message | CallbackQuery, state: FSMContext, pool: asyncpg.Pool) -> None:
    await state.clear()
    await _show_profile(event, pool)


def _asking_markup(field: ProfileField) -> InlineKeyboardMarkup:
    rows = [[_button(_("⬅️ Shop profile"), OpenScreen(screen=Screen.SHOP))]]
    if field is not ProfileField.NAME:  # a shop always has a name
        rows.insert(0, [_button(_("🗑 Clear it"), ClearShopProfile(field=field))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


@router.callback_query(EditShopProfile.filter())
async def ask(callback: CallbackQuery, callback_data: EditShopProfile, state: FSMContext, pool: asyncpg.Pool) -> None:
    field = callback_data.field
    async with pool.acquire() as conn:
        now = getattr(await shop.profile(conn), field.value)
    await state.set_state(ShopForm.value)
    await state.set_data({"field": field.value})
    hint = {
        ProfileField.PHONE: _("Send the phone customers call, like +998 90 123 45 67."),
        ProfileField.HOURS: _("Send the working hours, like: Mon–Sat 9:00–20:00."),
        ProfileField.ABOUT_UZ: _("Send a few words about the shop in Uzbek."),
        ProfileField.ABOUT_RU: _("Send a few words about the shop in Russian."),
    }.get(field, _("Send the shop's name."))
    text = _("{what} now: {value}").format(what=_label(field), value=now or "—") + "\n\n" + hint
    await show(callback, text, _asking_markup(field))


async def _save(
    event: Event, pool: asyncpg.Pool, effects: Effects, admin: User, field: ProfileField, value: str | None
) -> bool:
    try:
        async with pool.acquire() as conn, effects.transaction(conn) as uow:
            await shop.set_profile_field(uow, field, value, admin.id)
    except DomainError as error:
        await show(event, "⚠️ " + describe(error) + "\n\n" + _("Send it again, or go back."), _asking_markup(field))
        return False
    return True


@router.message(ShopForm.value, TYPED)
async def typed(message: Message, state: FSMContext, pool: asyncpg.Pool, effects: Effects, admin: User) -> None:
    field = ProfileField((await state.get_data())["field"])
    if await _save(message, pool, effects, admin, field, message.text):
        await state.clear()
        await _show_profile(message, pool, _("✅ Saved."))


@router.callback_query(ClearShopProfile.filter())
async def cleared(
    callback: CallbackQuery,
    callback_data: ClearShopProfile,
    state: FSMContext,
    pool: asyncpg.Pool,
    effects: Effects,
    admin: User,
) -> None:
    if await _save(callback, pool, effects, admin, callback_data.field, None):
        await state.clear()
        await _show_profile(callback, pool, _("✅ Saved."))
