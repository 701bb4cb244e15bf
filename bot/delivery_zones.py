"""/delivery: the own store's delivery zones an admin keeps (a name in uz and ru, the fee, the order subtotal from
which delivery is free, the delivery time customers read), shown on the product page and chosen at checkout.
A value out of its range gets a polite reply and writes nothing. The rules are core.delivery's."""

from __future__ import annotations

from decimal import Decimal

import asyncpg
from aiogram import F
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.callbacks import (
    AddDeliveryZone,
    ClearDeliveryZone,
    EditDeliveryZone,
    OpenDeliveryZone,
    OpenScreen,
    Screen,
    SwitchDeliveryZone,
)
from bot.forms import TYPED, Event, show
from bot.menu_buttons import menu_button
from bot.texts import language, money_in, parse_amount
from core import delivery, rates
from core.delivery import AMOUNTS, OPTIONAL, Zone, ZoneField
from core.errors import ValidationError
from core.unit_of_work import Effects
from core.users import User

router = admin_router(__name__)


class DeliveryForm(StatesGroup):
    # A new zone: its names, then its fee (the rest is edited on the zone's screen).
    name_uz = State()
    name_ru = State()
    fee = State()
    # One field of a zone.
    value = State()


def _label(field: ZoneField) -> str:
    return {
        ZoneField.NAME_UZ: _("Name (uz)"),
        ZoneField.NAME_RU: _("Name (ru)"),
        ZoneField.FEE: _("Delivery fee"),
        ZoneField.FREE_FROM: _("Free delivery from"),
        ZoneField.TIME_UZ: _("Delivery time (uz)"),
        ZoneField.TIME_RU: _("Delivery time (ru)"),
    }[field]


def _hint(field: ZoneField, base: str) -> str:
    return {
        ZoneField.NAME_UZ: _("Send the zone's name in Uzbek, like: Toshkent shahri."),
        ZoneField.NAME_RU: _("Send the zone's name in Russian, like: город Ташкент."),
        ZoneField.FEE: _("Send the delivery fee in {base}, like 20 000; 0 is free delivery."),
        ZoneField.FREE_FROM: _("Send the order sum in {base} from which delivery is free, like 300 000."),
        ZoneField.TIME_UZ: _("Send the delivery time in Uzbek, like: 1–2 kun."),
        ZoneField.TIME_RU: _("Send the delivery time in Russian, like: 1–2 дня."),
    }[field].format(base=base)


def _refusal(field: ZoneField) -> str:
    return {
        ZoneField.NAME_UZ: _("The name takes 1 to 100 characters."),
        ZoneField.NAME_RU: _("The name takes 1 to 100 characters."),
        ZoneField.FEE: _("The fee must be an amount from 0 to 999 999 999 with at most two decimals."),
        ZoneField.FREE_FROM: _(
            "The free-delivery sum must be an amount above 0 and up to 999 999 999 with at most two decimals."
        ),
        ZoneField.TIME_UZ: _("The delivery time takes 1 to 200 characters."),
        ZoneField.TIME_RU: _("The delivery time takes 1 to 200 characters."),
    }[field]


def _value(zone: Zone, field: ZoneField, base: str) -> str:
    value = getattr(zone, field.value)
    if value is None:
        return _("none")
    return money_in(value, base) if field in AMOUNTS else str(value)


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def _terms(zone: Zone, base: str) -> str:
    """One line of the list: fee, threshold and time, as customers will read them."""
    fee = money_in(zone.fee, base) if zone.fee > 0 else _("free")
    parts = [f"{zone.name(language())} — {fee}"]
    if zone.free_from is not None and zone.fee > 0:
        parts.append(_("free from {amount}").format(amount=money_in(zone.free_from, base)))
    if time := zone.delivery_time(language()):
        parts.append(time)
    line = ", ".join(parts)
    return line if zone.is_active else line + " " + _("(switched off)")


