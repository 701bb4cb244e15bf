"""/money: the seller's own costs that every new order's profit counts (packaging per order, the Uzum payout
schedule's fee, VAT within the prices), set by an admin. A value that is not a number in its range gets a polite
reply and writes nothing. The rules are core.money_settings'."""

from __future__ import annotations

from decimal import Decimal

import asyncpg
from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.callbacks import ClearMoneySetting, EditMoneySetting, OpenScreen, Screen
from bot.forms import TYPED, Event, show
from bot.menu_buttons import menu_button
from bot.texts import money_in, number, parse_amount
from core import money_settings, rates
from core.errors import ValidationError
from core.money_settings import MoneySetting, MoneySettings
from core.unit_of_work import Effects
from core.users import User

router = admin_router(__name__)


class MoneyForm(StatesGroup):
    value = State()


def _label(setting: MoneySetting) -> str:
    return {
        MoneySetting.PACKAGING_COST: _("Packaging per order"),
        MoneySetting.PAYOUT_FEE_PERCENT: _("Uzum payout fee"),
        MoneySetting.VAT_PERCENT: _("VAT within the prices"),
    }[setting]


def _value(setting: MoneySetting, now: MoneySettings, base: str) -> str:
    value: Decimal | None = getattr(now, setting.value)
    if value is None:
        return _("none")
    if setting is MoneySetting.PACKAGING_COST:
        return money_in(value, base)
    return f"{number(value)}%"


def _hint(setting: MoneySetting, base: str) -> str:
    return {
        MoneySetting.PACKAGING_COST: _("Send the packaging cost of one order in {base}, like 3 000; 0 is none."),
        MoneySetting.PAYOUT_FEE_PERCENT: _(
            "Send the fee of your Uzum payout schedule in percent of the revenue, like 1.5; 0 is none."
        ),
        MoneySetting.VAT_PERCENT: _("Send the VAT rate your prices include, like 12; 0 is none (no VAT)."),
    }[setting].format(base=base)


def _refusal(setting: MoneySetting) -> str:
    return {
        MoneySetting.PACKAGING_COST: _(
            "The packaging cost must be an amount from 0 to 999 999 999 with at most two decimals."
        ),
        MoneySetting.PAYOUT_FEE_PERCENT: _("The payout fee must be a percent from 0 to below 100, like 1.5."),
        MoneySetting.VAT_PERCENT: _("The VAT rate must be a percent from 0 to below 100, like 12."),
    }[setting]


def _button(text: str, data: EditMoneySetting | ClearMoneySetting | OpenScreen) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


async def _show_settings(event: Event, pool: asyncpg.Pool, note: str | None = None) -> None:
    async with pool.acquire() as conn:
        now = await money_settings.read(conn)
        base = await rates.base_currency(conn)
    lines = [note, ""] if note else []
    lines.append(_("💰 Your own costs: every new order's profit counts them."))
    lines += [f"{_label(setting)}: {_value(setting, now, base)}" for setting in MoneySetting]
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            *([_button("✏️ " + _label(setting), EditMoneySetting(setting=setting))] for setting in MoneySetting),
            [menu_button()],
        ]
    )
    await show(event, "\n".join(lines), markup)


@router.message(Command("money"))
@router.callback_query(OpenScreen.filter(F.screen == Screen.MONEY))
async def opened(event: Message | CallbackQuery, state: FSMContext, pool: asyncpg.Pool) -> None:
    await state.clear()
    await _show_settings(event, pool)


def _asking_markup(setting: MoneySetting) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("🚫 None"), ClearMoneySetting(setting=setting))],
            [_button(_("⬅️ Money settings"), OpenScreen(screen=Screen.MONEY))],
        ]
    )


@router.callback_query(EditMoneySetting.filter())
async def ask(callback: CallbackQuery, callback_data: EditMoneySetting, state: FSMContext, pool: asyncpg.Pool) -> None:
    setting = callback_data.setting
    async with pool.acquire() as conn:
        now = await money_settings.read(conn)
        base = await rates.base_currency(conn)
    await state.set_state(MoneyForm.value)
    await state.set_data({"setting": setting.value})
    text = _("{what} now: {value}").format(what=_label(setting), value=_value(setting, now, base))
    await show(callback, text + "\n\n" + _hint(setting, base), _asking_markup(setting))


async def _save(
    event: Event, pool: asyncpg.Pool, effects: Effects, admin: User, setting: MoneySetting, value: Decimal | None
) -> bool:
    try:
        if value is None:
            raise ValidationError("not a number", setting.value)
        async with pool.acquire() as conn, effects.transaction(conn) as uow:
            await money_settings.set_value(uow, setting, value, admin.id)
    except ValidationError:
        text = "⚠️ " + _refusal(setting) + "\n\n" + _("Send it again, or go back.")
        await show(event, text, _asking_markup(setting))
        return False
    return True


@router.message(MoneyForm.value, TYPED)
async def typed(message: Message, state: FSMContext, pool: asyncpg.Pool, effects: Effects, admin: User) -> None:
    setting = MoneySetting((await state.get_data())["setting"])
    value = parse_amount((message.text or "").strip().removesuffix("%"))
    if await _save(message, pool, effects, admin, setting, value):
        await state.clear()
        await _show_settings(message, pool, _("✅ Saved."))


@router.callback_query(ClearMoneySetting.filter())
async def cleared(
    callback: CallbackQuery,
    callback_data: ClearMoneySetting,
    state: FSMContext,
    pool: asyncpg.Pool,
    effects: Effects,
    admin: User,
) -> None:
    if await _save(callback, pool, effects, admin, callback_data.setting, Decimal(0)):
        await state.clear()
        await _show_settings(callback, pool, _("✅ Saved."))
