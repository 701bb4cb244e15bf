"""/rate: the exchange rates of the currencies in use to the shop's base currency, and an admin's own rate —
"RUB 142.50" for today at once, "RUB 142.50 01.12.2026" for that day only or from that day on (two buttons).
A message that is not a rate gets a polite reply and writes nothing. The rules are core.rates'."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import asyncpg
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.callbacks import SetRate
from bot.forms import TYPED, Event, show
from bot.menu_buttons import menu_button
from core import rates
from core.errors import ValidationError
from core.unit_of_work import Effects
from core.users import User

router = admin_router(__name__)

# "RUB 142.50", "rub 142,5", "USD 12 050.00 01.12.2026": letters, an amount (spaces between thousands), a day.
_TYPED_RATE = re.compile(
    r"^\s*([A-Za-z]{3})\s+([0-9][0-9\s\u00a0]*(?:[.,][0-9]+)?)(?:\s+(\d{1,2}\.\d{1,2}\.\d{4}))?\s*$"
)
PLACES = 8  # exchange_rates.rate keeps eight decimals


class RateForm(StatesGroup):
    typed = State()


class Refused(Exception):
    """What the admin typed is not a rate; the message says why, in the admin's language."""


def _day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def _rate_text(rate: Decimal) -> str:
    """152.34000000 -> '152.34', 142.5 -> '142.50', 12050 -> '12 050.00': cents always, the bank's extra
    decimals when there are any."""
    exact = rate.normalize()
    exponent = exact.as_tuple().exponent
    shown = exact if isinstance(exponent, int) and exponent < -2 else rate.quantize(Decimal("0.01"))
    return format(shown, ",f").replace(",", " ")


def parse(text: str) -> tuple[str, Decimal, date | None]:
    """(currency, rate, day or None for today) from what the admin typed; Refused when it is not one."""
    found = _TYPED_RATE.match(text)
    if found is None:
        raise Refused(_("Send the currency and its rate, like: RUB 142.50 — or for a day: RUB 142.50 01.12.2026"))
    letters, amount, day = found.groups()
    try:
        rate = Decimal(re.sub(r"\s", "", amount).replace(",", "."))
    except InvalidOperation:
        rate = Decimal(0)
    exponent = rate.as_tuple().exponent
    if rate <= 0 or rate >= rates.MAX_RATE or (isinstance(exponent, int) and -exponent > PLACES):
        raise Refused(_("The rate must be a positive number with at most 8 decimals, like 142.50."))
    try:
        on = datetime.strptime(day, "%d.%m.%Y").date() if day else None
    except ValueError:
        raise Refused(_("There is no such day: write it as 01.12.2026.")) from None
    return letters.upper(), rate, on


def _refusal(error: ValidationError, base: str) -> str:
    if error.field == "currency":
        return _("{base} is the shop's own currency: it needs no rate.").format(base=base)
    if error.field == "day":
        return _("A rate is set for today or a day before, not for a day to come.")
    return _("The rate must be a positive number with at most 8 decimals, like 142.50.")


async def _screen(event: Event, pool: asyncpg.Pool, note: str | None = None) -> None:
    today = rates.local_today()
    async with pool.acquire() as conn:
        base = await rates.base_currency(conn)
        newest = {rate.currency: rate for rate in await rates.newest_rates(conn, today)}
        admins = {currency for currency, rate in newest.items() if rate.source == "admin"}
        shown = sorted(set(await rates.in_use(conn)) | admins)
    lines = [note, ""] if note else []
    lines.append(_("💱 Exchange rates to {base} on {day}:").format(base=base, day=_day(today)))
    for currency in shown:
        rate = newest.get(currency)
        if rate is None:
            lines.append(_("{currency}: no rate — its sales stay out of the totals").format(currency=currency))
            continue
        if rate.holds:
            whose = _("set by an admin, from {day} on").format(day=_day(rate.day))
        elif rate.source == "admin":
            whose = _("set by an admin for {day}").format(day=_day(rate.day))
        else:
            whose = _("Central Bank, {day}").format(day=_day(rate.day))
        lines.append(f"{currency}: {_rate_text(rate.rate)} {base} ({whose})")
    if not shown:
        lines.append(_("No sales in other currencies yet."))
    lines += ["", _("Send a rate like: RUB 142.50 (today) or RUB 142.50 01.12.2026 (a day).")]
    await show(event, "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=[[menu_button()]]))


async def _save(
    event: Event,
    pool: asyncpg.Pool,
    effects: Effects,
    admin: User,
    currency: str,
    rate: Decimal,
    day: date,
    holds: bool,
) -> bool:
    """Write the rate; a refusal is told and nothing is written."""
    async with pool.acquire() as conn:
        try:
            async with effects.transaction(conn) as unit:
                await rates.set_rate(unit, currency, day, rate, source="admin", actor_id=admin.id, from_day_on=holds)
        except ValidationError as error:
            await show(event, "⚠️ " + _refusal(error, await rates.base_currency(conn)))
            return False
    return True


async def _typed(
    message: Message, text: str, state: FSMContext, pool: asyncpg.Pool, effects: Effects, admin: User
) -> None:
    try:
        currency, rate, day = parse(text)
    except Refused as refused:
        await state.set_state(RateForm.typed)
        await message.answer("⚠️ " + str(refused))
        return
    if day is None:  # today's rate, at once
        today = rates.local_today()
        if await _save(message, pool, effects, admin, currency, rate, today, False):
            await state.clear()
            saved = _("✅ Saved: 1 {currency} = {rate} on {day}.").format(
                currency=currency, rate=_rate_text(rate), day=_day(today)
            )
            await _screen(message, pool, saved)
        return
    buttons = [
        [
            InlineKeyboardButton(
                text=text,
                callback_data=SetRate(
                    currency=currency, rate=format(rate, "f"), day=day.isoformat(), holds=holds
                ).pack(),
            )
        ]
        for text, holds in (
            (_("📅 Only on {day}").format(day=_day(day)), False),
            (_("📌 From {day} on").format(day=_day(day)), True),
        )
    ]
    await state.clear()
    question = _("1 {currency} = {rate}: for that day only, or from that day on?").format(
        currency=currency, rate=_rate_text(rate)
    )
    await message.answer(question, reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons))


@router.message(Command("rate"))
async def opened(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    pool: asyncpg.Pool,
    effects: Effects,
    admin: User,
) -> None:
    if command.args:
        await _typed(message, command.args, state, pool, effects, admin)
        return
    await state.set_state(RateForm.typed)
    await _screen(message, pool)


@router.message(RateForm.typed, TYPED)
async def typed(message: Message, state: FSMContext, pool: asyncpg.Pool, effects: Effects, admin: User) -> None:
    await _typed(message, message.text or "", state, pool, effects, admin)


@router.callback_query(SetRate.filter())
async def chosen(
    callback: CallbackQuery, callback_data: SetRate, pool: asyncpg.Pool, effects: Effects, admin: User
) -> None:
    day = date.fromisoformat(callback_data.day)
    rate = Decimal(callback_data.rate)
    if await _save(callback, pool, effects, admin, callback_data.currency, rate, day, callback_data.holds):
        template = _("✅ Saved: 1 {currency} = {rate} from {day} on.") if callback_data.holds else None
        saved = (template or _("✅ Saved: 1 {currency} = {rate} on {day}.")).format(
            currency=callback_data.currency, rate=_rate_text(rate), day=_day(day)
        )
        await _screen(callback, pool, saved)