async def _show_list(event: Event, pool: asyncpg.Pool, note: str | None = None) -> None:
    async with pool.acquire() as conn:
        zones = await delivery.zones(conn, active_only=False)
        base = await rates.base_currency(conn)
    lines = [note, ""] if note else []
    lines.append(_("🚚 Delivery zones: customers see them on the product page and choose one at checkout."))
    if zones:
        lines += [f"• {_terms(zone, base)}" for zone in zones]
    else:
        lines.append(_("No zones yet: orders carry no delivery fee and the store states no delivery terms."))
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            *([_button("📍 " + zone.name(language()), OpenDeliveryZone(zone_id=zone.id))] for zone in zones),
            [_button(_("➕ Add a zone"), AddDeliveryZone())],
            [menu_button()],
        ]
    )
    await show(event, "\n".join(lines), markup)


async def _show_zone(event: Event, pool: asyncpg.Pool, zone_id: int, note: str | None = None) -> None:
    async with pool.acquire() as conn:
        zone = await delivery.zone(conn, zone_id)
        base = await rates.base_currency(conn)
    lines = [note, ""] if note else []
    state = _("customers can choose it") if zone.is_active else _("zone switched off")
    lines.append(f"📍 {zone.name(language())} ({state})")
    lines += [f"{_label(field)}: {_value(zone, field, base)}" for field in ZoneField]
    switch = (
        _button(_("⛔ Switch off"), SwitchDeliveryZone(zone_id=zone.id, on=False))
        if zone.is_active
        else _button(_("✅ Switch on"), SwitchDeliveryZone(zone_id=zone.id, on=True))
    )
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            *([_button("✏️ " + _label(field), EditDeliveryZone(zone_id=zone.id, field=field))] for field in ZoneField),
            [switch],
            [_button(_("⬅️ Delivery zones"), OpenScreen(screen=Screen.DELIVERY))],
        ]
    )
    await show(event, "\n".join(lines), markup)


@router.message(Command("delivery"))
@router.callback_query(OpenScreen.filter(F.screen == Screen.DELIVERY))
async def opened(event: Message | CallbackQuery, state: FSMContext, pool: asyncpg.Pool) -> None:
    await state.clear()
    await _show_list(event, pool)


@router.callback_query(OpenDeliveryZone.filter())
async def zone_opened(
    callback: CallbackQuery, callback_data: OpenDeliveryZone, state: FSMContext, pool: asyncpg.Pool
) -> None:
    await state.clear()
    await _show_zone(callback, pool, callback_data.zone_id)


# --- a new zone ------------------------------------------------------------------------------------------

_NEW_STEPS = {
    DeliveryForm.name_uz.state: (ZoneField.NAME_UZ, DeliveryForm.name_ru),
    DeliveryForm.name_ru.state: (ZoneField.NAME_RU, DeliveryForm.fee),
    DeliveryForm.fee.state: (ZoneField.FEE, None),
}


def _back_to_list() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_button(_("⬅️ Delivery zones"), OpenScreen(screen=Screen.DELIVERY))]])


@router.callback_query(AddDeliveryZone.filter())
async def add_started(callback: CallbackQuery, state: FSMContext, pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        base = await rates.base_currency(conn)
    await state.set_state(DeliveryForm.name_uz)
    await state.set_data({})
    await show(callback, _("➕ New delivery zone.") + "\n\n" + _hint(ZoneField.NAME_UZ, base), _back_to_list())


def _typed_value(field: ZoneField, text: str) -> str | Decimal | None:
    """The admin's text as the field's value: an amount parsed (None when it is not one), a text as typed."""
    return parse_amount(text) if field in AMOUNTS else text


@router.message(DeliveryForm.name_uz, TYPED)
@router.message(DeliveryForm.name_ru, TYPED)
@router.message(DeliveryForm.fee, TYPED)
async def add_step(
    message: Message, state: FSMContext, pool: asyncpg.Pool, effects: Effects, admin: User, raw_state: str
) -> None:
    field, next_state = _NEW_STEPS[raw_state]
    async with pool.acquire() as conn:
        base = await rates.base_currency(conn)
    try:
        value = _typed_value(field, message.text or "")
        if value is None:
            raise ValidationError("not an amount", field.value)
        checked = delivery.check(field, value)
    except ValidationError:
        await show(message, "⚠️ " + _refusal(field) + "\n\n" + _hint(field, base), _back_to_list())
        return
    if next_state is not None:
        await state.update_data({field.value: str(checked)})
        await state.set_state(next_state)
        following = _NEW_STEPS[next_state.state][0]
        await show(message, _hint(following, base), _back_to_list())
        return
    draft = await state.get_data()
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        zone = await delivery.add(
            uow, draft[ZoneField.NAME_UZ], draft[ZoneField.NAME_RU], Decimal(str(checked)), admin.id
        )
    await state.clear()
    await _show_zone(message, pool, zone.id, _("✅ Zone added. Set its free-delivery sum and delivery time below."))


# --- one field of a zone ---------------------------------------------------------------------------------


def _asking_markup(zone_id: int, field: ZoneField) -> InlineKeyboardMarkup:
    rows = [[_button(_("⬅️ Back to the zone"), OpenDeliveryZone(zone_id=zone_id))]]
    if field in OPTIONAL:
        rows.insert(0, [_button(_("🗑 Clear it"), ClearDeliveryZone(zone_id=zone_id, field=field))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


@router.callback_query(EditDeliveryZone.filter())
async def ask(callback: CallbackQuery, callback_data: EditDeliveryZone, state: FSMContext, pool: asyncpg.Pool) -> None:
    field = callback_data.field
    async with pool.acquire() as conn:
        zone = await delivery.zone(conn, callback_data.zone_id)
        base = await rates.base_currency(conn)
    await state.set_state(DeliveryForm.value)
    await state.set_data({"zone_id": zone.id, "field": field.value})
    text = _("{what} now: {value}").format(what=_label(field), value=_value(zone, field, base))
    await show(callback, text + "\n\n" + _hint(field, base), _asking_markup(zone.id, field))


async def _save(
    event: Event,
    pool: asyncpg.Pool,
    effects: Effects,
    admin: User,
    zone_id: int,
    field: ZoneField,
    value: str | Decimal | None,
) -> bool:
    try:
        async with pool.acquire() as conn, effects.transaction(conn) as uow:
            await delivery.set_field(uow, zone_id, field, value, admin.id)
    except ValidationError:
        text = "⚠️ " + _refusal(field) + "\n\n" + _("Send it again, or go back.")
        await show(event, text, _asking_markup(zone_id, field))
        return False
    return True


@router.message(DeliveryForm.value, TYPED)
async def typed(message: Message, state: FSMContext, pool: asyncpg.Pool, effects: Effects, admin: User) -> None:
    draft = await state.get_data()
    zone_id, field = int(draft["zone_id"]), ZoneField(draft["field"])
    value = _typed_value(field, message.text or "")
    if value is None:  # not an amount: refused as one out of range
        value = Decimal("NaN")
    if await _save(message, pool, effects, admin, zone_id, field, value):
        await state.clear()
        await _show_zone(message, pool, zone_id, _("✅ Saved."))


@router.callback_query(ClearDeliveryZone.filter())
async def cleared(
    callback: CallbackQuery,
    callback_data: ClearDeliveryZone,
    state: FSMContext,
    pool: asyncpg.Pool,
    effects: Effects,
    admin: User,
) -> None:
    if await _save(callback, pool, effects, admin, callback_data.zone_id, callback_data.field, None):
        await state.clear()
        await _show_zone(callback, pool, callback_data.zone_id, _("✅ Saved."))


@router.callback_query(SwitchDeliveryZone.filter())
async def switched(
    callback: CallbackQuery,
    callback_data: SwitchDeliveryZone,
    state: FSMContext,
    pool: asyncpg.Pool,
    effects: Effects,
    admin: User,
) -> None:
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        zone = await delivery.switch(uow, callback_data.zone_id, callback_data.on, admin.id)
    await state.clear()
    if zone.is_active:
        note = _("✅ Switched on: customers can choose it.")
    else:
        note = _("⛔ Switched off: customers no longer see it.")
    await _show_zone(callback, pool, zone.id, note)
